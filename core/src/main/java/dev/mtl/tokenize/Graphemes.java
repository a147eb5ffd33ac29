package dev.mtl.tokenize;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text as the tokenizer and the alignment both see it. A lone UTF-16 surrogate (JSON allows one) has
 * no UTF-8 form, so the native tokenizer would see a different text from the one offsets index into;
 * it becomes U+FFFD, also one UTF-16 unit, so no index moves. Word spans are widened to whole
 * grapheme clusters ({@code \X}: a letter with its combining marks, an emoji ZWJ sequence), because the
 * normalizer may drop a mark and leave it outside its word's token offsets.
 */
public final class Graphemes {

    private static final Pattern CLUSTER = Pattern.compile("\\X");

    private Graphemes() {}

    /** {@code text} with every unpaired surrogate replaced by U+FFFD; the same object when it has none. */
    public static String wellFormed(String text) {
        char[] out = null;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++; // a pair
            } else if (Character.isSurrogate(c)) {
                if (out == null) {
                    out = text.toCharArray();
                }
                out[i] = '\uFFFD';
            }
        }
        return out == null ? text : new String(out);
    }

    /** {@code boundary[i]}: a grapheme cluster starts (or the text ends) at UTF-16 index i. */
    static boolean[] boundaries(String text) {
        boolean[] b = new boolean[text.length() + 1];
        Matcher m = CLUSTER.matcher(text);
        while (m.find()) {
            b[m.start()] = true;
            b[m.end()] = true;
        }
        b[0] = true;
        b[text.length()] = true;
        return b;
    }
}
