package dev.mtl.serve;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import java.util.Arrays;

/**
 * Token ids a client sent instead of text, as the tokenizer would have given them: [CLS] ids [SEP],
 * one segment, no words (so no character offsets: such input is for embeddings, not for tagging).
 */
final class IdEncoding extends Encoding {

    IdEncoding(long cls, long[] ids, long sep) {
        this(wrap(cls, ids, sep));
    }

    private IdEncoding(long[] all) {
        super(
                all,
                new long[all.length],
                new String[all.length],
                filled(all.length, -1),
                new long[all.length],
                filled(all.length, 1),
                specialMask(all.length),
                new CharSpan[all.length],
                false,
                new Encoding[0]);
    }

    private static long[] wrap(long cls, long[] ids, long sep) {
        long[] all = new long[ids.length + 2];
        all[0] = cls;
        System.arraycopy(ids, 0, all, 1, ids.length);
        all[all.length - 1] = sep;
        return all;
    }

    private static long[] filled(int n, long v) {
        long[] a = new long[n];
        Arrays.fill(a, v);
        return a;
    }

    private static long[] specialMask(int n) {
        long[] m = new long[n];
        m[0] = 1;
        m[n - 1] = 1;
        return m;
    }
}
