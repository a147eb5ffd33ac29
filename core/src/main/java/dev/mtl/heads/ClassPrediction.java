package dev.mtl.heads;

import java.util.List;
import java.util.Map;

/**
 * A classification head's result for one input.
 *
 * @param label the most probable label
 * @param scores the probability of every label (softmax; in multi-label mode, independent sigmoids)
 * @param labels the predicted labels: {@code [label]} for single-label tasks, every label at or over
 *     the threshold in multi-label mode (possibly none)
 */
public record ClassPrediction(String label, Map<String, Float> scores, List<String> labels) {}
