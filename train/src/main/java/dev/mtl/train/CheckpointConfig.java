package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonProperty;

/** @param every save a checkpoint every this many optimizer steps; 0 = only at evaluations */
public record CheckpointConfig(
        @JsonProperty(value = "every", defaultValue = "200") int every) {

    public CheckpointConfig {
        if (every < 0) {
            throw new SettingException("every", "must be >= 0 (0 = only at evaluations), got " + every);
        }
    }
}
