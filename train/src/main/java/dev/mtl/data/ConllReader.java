package dev.mtl.data;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Reads token-per-line NER files: two columns ({@code word tag}, WNUT-17) or four (CoNLL-2003
 * {@code word POS chunk tag}), separated by tabs when the line has any, else by runs of spaces. Blank
 * lines end sentences and {@code -DOCSTART-} lines are skipped. Tags come out as IOB2 whatever the
 * {@link TagScheme} of the file. Not for IOBES/BILOU files (E-/S-/L-/U- tags are errors), and the POS and
 * chunk columns are dropped.
 */
public final class ConllReader {
    public static final String DOCSTART = "-DOCSTART-";
    private static final int PLAIN_COLUMNS = 2;
    private static final int CONLL2003_COLUMNS = 4;
    private static final Pattern SPACES = Pattern.compile(" +");

    private final TagScheme scheme;
    private final Charset charset;

    /** AUTO scheme, UTF-8. */
    public ConllReader() {
        this(TagScheme.AUTO, StandardCharsets.UTF_8);
    }

    public ConllReader(TagScheme scheme, Charset charset) {
        this.scheme = Objects.requireNonNull(scheme, "scheme");
        this.charset = Objects.requireNonNull(charset, "charset");
    }

    public List<Example> read(Path path) throws IOException {
        List<Sentence> sentences = new ArrayList<>();
        Sentence current = new Sentence();
        List<String> lines = TextFile.readLines(path, charset);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int lineNo = i + 1;
            if (line.isBlank()) {
                current = flush(sentences, current);
                continue;
            }
            String[] columns = line.indexOf('\t') >= 0 ? line.split("\t", -1) : SPACES.split(line.strip());
            if (columns[0].equals(DOCSTART)) {
                current = flush(sentences, current);
                continue;
            }
            if (columns.length != PLAIN_COLUMNS && columns.length != CONLL2003_COLUMNS) {
                throw new DataFormatException(
                        path,
                        lineNo,
                        columns.length + " columns, expected " + PLAIN_COLUMNS + " or " + CONLL2003_COLUMNS);
            }
            String word = columns[0];
            String tag = columns[columns.length - 1];
            if (word.isEmpty()) {
                throw new DataFormatException(path, lineNo, "empty word");
            }
            String problem = Tags.problem(tag);
            if (problem != null) {
                throw new DataFormatException(path, lineNo, problem);
            }
            current.add(word, tag, lineNo);
        }
        flush(sentences, current);
        return toExamples(path, sentences);
    }

    private List<Example> toExamples(Path path, List<Sentence> sentences) {
        boolean iob1 = scheme == TagScheme.IOB1;
        if (scheme != TagScheme.IOB1) {
            for (Sentence s : sentences) {
                int at = Tags.firstOpeningInside(s.tags);
                if (at >= 0 && scheme == TagScheme.IOB2) {
                    String before = at == 0 ? "sentence start" : s.tags.get(at - 1);
                    throw new DataFormatException(
                            path,
                            s.lines.get(at),
                            s.tags.get(at) + " after " + before
                                    + " is not valid IOB2 (read as IOB1 or AUTO to convert)");
                }
                iob1 |= at >= 0;
            }
        }
        List<Example> examples = new ArrayList<>(sentences.size());
        for (Sentence s : sentences) {
            List<String> tags = iob1 ? Tags.toIob2(s.tags) : s.tags;
            examples.add(new Example(
                    path.getFileName() + ":" + s.lines.get(0),
                    String.join(" ", s.words),
                    s.words,
                    tags,
                    List.of(),
                    List.of()));
        }
        return examples;
    }

    private static Sentence flush(List<Sentence> sentences, Sentence current) {
        if (current.words.isEmpty()) {
            return current;
        }
        sentences.add(current);
        return new Sentence();
    }

    private static final class Sentence {
        final List<String> words = new ArrayList<>();
        final List<String> tags = new ArrayList<>();
        final List<Integer> lines = new ArrayList<>();

        void add(String word, String tag, int line) {
            words.add(word);
            tags.add(tag);
            lines.add(line);
        }
    }
}
