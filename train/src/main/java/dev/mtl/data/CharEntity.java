package dev.mtl.data;

/**
 * A labelled span of an example's text, {@code [start, end)} in Java {@code String} indices (UTF-16 code
 * units), so {@code text.substring(start, end)} is the entity. Readers whose sources count Unicode code
 * points (JSONL written by Python tools) convert on reading. Not a token span.
 */
public record CharEntity(int start, int end, String label) {
    public CharEntity {
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("entity span [" + start + ", " + end + ") must have 0 <= start < end");
        }
        if (label == null || label.isEmpty()) {
            throw new IllegalArgumentException("entity label must be non-empty, got " + label);
        }
    }
}
