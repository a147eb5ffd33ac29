package dev.mtl.eval;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Writes predictions in conlleval's input layout, {@code word gold predicted} separated by single
 * spaces, a blank line after each sentence, so a run can be re-scored with the original
 * {@code conlleval} script. conlleval splits on single spaces and takes the last two fields as tags; a
 * word with whitespace would change the field count (an error there) and a word equal to its boundary
 * marker {@code -X-} would be read as a sentence break, so such words are written with '_' in their
 * place: the word column does not affect any score. Not a reader: {@code data.ConllReader} reads gold.
 */
public final class ConllPredictionWriter {
    /** conlleval treats a line whose first field is this as a sentence boundary. */
    static final String CONLLEVAL_BOUNDARY = "-X-";

    private static final String PLACEHOLDER = "_";
    private static final Pattern WHITESPACE = Pattern.compile("\\s");

    private ConllPredictionWriter() {}

    /** @param words, {@code gold}, {@code predicted}: one list per sentence, equal lengths */
    public static void write(
            Writer out, List<List<String>> words, List<List<String>> gold, List<List<String>> predicted)
            throws IOException {
        if (words.size() != gold.size() || words.size() != predicted.size()) {
            throw new IllegalArgumentException("sentence counts differ: " + words.size() + " words, " + gold.size()
                    + " gold, " + predicted.size() + " predicted");
        }
        for (int s = 0; s < words.size(); s++) {
            List<String> w = words.get(s);
            if (w.size() != gold.get(s).size() || w.size() != predicted.get(s).size()) {
                throw new IllegalArgumentException("sentence " + s + ": " + w.size() + " words, "
                        + gold.get(s).size() + " gold tags, " + predicted.get(s).size() + " predicted");
            }
            for (int t = 0; t < w.size(); t++) {
                out.write(safeWord(w.get(t)) + " " + gold.get(s).get(t) + " "
                        + predicted.get(s).get(t) + "\n");
            }
            out.write("\n");
        }
    }

    public static void write(Path path, List<List<String>> words, List<List<String>> gold, List<List<String>> predicted)
            throws IOException {
        try (Writer out = Files.newBufferedWriter(path, StandardCharsets.UTF_8)) {
            write(out, words, gold, predicted);
        }
    }

    static String safeWord(String word) {
        if (word.isEmpty() || word.equals(CONLLEVAL_BOUNDARY)) {
            return PLACEHOLDER;
        }
        return WHITESPACE.matcher(word).replaceAll(PLACEHOLDER);
    }
}
