package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the next batch's task is chosen when tasks have data sets of different sizes. */
public enum SamplingStrategy {
    /** In proportion to data set size: big tasks dominate, small ones may be under-trained. */
    @JsonProperty("proportional")
    PROPORTIONAL,
    /** Each task in turn: small tasks are seen as often as big ones and may over-fit. */
    @JsonProperty("round_robin")
    ROUND_ROBIN,
    /** Size^(1/T): T = 1 is proportional, large T approaches uniform (the usual compromise). */
    @JsonProperty("temperature")
    TEMPERATURE
}
