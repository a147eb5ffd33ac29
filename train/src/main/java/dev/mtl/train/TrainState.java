package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a run is: the training loop's whole state, and what every checkpoint stores (trainer.json) so
 * that {@code --resume} continues exactly. The micro-batch counter also fixes the dataset choice and
 * the dropout seed of every later batch; each dataset's pass and position fix its next batch.
 *
 * @param step optimizer steps taken
 * @param microBatch batches drawn (several per step with gradient accumulation)
 * @param datasetEpoch per dataset, how many passes over its training split have been completed
 * @param datasetPosition per dataset, the next example of the current pass (in its shuffled order)
 * @param bestScore the best dev score so far (−∞ before any evaluation)
 * @param bestStep the step of that score, or −1
 * @param evalsWithoutImprovement evaluations since the best one
 * @param uncertainty per task, the learned log-variance of uncertainty weighting (empty when off)
 * @param elapsedSeconds training time so far, across resumptions
 */
public record TrainState(
        @JsonProperty("step") long step,
        @JsonProperty("micro_batch") long microBatch,
        @JsonProperty("dataset_epoch") List<Integer> datasetEpoch,
        @JsonProperty("dataset_position") List<Integer> datasetPosition,
        @JsonProperty("best_score") double bestScore,
        @JsonProperty("best_step") long bestStep,
        @JsonProperty("evals_without_improvement") int evalsWithoutImprovement,
        @JsonProperty("uncertainty") Map<String, Float> uncertainty,
        @JsonProperty("elapsed_seconds") double elapsedSeconds) {

    public TrainState {
        datasetEpoch = List.copyOf(datasetEpoch);
        datasetPosition = List.copyOf(datasetPosition);
        uncertainty = uncertainty == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(uncertainty));
    }

    /** The state of a new run over {@code datasets} datasets. */
    public static TrainState start(int datasets) {
        List<Integer> zeros = Collections.nCopies(datasets, 0);
        return new TrainState(0, 0, zeros, zeros, Double.NEGATIVE_INFINITY, -1, 0, Map.of(), 0);
    }

    /** After one more batch was drawn from dataset {@code d}, which is now at ({@code epoch}, {@code position}). */
    TrainState drew(int d, int epoch, int position) {
        List<Integer> epochs = new ArrayList<>(datasetEpoch);
        List<Integer> positions = new ArrayList<>(datasetPosition);
        epochs.set(d, epoch);
        positions.set(d, position);
        return new TrainState(
                step,
                microBatch + 1,
                epochs,
                positions,
                bestScore,
                bestStep,
                evalsWithoutImprovement,
                uncertainty,
                elapsedSeconds);
    }

    /** After an optimizer step. */
    TrainState stepped(double elapsed, Map<String, Float> uncertaintyNow) {
        return new TrainState(
                step + 1,
                microBatch,
                datasetEpoch,
                datasetPosition,
                bestScore,
                bestStep,
                evalsWithoutImprovement,
                uncertaintyNow,
                elapsed);
    }

    /** After a dev evaluation with this score: the best so far, or one more without improvement. */
    TrainState evaluated(double score) {
        boolean better = score > bestScore;
        return new TrainState(
                step,
                microBatch,
                datasetEpoch,
                datasetPosition,
                better ? score : bestScore,
                better ? step : bestStep,
                better ? 0 : evalsWithoutImprovement + 1,
                uncertainty,
                elapsedSeconds);
    }
}
