package dev.mtl.heads;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a BIO tag sequence into entity spans exactly as conlleval (CoNLL-2000 {@code conlleval.pl})
 * does, so that character-span output and entity P/R/F1 agree with the reference scorer.
 *
 * <p>Rules: an entity starts at {@code B-X}, or at {@code I-X} after {@code O} or after a tag of
 * another type; it ends before the next tag that is not {@code I-X} of the same type (a new
 * {@code B-X} always starts a new entity). So invalid sequences such as {@code O I-PER} or
 * {@code B-PER I-LOC} are repaired leniently, the way conlleval scores them. Not for: IOB1 or
 * BIOES input, which is rejected, nor for character offsets (see {@link Span}).
 */
public final class Entities {
    private Entities() {}

    /**
     * @param tags one IOB2 label per position
     * @return entities in order of their start
     * @throws IllegalArgumentException naming the position of a label that is not O/B-X/I-X
     */
    public static List<Span> spans(List<String> tags) {
        List<Span> spans = new ArrayList<>();
        int start = -1; // start of the open entity, -1 if none
        String openType = null;
        for (int t = 0; t < tags.size(); t++) {
            String tag = tags.get(t);
            String type;
            try {
                type = TagSet.typeOf(tag);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tags[" + t + "]: " + e.getMessage(), e);
            }
            boolean continues = start >= 0 && tag.startsWith(TagSet.INSIDE_PREFIX) && type.equals(openType);
            if (!continues) {
                if (start >= 0) {
                    spans.add(new Span(start, t, openType));
                }
                start = type == null ? -1 : t;
                openType = type;
            }
        }
        if (start >= 0) { // conlleval closes an entity at the end of the sentence
            spans.add(new Span(start, tags.size(), openType));
        }
        return spans;
    }

    /** {@link #spans(List)} of a decoded path of label indices. */
    public static List<Span> spans(int[] path, TagSet tags) {
        List<String> labels = new ArrayList<>(path.length);
        for (int j : path) {
            labels.add(tags.label(j));
        }
        return spans(labels);
    }
}
