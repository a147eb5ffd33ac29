package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * AdamW with separate learning rates for the pretrained encoder and the freshly initialised heads.
 *
 * @param lr encoder learning rate (peak, before the schedule)
 * @param headLr learning rate of the heads, which start from random weights and need a larger one
 * @param betas Adam's (beta1, beta2)
 * @param layerDecay layer-wise LR decay: layer l of L gets {@code lr * layerDecay^(L - l)}; 1.0 = off
 * @param clipNorm global gradient-norm clip; 0 = no clipping
 * @param gradAccum batches whose gradients are summed before one optimizer step
 * @param lazyEmbeddings update only the word-embedding rows of the tokens in the step's batches
 *     (SparseAdam/LazyAdam semantics; the table holds half of MiniLM's parameters); false = dense AdamW
 *     as {@code torch.optim.AdamW}
 */
public record OptimizerConfig(
        @JsonProperty(value = "lr", defaultValue = "5.0e-5") double lr,

        @JsonProperty(value = "head_lr", defaultValue = "1.0e-3")
        double headLr,

        @JsonProperty(value = "weight_decay", defaultValue = "0.01")
        double weightDecay,

        @JsonProperty(value = "betas", defaultValue = "[0.9, 0.999]")
        List<Double> betas,

        @JsonProperty(value = "eps", defaultValue = "1.0e-8")
        double eps,

        @JsonProperty(value = "layer_decay", defaultValue = "1.0")
        double layerDecay,

        @JsonProperty(value = "clip_norm", defaultValue = "1.0")
        double clipNorm,

        @JsonProperty(value = "grad_accum", defaultValue = "1")
        int gradAccum,

        @JsonProperty(value = "lazy_embeddings", defaultValue = "false")
        boolean lazyEmbeddings) {

    public OptimizerConfig {
        positive("lr", lr);
        positive("head_lr", headLr);
        positive("eps", eps);
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new SettingException("weight_decay", "must be >= 0, got " + weightDecay);
        }
        if (betas == null || betas.size() != 2 || betas.stream().anyMatch(b -> b == null || !(b >= 0 && b < 1))) {
            throw new SettingException("betas", "must be two numbers in [0, 1), got " + betas);
        }
        betas = List.copyOf(betas);
        if (!(layerDecay > 0 && layerDecay <= 1)) {
            throw new SettingException("layer_decay", "must be in (0, 1], got " + layerDecay);
        }
        if (!(clipNorm >= 0) || Double.isInfinite(clipNorm)) {
            throw new SettingException("clip_norm", "must be >= 0 (0 = no clipping), got " + clipNorm);
        }
        if (gradAccum < 1) {
            throw new SettingException("grad_accum", "must be >= 1, got " + gradAccum);
        }
    }

    public double beta1() {
        return betas.get(0);
    }

    public double beta2() {
        return betas.get(1);
    }

    private static void positive(String key, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new SettingException(key, "must be > 0, got " + v);
        }
    }
}
