package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import dev.mtl.config.BertConfig;

/**
 * One post-LN transformer layer: self-attention + add&amp;norm, then the feed-forward network
 * (dense → GELU (erf form) → dense) + add&amp;norm. HF names: {@code attention.self.*},
 * {@code attention.output.*}, {@code intermediate.dense.*}, {@code output.*}.
 */
public final class BertLayer extends HfModule {

    private final BertSelfAttention self;
    private final AddNorm attentionOutput;
    private final Dense intermediate;
    private final AddNorm output;
    private final boolean gelu;

    public BertLayer(BertConfig c) {
        Attention attention = module("attention", new Attention(c));
        this.self = attention.self;
        this.attentionOutput = attention.output;
        Intermediate inter = module("intermediate", new Intermediate(c));
        this.intermediate = inter.dense;
        this.output = module(
                "output", new AddNorm(c.intermediateSize(), c.hiddenSize(), c.layerNormEps(), c.hiddenDropoutProb()));
        this.gelu = c.hiddenAct().equals("gelu");
    }

    /** (B, T, H), mask (B, 1, 1, T) → (B, T, H) */
    public NDArray apply(NDArray x, NDArray additiveMask, boolean training) {
        NDArray a = attentionOutput.apply(self.apply(x, additiveMask, training), x, training);
        NDArray h = intermediate.apply(a); // (B, T, I)
        // PyTorch's gelu defaults to the exact erf form, which is what BERT and the ONNX export use.
        h = gelu ? Activation.gelu(h) : Activation.relu(h);
        return output.apply(h, a, training);
    }

    /** Only a naming level: {@code attention.self} and {@code attention.output}. */
    static final class Attention extends HfModule {
        final BertSelfAttention self;
        final AddNorm output;

        Attention(BertConfig c) {
            self = module("self", new BertSelfAttention(c));
            output = module(
                    "output", new AddNorm(c.hiddenSize(), c.hiddenSize(), c.layerNormEps(), c.hiddenDropoutProb()));
        }
    }

    /** Only a naming level: {@code intermediate.dense}. */
    static final class Intermediate extends HfModule {
        final Dense dense;

        Intermediate(BertConfig c) {
            dense = module("dense", new Dense(c.hiddenSize(), c.intermediateSize()));
        }
    }
}
