package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.initializer.Initializer;

/**
 * LayerNorm over the last dimension with HF parameter names ({@code weight}, {@code bias}) and the
 * epsilon taken from config.json (1e-12 for BERT) rather than DJL's default 1e-5.
 */
public final class LayerNormModule extends HfModule {

    private final long size;
    private final float eps;
    private final Param weight;
    private final Param bias;

    public LayerNormModule(long size, double eps) {
        this.size = size;
        this.eps = (float) eps;
        this.weight = param("weight", new Shape(size), Initializer.ONES);
        this.bias = param("bias", new Shape(size), Initializer.ZEROS);
    }

    public NDArray apply(NDArray x) {
        return LayerNorm.layerNorm(x, new Shape(size), value(weight), value(bias), eps)
                .singletonOrThrow();
    }
}
