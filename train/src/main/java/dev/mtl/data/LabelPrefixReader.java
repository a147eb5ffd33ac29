package dev.mtl.data;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one labelled sentence per line where a regex with named groups {@code label} and {@code text}
 * splits the line, as in TREC ({@code DESC:manner How did serfdom develop ... ?}). A label of the form
 * {@code COARSE:fine} can be kept whole ({@link Level#FINE}, e.g. {@code DESC:manner}; whole because TREC
 * reuses fine names such as {@code other} under several coarse classes) or cut to the part before the
 * first ':' ({@link Level#COARSE}). Blank lines are skipped. Not for token-level labels.
 */
public final class LabelPrefixReader {
    /** TREC: the label is the first whitespace-free run, the text the rest of the line. */
    public static final Pattern TREC_PATTERN = Pattern.compile("(?<label>\\S+)\\s+(?<text>.*\\S)\\s*");

    private static final char LEVEL_SEPARATOR = ':';

    /** Which part of a {@code COARSE:fine} label to keep. */
    public enum Level {
        COARSE,
        FINE
    }

    private final Pattern pattern;
    private final Level level;
    private final Charset charset;

    /** TREC pattern, coarse labels, UTF-8 (the real TREC files need ISO-8859-1: see data/trec/SOURCE.md). */
    public LabelPrefixReader() {
        this(TREC_PATTERN, Level.COARSE, StandardCharsets.UTF_8);
    }

    /** @param pattern must match a whole line and define the named groups {@code label} and {@code text} */
    public LabelPrefixReader(Pattern pattern, Level level, Charset charset) {
        // Java 17 has no Pattern.namedGroups(): look for the group syntax itself.
        if (!pattern.pattern().contains("(?<label>") || !pattern.pattern().contains("(?<text>")) {
            throw new IllegalArgumentException("pattern must define named groups label and text, got " + pattern);
        }
        this.pattern = pattern;
        this.level = Objects.requireNonNull(level, "level");
        this.charset = Objects.requireNonNull(charset, "charset");
    }

    public List<Example> read(Path path) throws IOException {
        List<String> lines = TextFile.readLines(path, charset);
        List<Example> examples = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int lineNo = i + 1;
            if (line.isBlank()) {
                continue;
            }
            Matcher m = pattern.matcher(line);
            if (!m.matches()) {
                throw new DataFormatException(path, lineNo, "line does not match " + pattern);
            }
            String label = m.group("label");
            String text = m.group("text");
            int colon = label == null ? -1 : label.indexOf(LEVEL_SEPARATOR);
            if (level == Level.COARSE && colon >= 0) {
                label = label.substring(0, colon);
            }
            if (label == null || label.isBlank()) {
                throw new DataFormatException(path, lineNo, "empty label");
            }
            if (text == null || text.isBlank()) {
                throw new DataFormatException(path, lineNo, "empty text");
            }
            examples.add(new Example(
                    path.getFileName() + ":" + lineNo, text.strip(), List.of(), List.of(), List.of(label), List.of()));
        }
        return examples;
    }
}
