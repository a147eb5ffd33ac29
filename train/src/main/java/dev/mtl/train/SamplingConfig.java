package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Task sampling between batches.
 *
 * @param temperature T of {@link SamplingStrategy#TEMPERATURE}; ignored by the other strategies
 */
public record SamplingConfig(
        @JsonProperty(value = "strategy", defaultValue = "temperature")
        SamplingStrategy strategy,

        @JsonProperty(value = "temperature", defaultValue = "2.0")
        double temperature) {

    public SamplingConfig {
        if (strategy == null) {
            throw new SettingException("strategy", "must be set");
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new SettingException("temperature", "must be > 0, got " + temperature);
        }
    }
}
