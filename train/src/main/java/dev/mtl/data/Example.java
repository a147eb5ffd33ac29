package dev.mtl.data;

import java.nio.file.Path;
import java.util.List;

/**
 * One training or evaluation example as read from a file, for any mix of the tasks: sentence
 * classification ({@code labels}; a list so multi-label sources such as ATIS {@code a#b} fit), token
 * tagging ({@code tokens} + IOB2 {@code tags}), span NER ({@code entities} over {@code text}), and
 * sentence pairs for the embedding ({@code pair}, with a similarity {@code score}, or as an anchor and
 * its positive with an optional hard {@code negative}). A field the source does not label is an empty
 * list or null, never a placeholder. Not tokenized into sub-words: that is {@code tokenize}'s job.
 *
 * @param id where the example came from, {@code file:line} of its first line
 * @param text the text (an anchor, for pairs); for token sources the tokens joined by single spaces
 * @param pair the second text of a pair (its positive), or null
 * @param negative a hard negative for {@code text}, or null; only with a pair
 * @param score the pair's similarity score, or null; only with a pair
 */
public record Example(
        String id,
        String text,
        List<String> tokens,
        List<String> tags,
        List<String> labels,
        List<CharEntity> entities,
        String pair,
        String negative,
        Double score) {

    public Example {
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
        tags = tags == null ? List.of() : List.copyOf(tags);
        labels = labels == null ? List.of() : List.copyOf(labels);
        entities = entities == null ? List.of() : List.copyOf(entities);
        if (!tags.isEmpty() && tags.size() != tokens.size()) {
            throw new IllegalArgumentException(id + ": " + tags.size() + " tags for " + tokens.size() + " tokens");
        }
        for (CharEntity e : entities) {
            if (text == null || e.end() > text.length()) {
                throw new IllegalArgumentException(
                        id + ": entity " + e + " outside text of length " + (text == null ? 0 : text.length()));
            }
        }
        if (pair == null && (negative != null || score != null)) {
            throw new IllegalArgumentException(id + ": a negative or a score needs a pair");
        }
        if (score != null && !Double.isFinite(score)) {
            throw new IllegalArgumentException(id + ": score " + score + " is not a finite number");
        }
    }

    /** A labelled, tagged or span-annotated text. */
    public Example(
            String id,
            String text,
            List<String> tokens,
            List<String> tags,
            List<String> labels,
            List<CharEntity> entities) {
        this(id, text, tokens, tags, labels, entities, null, null, null);
    }

    /**
     * Where the example is, for messages: {@code file:line} when its id is the reader's own
     * ({@code name:line}), else the file, its 1-based place in it, its id and the start of its text.
     */
    public String locate(Path file, int index) {
        String own = file.getFileName() + ":";
        if (id.startsWith(own) && id.substring(own.length()).matches("\\d+")) {
            return file + ":" + id.substring(own.length());
        }
        String start = text == null || text.length() <= SHOWN ? text : text.substring(0, SHOWN) + "…";
        return file + ": example " + (index + 1) + " (id " + id + ", \"" + start + "\")";
    }

    /** How much of a text {@link #locate} shows. */
    private static final int SHOWN = 40;

    /** A sentence pair: {@code text} and {@code pair}, with a similarity score and a hard negative if known. */
    public static Example pair(String id, String text, String pair, Double score, String negative) {
        return new Example(id, text, List.of(), List.of(), List.of(), List.of(), pair, negative, score);
    }
}
