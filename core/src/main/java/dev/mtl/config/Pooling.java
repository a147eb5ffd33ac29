package dev.mtl.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How token vectors become one sentence vector (sentence-transformers' {@code Pooling} modes). */
public enum Pooling {
    /** Mean of the token vectors weighted by the attention mask (padding excluded). */
    MEAN,
    /** The vector of the first token, [CLS]. */
    CLS,
    /** Element-wise maximum over the unpadded tokens. */
    MAX;

    /** Parses a name case-insensitively; an unknown one lists the valid names. */
    public static Pooling parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("pooling '" + name + "' is not one of "
                    + Arrays.stream(values())
                            .map(p -> p.name().toLowerCase(Locale.ROOT))
                            .collect(Collectors.joining(", ")));
        }
    }
}
