package dev.mtl.data;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Reads a JointBERT split directory (SNIPS, ATIS as in monologg/JointBERT): {@code seq.in} (tokens),
 * {@code seq.out} (one IOB2 slot tag per token) and {@code label} (the intent), line by line in step.
 * A multi-intent label such as {@code atis_flight#atis_airfare} is split on a configurable separator.
 * Not for the {@code intent_label.txt}/{@code slot_label.txt} vocabularies: build a
 * {@link LabelVocabulary} from the training examples instead.
 */
public final class JointBertReader {
    public static final String TOKENS_FILE = "seq.in";
    public static final String TAGS_FILE = "seq.out";
    public static final String LABEL_FILE = "label";
    /** ATIS joins the intents of a multi-intent utterance with '#'. */
    public static final String DEFAULT_LABEL_SEPARATOR = "#";
    /** Runs of whitespace: some seq.in lines end with a space, which must not make an empty token. */
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private final String labelSeparator;
    private final Charset charset;

    /** '#'-separated multi-labels, UTF-8. */
    public JointBertReader() {
        this(DEFAULT_LABEL_SEPARATOR, StandardCharsets.UTF_8);
    }

    /** @param labelSeparator splits a label line into several labels; null keeps the line whole */
    public JointBertReader(String labelSeparator, Charset charset) {
        if (labelSeparator != null && labelSeparator.isEmpty()) {
            throw new IllegalArgumentException("labelSeparator must be null or non-empty, got \"\"");
        }
        this.labelSeparator = labelSeparator;
        this.charset = Objects.requireNonNull(charset, "charset");
    }

    public List<Example> read(Path dir) throws IOException {
        Path tokensPath = dir.resolve(TOKENS_FILE);
        Path tagsPath = dir.resolve(TAGS_FILE);
        Path labelPath = dir.resolve(LABEL_FILE);
        List<String> tokenLines = TextFile.readLines(tokensPath, charset);
        List<String> tagLines = TextFile.readLines(tagsPath, charset);
        List<String> labelLines = TextFile.readLines(labelPath, charset);
        checkSameLength(List.of(tokensPath, tagsPath, labelPath), List.of(tokenLines, tagLines, labelLines));

        List<Example> examples = new ArrayList<>(tokenLines.size());
        for (int i = 0; i < tokenLines.size(); i++) {
            int line = i + 1;
            List<String> tokens = split(tokenLines.get(i));
            List<String> tags = split(tagLines.get(i));
            if (tokens.isEmpty()) {
                throw new DataFormatException(tokensPath, line, "empty utterance");
            }
            if (tags.size() != tokens.size()) {
                throw new DataFormatException(
                        tagsPath, line, tags.size() + " tags for " + tokens.size() + " tokens in " + TOKENS_FILE);
            }
            for (String tag : tags) {
                String problem = Tags.problem(tag);
                if (problem != null) {
                    throw new DataFormatException(tagsPath, line, problem);
                }
            }
            List<String> labels = labels(labelLines.get(i).strip());
            if (labels.stream().anyMatch(String::isEmpty)) {
                throw new DataFormatException(labelPath, line, "empty label");
            }
            examples.add(new Example(
                    dir.getFileName() + ":" + line, String.join(" ", tokens), tokens, tags, labels, List.of()));
        }
        return examples;
    }

    private List<String> labels(String line) {
        return labelSeparator == null ? List.of(line) : Arrays.asList(line.split(Pattern.quote(labelSeparator), -1));
    }

    private static List<String> split(String line) {
        String stripped = line.strip();
        return stripped.isEmpty() ? List.of() : Arrays.asList(WHITESPACE.split(stripped));
    }

    /** The shortest file is the one at fault: name it, at its first missing line. */
    private static void checkSameLength(List<Path> paths, List<List<String>> contents) {
        int shortest = 0;
        int longest = 0;
        for (int i = 1; i < paths.size(); i++) {
            if (contents.get(i).size() < contents.get(shortest).size()) {
                shortest = i;
            }
            if (contents.get(i).size() > contents.get(longest).size()) {
                longest = i;
            }
        }
        int have = contents.get(shortest).size();
        int want = contents.get(longest).size();
        if (have != want) {
            throw new DataFormatException(
                    paths.get(shortest),
                    have + 1,
                    "missing line: file has " + have + " lines, "
                            + paths.get(longest).getFileName() + " has " + want);
        }
    }
}
