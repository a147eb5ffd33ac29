package dev.mtl.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link TrainingReport} shows besides {@code metrics.jsonl}: the run's title, its config text
 * (shown verbatim), the wall time, and optionally the final test metrics and a few example predictions.
 * Plain text throughout; the report escapes it.
 *
 * @param title the page heading, e.g. the run name
 * @param configText the training config as written (YAML or JSON); {@code null} reads as empty
 * @param wallTimeSeconds the run's wall-clock time, finite and non-negative
 * @param testMetrics task → metric name → value on the test split, in the order given; {@code null} or
 *     empty when there was no test evaluation
 * @param predictions a short list of example predictions; {@code null} reads as none
 */
public record ReportInfo(
        String title,
        String configText,
        double wallTimeSeconds,
        Map<String, Map<String, Double>> testMetrics,
        List<Prediction> predictions) {

    /** One example: the input text and the model's output rendered for people (labels, entities). */
    public record Prediction(String text, String rendered) {
        public Prediction {
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(rendered, "rendered");
        }
    }

    public ReportInfo {
        Objects.requireNonNull(title, "title");
        configText = configText == null ? "" : configText;
        if (!Double.isFinite(wallTimeSeconds) || wallTimeSeconds < 0) {
            throw new IllegalArgumentException(
                    "wallTimeSeconds is " + wallTimeSeconds + ", expected a finite value >= 0");
        }
        testMetrics = copy(testMetrics);
        predictions = predictions == null ? List.of() : List.copyOf(predictions);
    }

    /** A report without test metrics or example predictions. */
    public ReportInfo(String title, String configText, double wallTimeSeconds) {
        this(title, configText, wallTimeSeconds, null, null);
    }

    /** Keeps the caller's order (Map.copyOf would not), unmodifiable all the way down. */
    private static Map<String, Map<String, Double>> copy(Map<String, Map<String, Double>> metrics) {
        if (metrics == null) {
            return Map.of();
        }
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        metrics.forEach((task, values) -> {
            Objects.requireNonNull(values, () -> "testMetrics." + task);
            Map<String, Double> v = new LinkedHashMap<>();
            values.forEach((name, value) ->
                    v.put(name, Objects.requireNonNull(value, () -> "testMetrics." + task + "." + name)));
            out.put(Objects.requireNonNull(task, "testMetrics task name"), Collections.unmodifiableMap(v));
        });
        return Collections.unmodifiableMap(out);
    }
}
