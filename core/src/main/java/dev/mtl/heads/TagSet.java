package dev.mtl.heads;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable, validated list of IOB2 (BIO) labels such as {@code O, B-PER, I-PER}, and the rules
 * of which label may start a sequence or follow another.
 *
 * <p>For: the label vocabulary of an NER head and the constraints used by {@link BioDecoder} and
 * {@link CrfDecoder#constrained}. Not for: other schemes. IOB1 (where {@code I-X} starts most
 * entities) and BIOES must be converted to IOB2 before they get here; an {@code I-X} without its
 * {@code B-X} is rejected because in IOB2 it could never be decoded.
 */
public final class TagSet {
    /** The label of tokens outside any entity. */
    public static final String OUTSIDE = "O";
    /** Prefix of the first token of an entity. */
    public static final String BEGIN_PREFIX = "B-";
    /** Prefix of a continuation token of an entity. */
    public static final String INSIDE_PREFIX = "I-";

    private final List<String> labels;
    private final Map<String, Integer> indexByLabel;
    private final String[] types; // null for O

    /**
     * @param labels BIO labels in model output order; each is {@code O} or {@code B-}/{@code I-}
     *     followed by a non-empty type
     * @throws IllegalArgumentException naming the first bad, duplicate or orphan {@code I-} label
     */
    public TagSet(List<String> labels) {
        if (labels == null || labels.isEmpty()) {
            throw new IllegalArgumentException("tag set is empty: need at least one label");
        }
        this.indexByLabel = new HashMap<>();
        this.types = new String[labels.size()];
        for (int i = 0; i < labels.size(); i++) {
            String label = labels.get(i);
            types[i] = typeOf(label); // rejects null before List.copyOf would throw an NPE
            if (indexByLabel.putIfAbsent(label, i) != null) {
                throw new IllegalArgumentException("duplicate label '" + label + "' at index " + i + " (first at "
                        + indexByLabel.get(label) + ")");
            }
        }
        this.labels = List.copyOf(labels);
        for (String label : this.labels) {
            if (label.startsWith(INSIDE_PREFIX) && !indexByLabel.containsKey(BEGIN_PREFIX + typeOf(label))) {
                throw new IllegalArgumentException("label '" + label + "' has no '" + BEGIN_PREFIX + typeOf(label)
                        + "': IOB2 tag sets need both (convert IOB1 first)");
            }
        }
    }

    /** Convenience for {@code new TagSet(List.of(labels))}. */
    public static TagSet of(String... labels) {
        return new TagSet(List.of(labels));
    }

    /**
     * The entity type of a BIO label, or {@code null} for {@code O}.
     *
     * @throws IllegalArgumentException if the label is not {@code O}, {@code B-X} or {@code I-X}
     */
    static String typeOf(String label) {
        if (OUTSIDE.equals(label)) {
            return null;
        }
        if (label != null
                && label.length() > BEGIN_PREFIX.length()
                && (label.startsWith(BEGIN_PREFIX) || label.startsWith(INSIDE_PREFIX))) {
            return label.substring(BEGIN_PREFIX.length());
        }
        throw new IllegalArgumentException("bad label '" + label + "': expected \"" + OUTSIDE
                + "\" or \"" + BEGIN_PREFIX + "\"/\"" + INSIDE_PREFIX
                + "\" followed by a type (IOB2 only)");
    }

    public int size() {
        return labels.size();
    }

    public String label(int i) {
        return labels.get(i);
    }

    /** All labels in index order (unmodifiable). */
    public List<String> labels() {
        return labels;
    }

    public boolean contains(String label) {
        return indexByLabel.containsKey(label);
    }

    /** @throws IllegalArgumentException if the label is not in this set */
    public int index(String label) {
        Integer i = indexByLabel.get(label);
        if (i == null) {
            throw new IllegalArgumentException("unknown label '" + label + "'; known: " + labels);
        }
        return i;
    }

    /** The entity type of label {@code i} ({@code PER} for {@code B-PER}), or null for {@code O}. */
    public String type(int i) {
        return types[i];
    }

    public boolean isBegin(int i) {
        return labels.get(i).startsWith(BEGIN_PREFIX);
    }

    public boolean isInside(int i) {
        return labels.get(i).startsWith(INSIDE_PREFIX);
    }

    public boolean isOutside(int i) {
        return types[i] == null;
    }

    /** Whether label {@code j} may be the first of a sequence: anything but {@code I-X}. */
    public boolean allowedStart(int j) {
        return !isInside(j);
    }

    /** Whether label {@code j} may follow label {@code i}: {@code I-X} only after {@code B-X} or {@code I-X}. */
    public boolean allowed(int i, int j) {
        return !isInside(j) || (!isOutside(i) && types[i].equals(types[j]));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TagSet other && labels.equals(other.labels);
    }

    @Override
    public int hashCode() {
        return labels.hashCode();
    }

    @Override
    public String toString() {
        return "TagSet" + labels;
    }
}
