package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** {@code torch.nn.Linear}: {@code y = x W^T + b}, weight stored [out, in] as in HF checkpoints. */
public final class Dense extends HfModule {

    private final long out;
    private final Parameter weight;
    private final Parameter bias;

    public Dense(long in, long out) {
        this.out = out;
        this.weight = weight("weight", new Shape(out, in));
        this.bias = bias("bias", out);
    }

    /** (..., in) → (..., out). One fused addmm in PyTorch. */
    public NDArray apply(NDArray x) {
        return Linear.linear(x, value(weight), value(bias)).singletonOrThrow();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(inputs.singletonOrThrow()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {s.slice(0, s.dimension() - 1).add(out)};
    }
}
