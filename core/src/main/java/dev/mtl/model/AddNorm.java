package dev.mtl.model;

import ai.djl.ndarray.NDArray;

/**
 * Dense → dropout → LayerNorm(x + residual): HF's {@code BertSelfOutput} and {@code BertOutput}, which
 * are the same block with different input sizes. The post-LN order is BERT's.
 */
public final class AddNorm extends HfModule {

    private final Dense dense;
    private final LayerNormModule layerNorm;
    private final float dropout;
    private final long out;

    public AddNorm(long in, long out, double eps, double dropout) {
        this.dense = module("dense", new Dense(in, out));
        this.layerNorm = module("LayerNorm", new LayerNormModule(out, eps));
        this.dropout = (float) dropout;
        this.out = out;
    }

    /** @param x (B, T, in), residual (B, T, out) → (B, T, out) */
    public NDArray apply(NDArray x, NDArray residual, boolean training) {
        NDArray h = Dropouts.apply(dense.apply(x), dropout, training);
        return layerNorm.apply(h.addi(residual));
    }
}
