package dev.mtl.data;

import java.util.List;

/**
 * One training or evaluation example as read from a file, for any mix of the three tasks: sentence
 * classification ({@code labels}; a list so multi-label sources such as ATIS {@code a#b} fit), token
 * tagging ({@code tokens} + IOB2 {@code tags}) and span NER ({@code entities} over {@code text}). A field
 * the source does not label is an empty list, never null. Not tokenized into sub-words: that is
 * {@code tokenize}'s job.
 *
 * @param id where the example came from, {@code file:line} of its first line
 * @param text the text; for token sources the tokens joined by single spaces
 */
public record Example(
        String id,
        String text,
        List<String> tokens,
        List<String> tags,
        List<String> labels,
        List<CharEntity> entities) {

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
    }
}
