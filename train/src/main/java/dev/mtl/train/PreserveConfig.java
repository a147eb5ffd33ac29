package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How training keeps the sentence embedding from drifting while other heads train the shared encoder.
 *
 * <p>{@code distill}: each training text's embedding is pulled towards the starting model's embedding
 * of the same text (cosine distance, times {@code weight}); the starting vectors are computed once,
 * before the first step, and kept with the run. Texts of datasets that feed an embedding task are not
 * distilled: there the embedding is meant to change. {@code none}: nothing holds the embedding.
 *
 * <p>{@code task_layers}: how many of the encoder's top layers the classification and NER heads get as
 * private copies (a task tower), so that they can move those layers while the embedding keeps the shared
 * ones; 0 (none) by default.
 *
 * @param weight the distillation loss's weight against the task losses (at the first step)
 * @param finalWeight the weight the run ends at, approached linearly from {@code weight} step by step;
 *     null: {@code weight} throughout. Distillation holds the heads back most late in a run, when their
 *     losses are small and its own is not; a weight falling to 0 frees them at some cost to the
 *     embedding (docs/embeddings.md#results).
 * @param sample the fraction of each batch's texts that distillation reads (evenly spread over the
 *     batch's lengths); with a task tower the shared top layers run for those texts only, so the tower
 *     adds that fraction of its layers' work to a step instead of all of it
 * @param sharedPull with a task tower, how much of the embedding's gradient (distillation's, and an
 *     embedding task's) reaches the layers below the tower (0 to 1): 1 all of it, 0 none, which leaves
 *     them to the classification and NER heads, so that these train as without preservation and the
 *     shared top layers, which only the embedding reads, follow them
 */
public record PreserveConfig(
        @JsonProperty(value = "method", defaultValue = "distill")
        Method method,

        @JsonProperty(value = "weight", defaultValue = "1.0")
        double weight,

        // Off by default: over five SNIPS epochs a tower made the run 8% longer and gained nothing on
        // slots or the embedding (docs/embeddings.md#results).
        @JsonProperty(value = "task_layers", defaultValue = "0")
        int taskLayers,

        @JsonProperty("final_weight") Double finalWeight,

        @JsonProperty(value = "sample", defaultValue = "1.0")
        double sample,

        @JsonProperty(value = "shared_pull", defaultValue = "1.0")
        double sharedPull) {

    public PreserveConfig(Method method, double weight) {
        this(method, weight, 0, null, 1.0, 1.0);
    }

    public PreserveConfig(Method method, double weight, int taskLayers) {
        this(method, weight, taskLayers, null, 1.0, 1.0);
    }

    /** The preservation methods. */
    public enum Method {
        @JsonProperty("none")
        NONE,
        @JsonProperty("distill")
        DISTILL
    }

    public PreserveConfig {
        if (method == null) {
            throw new SettingException("method", "must be set");
        }
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new SettingException("weight", "must be a finite number >= 0, got " + weight);
        }
        if (finalWeight != null && (!(finalWeight >= 0) || Double.isInfinite(finalWeight))) {
            throw new SettingException("final_weight", "must be a finite number >= 0, got " + finalWeight);
        }
        if (!(sample > 0 && sample <= 1)) {
            throw new SettingException("sample", "must be a fraction in (0, 1], got " + sample);
        }
        if (taskLayers < 0) {
            throw new SettingException("task_layers", "must be >= 0, got " + taskLayers);
        }
        if (!(sharedPull >= 0 && sharedPull <= 1)) {
            throw new SettingException("shared_pull", "must be a fraction in [0, 1], got " + sharedPull);
        }
        if (sharedPull < 1 && taskLayers == 0) {
            throw new SettingException("shared_pull", "below 1 needs a task tower (task_layers > 0)");
        }
    }

    public boolean distill() {
        return method == Method.DISTILL && (weight > 0 || finalWeight != null && finalWeight > 0);
    }

    /** How many of a batch's {@code texts} distillation reads: {@code sample} of them, at least one. */
    public int sampled(int texts) {
        return Math.max(1, Math.min(texts, (int) Math.round(sample * texts)));
    }

    /** The distillation weight at {@code progress} (steps done / steps in the run, 0 to 1). */
    public double weightAt(double progress) {
        return finalWeight == null ? weight : weight + (finalWeight - weight) * progress;
    }
}
