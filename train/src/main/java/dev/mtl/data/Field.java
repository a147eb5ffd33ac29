package dev.mtl.data;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.mtl.tokenize.Alignment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An example field that can feed a task: sentence labels (classification, or an embedding objective
 * over labelled texts), word tags (NER), scored pairs or positive pairs (embedding objectives). A
 * dataset's {@code feeds} map each task to one; the field's gold strings become the task head's target,
 * and the field decides which texts of an example the encoder reads ({@link #texts}).
 */
public enum Field {
    @JsonProperty("label")
    LABEL,
    @JsonProperty("tags")
    TAGS,
    /** A pair of texts with a similarity score (STS): the encoder reads both. */
    @JsonProperty("score")
    SCORE,
    /** An anchor and its positive, and a hard negative where given: the encoder reads each. */
    @JsonProperty("pair")
    PAIR;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the encoder reads pairs of texts (or triples) for this field, rather than one text. */
    public boolean pairs() {
        return this == SCORE || this == PAIR;
    }

    /** Whether the example carries this field. */
    public boolean presentIn(Example e) {
        return switch (this) {
            case LABEL -> !e.labels().isEmpty();
            case TAGS -> !e.tags().isEmpty() || !e.entities().isEmpty();
            case SCORE -> e.pair() != null && e.score() != null;
            case PAIR -> e.pair() != null;
        };
    }

    /**
     * What the example lacks to feed a task from this field ("no score", "no sentence pair"), or null
     * when it can. A text without entities can feed tags: it is a sentence with none.
     */
    public String missingFrom(Example e) {
        return switch (this) {
            case LABEL -> e.labels().isEmpty() ? "no label" : null;
            case TAGS -> !e.tokens().isEmpty() && e.tags().isEmpty() ? "no tags" : null;
            case SCORE -> e.pair() == null ? "no sentence pair" : e.score() == null ? "no score" : null;
            case PAIR -> e.pair() == null ? "no sentence pair" : null;
        };
    }

    /**
     * The texts of the example the encoder reads for this field: the text alone for labels and tags;
     * the text and its pair; and the hard negative where the example has one.
     */
    public List<String> texts(Example e) {
        requirePair(e);
        return switch (this) {
            case LABEL, TAGS -> List.of(e.text());
            case SCORE -> List.of(e.text(), e.pair());
            case PAIR -> e.negative() == null ? List.of(e.text(), e.pair()) : List.of(e.text(), e.pair(), e.negative());
        };
    }

    /**
     * The example's gold strings for this field: its labels; one tag per word of {@code input} (for a
     * raw-text example, its character-span entities turned into word tags); a pair's score; nothing for
     * a positive pair (its target is its place in the batch).
     */
    public List<String> gold(Example e, Alignment input) {
        return switch (this) {
            case LABEL -> e.labels();
            case TAGS -> e.tokens().isEmpty() ? tagsFromSpans(e, input) : e.tags();
            case SCORE -> {
                requirePair(e);
                yield List.of(Double.toString(e.score()));
            }
            case PAIR -> List.of();
        };
    }

    /** A clear message, not a NullPointerException, for data that bypassed the readers' checks. */
    private void requirePair(Example e) {
        String missing = pairs() ? missingFrom(e) : null;
        if (missing != null) {
            throw new IllegalArgumentException(e.id() + ": " + missing);
        }
    }

    /** BIO word tags from character-span entities: B- on the first word that overlaps the span, I- after. */
    static List<String> tagsFromSpans(Example ex, Alignment a) {
        List<String> tags = new ArrayList<>();
        for (int w = 0; w < a.words().size(); w++) {
            tags.add("O");
        }
        for (CharEntity e : ex.entities()) {
            boolean first = true;
            for (int w = 0; w < a.words().size(); w++) {
                if (a.charStart()[w] < e.end() && a.charEnd()[w] > e.start()) {
                    tags.set(w, (first ? "B-" : "I-") + e.label());
                    first = false;
                }
            }
        }
        return tags;
    }
}
