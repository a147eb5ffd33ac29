package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/**
 * LayerNorm over the last dimension with HF parameter names ({@code weight}, {@code bias}) and the
 * epsilon taken from config.json (1e-12 for BERT) rather than DJL's default 1e-5.
 */
public final class LayerNormModule extends HfModule {

    private final long size;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;

    public LayerNormModule(long size, double eps) {
        this.size = size;
        this.eps = (float) eps;
        this.weight = param("weight", new Shape(size), Parameter.Type.GAMMA, Initializer.ONES);
        this.bias = param("bias", new Shape(size), Parameter.Type.BETA, Initializer.ZEROS);
    }

    public NDArray apply(NDArray x) {
        return LayerNorm.layerNorm(x, new Shape(size), value(weight), value(bias), eps)
                .singletonOrThrow();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(inputs.singletonOrThrow()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
