package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.mtl.config.BertConfig;

/**
 * Multi-head scaled dot-product self-attention with an additive mask ({@code BertSelfAttention}).
 * Shapes: B batch, T tokens, H hidden, N heads, D head size (H = N·D).
 */
public final class BertSelfAttention extends HfModule {

    private final Dense query;
    private final Dense key;
    private final Dense value;
    private final int heads;
    private final int headSize;
    private final float scale;
    private final float dropout;

    public BertSelfAttention(BertConfig c) {
        this.query = module("query", new Dense(c.hiddenSize(), c.hiddenSize()));
        this.key = module("key", new Dense(c.hiddenSize(), c.hiddenSize()));
        this.value = module("value", new Dense(c.hiddenSize(), c.hiddenSize()));
        this.heads = c.numAttentionHeads();
        this.headSize = c.headSize();
        this.scale = (float) (1.0 / Math.sqrt(headSize));
        this.dropout = (float) c.attentionProbsDropoutProb();
    }

    /**
     * @param x (B, T, H)
     * @param additiveMask (B, 1, 1, T): 0 where attended, {@link AttentionMask#FILL} where padded
     * @return (B, T, H)
     */
    public NDArray apply(NDArray x, NDArray additiveMask, boolean training) {
        Shape s = x.getShape();
        long b = s.get(0);
        long t = s.get(1);
        // Scaling q before the product is the same maths as HF's scores / sqrt(D), on fewer elements.
        NDArray projected = query.apply(x);
        NDArray q = split(projected.muli(Scalars.like(projected, scale)), b, t); // (B, N, T, D)
        NDArray k = split(key.apply(x), b, t); // (B, N, T, D)
        NDArray v = split(value.apply(x), b, t); // (B, N, T, D)
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)); // (B, N, T, T)
        NDArray probs = scores.addi(additiveMask).softmax(-1); // (B, N, T, T)
        probs = Dropouts.apply(probs, dropout, training);
        NDArray context = probs.matMul(v); // (B, N, T, D)
        return context.transpose(0, 2, 1, 3).reshape(b, t, (long) heads * headSize); // (B, T, H)
    }

    private NDArray split(NDArray x, long b, long t) {
        return x.reshape(b, t, heads, headSize).transpose(0, 2, 1, 3); // (B, N, T, D)
    }
}
