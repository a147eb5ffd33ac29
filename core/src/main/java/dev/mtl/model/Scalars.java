package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Scalar operands for arithmetic that autograd differentiates. Use {@code x.mul(Scalars.like(x, c))},
 * never {@code x.mul(c)}, wherever the result needs a gradient.
 *
 * <p>Why: DJL's {@code mul(Number)}, {@code muli(Number)}, {@code div(Number)}, {@code maximum(Number)}
 * (and the other {@code Number} overloads of its PyTorch engine) wrap the number in a tensor whose
 * memory is a Java direct buffer ({@code torch::from_blob}), run the op, and close that tensor at once.
 * Autograd keeps the scalar for the backward pass (the gradient of {@code x·c} is {@code c·grad}), but
 * once the closed tensor's buffer is garbage-collected, the backward pass reads freed memory: gradients
 * turn to NaN or garbage whenever a GC runs between forward and backward. Measured: with a thread
 * calling {@code System.gc()} every 5 ms, MiniLM's gradients turned NaN within its first four forward
 * and backward passes in each of 9 runs; a CI machine hit it by chance. {@code full} allocates in PyTorch, whose reference
 * counting keeps the value alive for as long as the graph needs it. Without autograd (inference) the
 * overloads are safe: the op reads the scalar before it returns.
 */
public final class Scalars {

    private Scalars() {}

    /** A 0-dimensional tensor of {@code like}'s type and manager holding {@code value}. */
    public static NDArray like(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value, like.getDataType());
    }
}
