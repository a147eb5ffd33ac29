package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The learning-rate curve after warm-up. */
public enum ScheduleKind {
    /** Linear decay to 0 at the last step (BERT's schedule). */
    @JsonProperty("linear")
    LINEAR,
    /** Half a cosine down to 0 at the last step. */
    @JsonProperty("cosine")
    COSINE,
    /** The peak rate throughout. */
    @JsonProperty("constant")
    CONSTANT
}
