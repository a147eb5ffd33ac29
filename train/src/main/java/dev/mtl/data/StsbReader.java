package dev.mtl.data;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads the STS Benchmark's published {@code sts-*.csv} layout: tab-separated, no header, no quoting (a
 * sentence may contain {@code "}), columns genre, file, year, id, score (0–5), sentence 1, sentence 2,
 * and on some lines two trailing notes (source, licence), which are ignored. Each line is a scored
 * pair; the score is divided by {@value #MAX_SCORE} into [0, 1], the convention of sentence-transformers'
 * STS training, so that cosine-similarity losses compare like with like. Blank lines are skipped.
 */
public final class StsbReader {

    /** The benchmark's scores run from 0 (unrelated) to 5 (equivalent). */
    public static final double MAX_SCORE = 5.0;

    private static final int SCORE = 4;
    private static final int FIRST = 5;
    private static final int SECOND = 6;

    private final Charset charset;

    public StsbReader() {
        this(StandardCharsets.UTF_8);
    }

    public StsbReader(Charset charset) {
        this.charset = Objects.requireNonNull(charset, "charset");
    }

    public List<Example> read(Path path) throws IOException {
        List<String> lines = TextFile.readLines(path, charset);
        List<Example> out = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            int at = i + 1;
            String[] c = line.split("\t", -1);
            if (c.length != 7 && c.length != 9) {
                throw new DataFormatException(
                        path,
                        at,
                        c.length + " tab-separated columns, expected 7 (genre, file, "
                                + "year, id, score, sentence 1, sentence 2) or 9 (with source and licence notes)");
            }
            double score;
            try {
                score = Double.parseDouble(c[SCORE].strip());
            } catch (NumberFormatException e) {
                throw new DataFormatException(path, at, "column 5: score '" + c[SCORE] + "' is not a number");
            }
            if (!(score >= 0 && score <= MAX_SCORE)) {
                throw new DataFormatException(path, at, "column 5: score " + score + " is outside [0, 5]");
            }
            if (c[FIRST].isBlank() || c[SECOND].isBlank()) {
                throw new DataFormatException(path, at, "column " + (c[FIRST].isBlank() ? 6 : 7) + ": empty sentence");
            }
            out.add(Example.pair(path.getFileName() + ":" + at, c[FIRST], c[SECOND], score / MAX_SCORE, null));
        }
        return out;
    }
}
