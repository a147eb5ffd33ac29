package dev.mtl.embedding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.mtl.config.Pooling;

/**
 * The final hidden states → one vector per sequence (sentence-transformers' {@code Pooling} module):
 * the mask-weighted mean, the [CLS] vector, or the maximum over real tokens. Every sentence-level head
 * reads this vector. Shapes: B batch, T tokens, H hidden.
 */
public final class Pooler {

    /** sentence-transformers clamps the token count so an all-padding row cannot divide by zero. */
    public static final float MIN_TOKEN_COUNT = 1e-9f;
    /** sentence-transformers sets padded positions to this before max pooling. */
    public static final float MAX_POOL_PAD = -1e9f;

    private final Pooling mode;

    public Pooler(Pooling mode) {
        this.mode = mode;
    }

    public Pooling mode() {
        return mode;
    }

    /** (B, T, H) and 0/1 mask (B, T) → pooled (B, H). */
    public NDArray pool(NDArray hiddenStates, NDArray mask) {
        NDArray m = mask.toType(DataType.FLOAT32, false).expandDims(-1); // (B, T, 1)
        return switch (mode) {
            case CLS -> hiddenStates.get(new NDIndex(":, 0, :")); // (B, H)
            case MEAN ->
                hiddenStates
                        .mul(m)
                        .sum(new int[] {1}) // (B, H)
                        .divi(m.sum(new int[] {1}).clip(MIN_TOKEN_COUNT, Float.MAX_VALUE)); // (B, 1) broadcast
            case MAX -> hiddenStates.add(m.neg().addi(1f).muli(MAX_POOL_PAD)).max(new int[] {1}); // (B, H)
        };
    }
}
