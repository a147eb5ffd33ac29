package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

/** {@code torch.nn.Linear}: {@code y = x W^T + b}, weight stored [out, in] as in HF checkpoints. */
public final class Dense extends HfModule {

    private final long out;
    private final Param weight;
    private final Param bias;

    public Dense(long in, long out) {
        this.out = out;
        this.weight = weight("weight", new Shape(out, in));
        this.bias = bias("bias", out);
    }

    /** (..., in) → (..., out). One fused addmm in PyTorch. */
    public NDArray apply(NDArray x) {
        return Linear.linear(x, value(weight), value(bias)).singletonOrThrow();
    }
}
