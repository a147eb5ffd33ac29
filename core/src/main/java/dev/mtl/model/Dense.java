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
        this(in, out, false);
    }

    /**
     * @param identity start as the identity map (square only), so that a layer added on a trained
     *     model changes nothing until it is trained
     */
    public Dense(long in, long out, boolean identity) {
        if (identity && in != out) {
            throw new IllegalArgumentException("an identity start needs in == out, got " + in + " → " + out);
        }
        this.out = out;
        this.weight = identity
                ? param("weight", new Shape(out, in), (m, shape, type) -> m.eye((int) out, (int) in, 0, type))
                : weight("weight", new Shape(out, in));
        this.bias = bias("bias", out);
    }

    /** (..., in) → (..., out). One fused addmm in PyTorch. */
    public NDArray apply(NDArray x) {
        return Linear.linear(x, value(weight), value(bias)).singletonOrThrow();
    }
}
