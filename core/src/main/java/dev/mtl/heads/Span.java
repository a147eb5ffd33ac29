package dev.mtl.heads;

/**
 * One entity: positions {@code [start, end)} of a tag sequence and its type ({@code PER}).
 *
 * <p>Positions are whatever the tags were indexed by (words or sub-tokens); mapping them to
 * character offsets is the caller's job.
 */
public record Span(int start, int end, String type) {
    public Span {
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("span [" + start + ", " + end + ") must satisfy 0 <= start < end");
        }
        if (type == null || type.isEmpty()) {
            throw new IllegalArgumentException("span type must be non-empty, got '" + type + "'");
        }
    }

    /** Number of positions covered. */
    public int length() {
        return end - start;
    }
}
