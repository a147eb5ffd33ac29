package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * Where a run is, saved with every checkpoint so {@code --resume} continues exactly: the optimizer
 * step, the micro-batch counter (which also fixes the dataset choice and the dropout seed of every
 * later batch), each dataset's pass and position in its shuffled order, the best dev score so far
 * and the evaluations since it improved.
 */
public record TrainerState(
        @JsonProperty("step") long step,
        @JsonProperty("micro_batch") long microBatch,
        @JsonProperty("dataset_epoch") List<Integer> datasetEpoch,
        @JsonProperty("dataset_position") List<Integer> datasetPosition,
        @JsonProperty("best_score") double bestScore,
        @JsonProperty("best_step") long bestStep,
        @JsonProperty("evals_without_improvement") int evalsWithoutImprovement,
        @JsonProperty("uncertainty") Map<String, Float> uncertainty,
        @JsonProperty("elapsed_seconds") double elapsedSeconds) {}
