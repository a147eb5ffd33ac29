package dev.mtl.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.mtl.model.Scalars;

/**
 * The task losses, in NDArray ops so autograd differentiates them. Every function keeps a per-batch
 * array as first operand, so intermediates land in the batch's manager.
 */
public final class Losses {

    private Losses() {}

    /**
     * Softmax cross-entropy, optionally class-weighted: Σ w_y·nll / Σ w_y (PyTorch's semantics).
     *
     * @param logits (B, L)
     * @param labels (B) int64
     * @param classWeights (L) or null
     * @return scalar
     */
    public static NDArray crossEntropy(NDArray logits, NDArray labels, NDArray classWeights) {
        int numLabels = (int) logits.getShape().get(1);
        NDArray oneHot = labels.oneHot(numLabels, DataType.FLOAT32); // (B, L)
        NDArray nll = logits.logSoftmax(-1).mul(oneHot).sum(new int[] {-1}).neg(); // (B)
        if (classWeights == null) {
            return nll.mean();
        }
        NDArray w = oneHot.mul(classWeights).sum(new int[] {-1}); // (B)
        return nll.mul(w).sum().div(w.sum());
    }

    /**
     * Sigmoid binary cross-entropy per label, averaged: the multi-label loss. Uses the stable form
     * max(x, 0) − x·y + log(1 + e^−|x|).
     *
     * @param logits (B, L); @param targets (B, L) 0/1
     */
    public static NDArray binaryCrossEntropy(NDArray logits, NDArray targets) {
        NDArray loss = logits.maximum(Scalars.like(logits, 0))
                .sub(logits.mul(targets))
                .add(logits.abs().neg().exp().add(1f).log());
        return loss.mean();
    }

    /**
     * Token cross-entropy over the positions whose label is not {@code IGNORE} (-100).
     *
     * @param logits (B, T, L); @param labels (B, T) int64 with -100 where ignored
     * @return scalar (0 if no position counts)
     */
    public static NDArray tokenCrossEntropy(NDArray logits, NDArray labels) {
        int numLabels = (int) logits.getShape().get(2);
        NDArray valid = labels.gte(0).toType(DataType.FLOAT32, false); // (B, T)
        NDArray safe = labels.maximum(0L); // (B, T): ignored positions point at label 0, then masked out
        NDArray oneHot = safe.oneHot(numLabels, DataType.FLOAT32); // (B, T, L)
        NDArray nll = logits.logSoftmax(-1).mul(oneHot).sum(new int[] {-1}).neg(); // (B, T)
        return nll.mul(valid).sum().div(valid.sum().maximum(1f));
    }
}
