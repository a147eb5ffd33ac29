package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

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

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(inputs.get(0), inputs.get(1), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {s.slice(0, s.dimension() - 1).add(out)};
    }
}
