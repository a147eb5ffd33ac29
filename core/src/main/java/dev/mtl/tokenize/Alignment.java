package dev.mtl.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where each word of an input starts and ends, in sub-tokens and in characters, from one encoding.
 * Raw text: the words are the tokenizer's pre-tokenized words (whitespace and punctuation split), with
 * character offsets into the text. Pre-tokenized input: the words are the caller's, and the text is
 * the words joined by single spaces.
 *
 * <p>The native tokenizer reports offsets in Unicode code points; they are converted here to Java
 * UTF-16 indices so that {@code text.substring(start, end)} is the word, emoji included.
 *
 * @param text the input text
 * @param ids the full token ids, [CLS] ... [SEP]
 * @param words the words
 * @param firstToken per word, the index in {@code ids} of its first sub-token, or -1 if it has none
 *     (a word the normalizer erases entirely, such as a lone control character)
 * @param charStart per word, its start in the text (UTF-16)
 * @param charEnd per word, its end in the text (UTF-16, exclusive)
 */
public record Alignment(String text, long[] ids, List<String> words, int[] firstToken, int[] charStart, int[] charEnd) {

    /** Label value for sub-tokens the loss ignores (continuation pieces and special tokens), as in HF. */
    public static final int IGNORE = -100;

    /**
     * @param original the text that was encoded; lone surrogates are replaced as {@link TextTokenizer#encode}
     *     replaces them, and {@link #text()} is that text
     */
    public static Alignment ofText(String original, Encoding e) {
        String text = Graphemes.wellFormed(original);
        long[] wordIds = e.getWordIds();
        CharSpan[] spans = e.getCharTokenSpans();
        int[] cpToChar = codePointToCharIndex(text);
        List<int[]> words = new ArrayList<>(); // {firstToken, start, end}
        long lastWord = -1;
        for (int t = 0; t < wordIds.length; t++) {
            if (e.getSpecialTokenMask()[t] == 1 || wordIds[t] < 0 || spans[t] == null) {
                continue;
            }
            int start = cpToChar[Math.min(spans[t].getStart(), cpToChar.length - 1)];
            int end = cpToChar[Math.min(spans[t].getEnd(), cpToChar.length - 1)];
            if (wordIds[t] != lastWord) {
                words.add(new int[] {t, start, end});
                lastWord = wordIds[t];
            } else {
                words.get(words.size() - 1)[2] = end;
            }
        }
        snapToClusters(text, words);
        int n = words.size();
        int[] first = new int[n];
        int[] cs = new int[n];
        int[] ce = new int[n];
        List<String> w = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            first[i] = words.get(i)[0];
            cs[i] = words.get(i)[1];
            ce[i] = words.get(i)[2];
            w.add(text.substring(cs[i], ce[i]));
        }
        return new Alignment(text, e.getIds(), List.copyOf(w), first, cs, ce);
    }

    public static Alignment ofWords(List<String> given, Encoding e) {
        List<String> words = given.stream().map(Graphemes::wellFormed).toList();
        long[] wordIds = e.getWordIds();
        int[] first = new int[words.size()];
        Arrays.fill(first, -1);
        for (int t = 0; t < wordIds.length; t++) {
            int wid = (int) wordIds[t];
            if (e.getSpecialTokenMask()[t] == 0 && wid >= 0 && wid < first.length && first[wid] < 0) {
                first[wid] = t;
            }
        }
        int[] start = new int[words.size()];
        int[] end = new int[words.size()];
        for (int w = 0, pos = 0; w < words.size(); w++) {
            start[w] = pos;
            end[w] = pos + words.get(w).length();
            pos = end[w] + 1;
        }
        return new Alignment(String.join(" ", words), e.getIds(), List.copyOf(words), first, start, end);
    }

    /**
     * Widens each {start, end} to whole grapheme clusters, never into the word before it: a word never
     * starts or ends inside a cluster unless a single cluster holds two words.
     */
    private static void snapToClusters(String text, List<int[]> words) {
        boolean[] boundary = Graphemes.boundaries(text);
        int previousEnd = 0;
        for (int[] w : words) {
            int start = Math.max(w[1], previousEnd);
            while (!boundary[start] && start > previousEnd) {
                start--;
            }
            int end = Math.max(w[2], start);
            while (!boundary[end]) {
                end++;
            }
            w[1] = start;
            w[2] = end;
            previousEnd = end;
        }
    }

    /** Token ids alone, for outputs that need no words (the sentence embedding). */
    public static Alignment ofIds(long[] ids) {
        return new Alignment("", ids, List.of(), new int[0], new int[0], new int[0]);
    }

    /**
     * Sub-token labels for training: each word's label on its first sub-token, {@link #IGNORE} on the
     * other sub-tokens and on [CLS]/[SEP].
     */
    public int[] subTokenLabels(int[] wordLabels) {
        if (wordLabels.length != words.size()) {
            throw new IllegalArgumentException(words.size() + " words but " + wordLabels.length + " labels");
        }
        int[] out = new int[ids.length];
        Arrays.fill(out, IGNORE);
        for (int w = 0; w < firstToken.length; w++) {
            if (firstToken[w] >= 0) {
                out[firstToken[w]] = wordLabels[w];
            }
        }
        return out;
    }

    /** index[cp] = UTF-16 index of code point cp; index[count] = text.length(). */
    static int[] codePointToCharIndex(String text) {
        int count = text.codePointCount(0, text.length());
        int[] index = new int[count + 1];
        int c = 0;
        for (int cp = 0; cp < count; cp++) {
            index[cp] = c;
            c += Character.charCount(text.codePointAt(c));
        }
        index[count] = text.length();
        return index;
    }
}
