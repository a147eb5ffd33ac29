package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Learning-rate schedule: linear warm-up from 0 over {@code warmupRatio} of all steps, then {@code kind}.
 */
public record ScheduleConfig(
        @JsonProperty(value = "kind", defaultValue = "linear")
        ScheduleKind kind,

        @JsonProperty(value = "warmup_ratio", defaultValue = "0.1")
        double warmupRatio) {

    public ScheduleConfig {
        if (kind == null) {
            throw new SettingException("kind", "must be set");
        }
        if (!(warmupRatio >= 0 && warmupRatio < 1)) {
            throw new SettingException("warmup_ratio", "must be in [0, 1), got " + warmupRatio);
        }
    }
}
