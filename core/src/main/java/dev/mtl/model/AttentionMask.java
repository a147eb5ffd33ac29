package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Turns a 0/1 attention mask into the additive form the attention scores take. */
public final class AttentionMask {

    /**
     * Added to the scores of padded positions: the float32 minimum, as in HF ({@code torch.finfo.min})
     * and the ONNX export, so padded keys get exactly zero probability after softmax.
     */
    public static final float FILL = -Float.MAX_VALUE;

    private AttentionMask() {}

    /** (B, T) int64 or float 0/1 → (B, 1, 1, T) float32: 0 where attended, FILL where padded. */
    public static NDArray additive(NDArray mask) {
        long b = mask.getShape().get(0);
        long t = mask.getShape().get(1);
        NDArray m = mask.toType(DataType.FLOAT32, false);
        return m.neg().addi(1f).muli(FILL).reshape(b, 1, 1, t); // (B, 1, 1, T)
    }
}
