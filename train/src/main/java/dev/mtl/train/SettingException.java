package dev.mtl.train;

/**
 * A training-config value that is wrong, with the dotted path of its key ({@code optimizer.lr},
 * {@code datasets[1].format}), so the loader can add the file and line. Records throw it from their
 * compact constructors with the key relative to themselves; whoever holds the record prefixes the rest
 * ({@link #under}). Still an {@link IllegalArgumentException} for code that builds configs directly.
 */
public final class SettingException extends IllegalArgumentException {
    private final String key;
    private final String problem;
    private final boolean unknownKey;

    /** @param problem what is wrong with the value and what is allowed, one line */
    public SettingException(String key, String problem) {
        this(key, problem, false);
    }

    private SettingException(String key, String problem, boolean unknownKey) {
        super(message(key, problem, unknownKey));
        this.key = key;
        this.problem = problem;
        this.unknownKey = unknownKey;
    }

    /** A key nobody reads: almost always a typo, which would otherwise silently leave a default in place. */
    public static SettingException unknownKey(String key, Iterable<String> allowed) {
        return new SettingException(key, String.join(", ", allowed), true);
    }

    /** {@code 'value' is not one of a, b, c} for {@code key}. */
    public static SettingException notOneOf(String key, Object value, Iterable<String> allowed) {
        return new SettingException(key, "'" + value + "' is not one of " + String.join(", ", allowed));
    }

    /** Dotted path of the key, {@code ""} for the whole document. */
    public String key() {
        return key;
    }

    /** The same problem with {@code prefix} put before the key ({@code lr} → {@code optimizer.lr}). */
    public SettingException under(String prefix) {
        if (prefix.isEmpty()) {
            return this;
        }
        String joined = key.isEmpty() ? prefix : key.startsWith("[") ? prefix + key : prefix + "." + key;
        return new SettingException(joined, problem, unknownKey);
    }

    private static String message(String key, String problem, boolean unknownKey) {
        String oneLine = problem.replaceAll("\\R", " ");
        if (unknownKey) {
            int dot = Math.max(key.lastIndexOf('.'), -1);
            String parent = dot < 0 ? "top level" : key.substring(0, dot);
            return "unknown key '" + key.substring(dot + 1) + "' at " + parent + "; allowed: " + oneLine;
        }
        return key.isEmpty() ? oneLine : key + ": " + oneLine;
    }
}
