package dev.mtl;

import dev.mtl.tokenize.Windows;

/**
 * Run-time settings of a forward pass.
 *
 * @param batchSize sequences per forward pass
 * @param maxLength the longest sequence (window), special tokens included; at most the model's
 *     max_position_embeddings
 * @param truncate cut long texts at maxLength (with a warning) instead of windowing them
 * @param overlap content tokens shared by consecutive windows
 */
public record InferenceOptions(int batchSize, int maxLength, boolean truncate, int overlap) {

    public static final int DEFAULT_BATCH_SIZE = 32;

    public InferenceOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (maxLength < Windows.SPECIAL_TOKENS + 1) {
            throw new IllegalArgumentException("max length must be >= 3, got " + maxLength);
        }
        if (overlap < 0 || overlap >= maxLength - Windows.SPECIAL_TOKENS) {
            throw new IllegalArgumentException(
                    "overlap must be in [0, " + (maxLength - Windows.SPECIAL_TOKENS) + "), got " + overlap);
        }
    }

    public static InferenceOptions defaults(int maxLength) {
        return new InferenceOptions(DEFAULT_BATCH_SIZE, maxLength, false, Windows.defaultOverlap(maxLength));
    }

    public InferenceOptions withBatchSize(int n) {
        return new InferenceOptions(n, maxLength, truncate, overlap);
    }

    public InferenceOptions withMaxLength(int n) {
        return new InferenceOptions(batchSize, n, truncate, Math.min(overlap, Windows.defaultOverlap(n)));
    }

    public InferenceOptions withTruncate(boolean t) {
        return new InferenceOptions(batchSize, maxLength, t, overlap);
    }
}
