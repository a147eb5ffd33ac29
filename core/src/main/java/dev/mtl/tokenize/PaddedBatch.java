package dev.mtl.tokenize;

import java.util.List;

/**
 * Sequences of token ids padded to the longest in the batch, as flat row-major arrays ready to become
 * (B, T) tensors. Type ids are all 0 (single-sentence input).
 */
public record PaddedBatch(long[] ids, long[] typeIds, long[] mask, int batchSize, int length) {

    public static PaddedBatch of(List<long[]> sequences, long padId) {
        int b = sequences.size();
        int t = 0;
        for (long[] s : sequences) {
            t = Math.max(t, s.length);
        }
        long[] ids = new long[b * t];
        long[] mask = new long[b * t];
        java.util.Arrays.fill(ids, padId);
        for (int i = 0; i < b; i++) {
            long[] s = sequences.get(i);
            System.arraycopy(s, 0, ids, i * t, s.length);
            java.util.Arrays.fill(mask, i * t, i * t + s.length, 1L);
        }
        return new PaddedBatch(ids, new long[b * t], mask, b, t);
    }
}
