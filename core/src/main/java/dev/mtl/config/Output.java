package dev.mtl.config;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The three outputs a caller may ask a model for: the sentence embedding, the classification heads'
 * predictions and the NER heads' predictions. Any subset runs the encoder once. Not a task: a model's
 * tasks are its named heads (several may answer {@code classification} or {@code ner}).
 */
public enum Output {
    EMBEDDING,
    CLASSIFICATION,
    NER;

    public static Output parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown output '" + name + "'; valid outputs: " + validNames());
        }
    }

    /** Parses a comma-separated list such as {@code embedding,ner}. */
    public static Set<Output> parseList(String csv) {
        Set<Output> out = EnumSet.noneOf(Output.class);
        for (String part : csv.split(",")) {
            if (!part.isBlank()) {
                out.add(parse(part));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no output given; valid outputs: " + validNames());
        }
        return out;
    }

    public static String validNames() {
        return Arrays.stream(values())
                .map(t -> t.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
    }

    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
