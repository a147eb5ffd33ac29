package dev.mtl.config;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** What a caller may ask the forward pass for; any subset runs the encoder once. */
public enum Task {
    EMBEDDING,
    CLASSIFICATION,
    NER;

    public static Task parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown task '" + name + "'; valid tasks: " + validNames());
        }
    }

    /** Parses a comma-separated list such as {@code embedding,ner}. */
    public static Set<Task> parseList(String csv) {
        Set<Task> out = EnumSet.noneOf(Task.class);
        for (String part : csv.split(",")) {
            if (!part.isBlank()) {
                out.add(parse(part));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no task given; valid tasks: " + validNames());
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
