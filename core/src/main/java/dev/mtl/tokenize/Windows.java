package dev.mtl.tokenize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a token sequence longer than the model's maximum into overlapping windows, each wrapped in
 * [CLS] ... [SEP] again. Consecutive windows share {@code overlap} content tokens, so every token
 * is seen with context on both sides in at least one window.
 */
public final class Windows {

    /** Tokens added around each window's content: [CLS] and [SEP]. */
    public static final int SPECIAL_TOKENS = 2;

    /** One window: its ids (with specials) and the offset of its first content token in the text's content. */
    public record Window(long[] ids, int contentStart) {}

    private Windows() {}

    /** The default overlap: a quarter of a window's content, so each window adds 3/4 new tokens. */
    public static int defaultOverlap(int maxLength) {
        return (maxLength - SPECIAL_TOKENS) / 4;
    }

    /**
     * @param ids a full encoding: [CLS] content... [SEP]
     * @return one window (the input itself) when it fits, else overlapping windows covering all content
     */
    public static List<Window> split(long[] ids, int maxLength, int overlap, long cls, long sep) {
        int maxContent = maxLength - SPECIAL_TOKENS;
        if (maxContent <= 0 || overlap < 0 || overlap >= maxContent) {
            throw new IllegalArgumentException(
                    "window: max length " + maxLength + " and overlap " + overlap + " leave no room for content");
        }
        if (ids.length <= maxLength) {
            return List.of(new Window(ids, 0));
        }
        long[] content = Arrays.copyOfRange(ids, 1, ids.length - 1);
        List<Window> out = new ArrayList<>();
        int step = maxContent - overlap;
        for (int start = 0; ; start += step) {
            int end = Math.min(start + maxContent, content.length);
            out.add(new Window(wrap(content, start, end, cls, sep), start));
            if (end == content.length) {
                break;
            }
        }
        return out;
    }

    /** The first {@code maxLength} tokens, still ending in [SEP] (explicit truncation). */
    public static long[] truncate(long[] ids, int maxLength, long cls, long sep) {
        if (ids.length <= maxLength) {
            return ids;
        }
        return wrap(Arrays.copyOfRange(ids, 1, ids.length - 1), 0, maxLength - SPECIAL_TOKENS, cls, sep);
    }

    private static long[] wrap(long[] content, int start, int end, long cls, long sep) {
        long[] w = new long[end - start + SPECIAL_TOKENS];
        w[0] = cls;
        System.arraycopy(content, start, w, 1, end - start);
        w[w.length - 1] = sep;
        return w;
    }
}
