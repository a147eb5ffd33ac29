package dev.mtl.data;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.mtl.config.TaskConfig;
import dev.mtl.tokenize.Alignment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An example field that can feed a task: sentence labels (classification) or word tags (NER). A
 * dataset's {@code feeds} map each task to one; the field's gold strings become the task head's target.
 */
public enum Field {
    @JsonProperty("label")
    LABEL,
    @JsonProperty("tags")
    TAGS;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The field that trains and scores a task of this kind. */
    public static Field of(TaskConfig.Kind kind) {
        return kind == TaskConfig.Kind.NER ? TAGS : LABEL;
    }

    /** Whether the example carries this field. */
    public boolean presentIn(Example e) {
        return this == LABEL
                ? !e.labels().isEmpty()
                : !e.tags().isEmpty() || !e.entities().isEmpty();
    }

    /**
     * The example's gold strings for this field: its labels, or one tag per word of {@code input} (for a
     * raw-text example, its character-span entities turned into word tags).
     */
    public List<String> gold(Example e, Alignment input) {
        if (this == LABEL) {
            return e.labels();
        }
        return e.tokens().isEmpty() ? tagsFromSpans(e, input) : e.tags();
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
