package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * How the tasks' losses are combined.
 *
 * @param weights per-task loss weight; a task not listed weighs 1.0 ({@link #weight})
 * @param uncertainty learn the weights as homoscedastic uncertainty (Kendall et al. 2018) on top of
 *     {@code weights}
 * @param classWeights per-class weights inside each classification loss
 */
public record LossConfig(
        @JsonProperty(value = "weights", defaultValue = "{}")
        Map<String, Double> weights,

        @JsonProperty(value = "uncertainty", defaultValue = "false")
        boolean uncertainty,

        @JsonProperty(value = "class_weights", defaultValue = "none")
        ClassWeights classWeights) {

    /** Class weighting inside a classification loss. */
    public enum ClassWeights {
        @JsonProperty("none")
        NONE,
        /** n / (k * count(c)), scikit-learn's "balanced": rare intents count as much as frequent ones. */
        @JsonProperty("balanced")
        BALANCED
    }

    public LossConfig {
        weights = weights == null ? Map.of() : Map.copyOf(weights);
        weights.forEach((task, w) -> {
            if (w == null || !(w >= 0) || Double.isInfinite(w)) {
                throw new SettingException("weights." + task, "must be a finite number >= 0, got " + w);
            }
        });
        if (classWeights == null) {
            classWeights = ClassWeights.NONE;
        }
    }

    public double weight(String task) {
        return weights.getOrDefault(task, 1.0);
    }
}
