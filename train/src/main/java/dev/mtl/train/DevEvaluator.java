package dev.mtl.train;

import dev.mtl.MultiTaskModel;
import dev.mtl.config.TaskConfig;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluation on the dev splits during training: every task's metrics, and the one number that selects
 * the best model and drives early stopping (one task's metric, or the mean of each task's main metric).
 */
final class DevEvaluator {

    /** @param metrics task (or dataset/task when two datasets feed it) → metric → value */
    record Result(Map<String, Map<String, Double>> metrics, double score) {}

    private final List<Dataset> datasets;
    private final EvalConfig.Metric metric;

    DevEvaluator(List<Dataset> datasets, EvalConfig.Metric metric) {
        this.datasets = datasets;
        this.metric = metric;
    }

    /** Whether any dataset has a dev split. */
    boolean any() {
        return datasets.stream().anyMatch(d -> !d.dev().isEmpty());
    }

    Result evaluate(MultiTaskModel model) throws IOException {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        for (Dataset d : datasets) {
            if (d.dev().isEmpty()) {
                continue;
            }
            Evaluator.Scores s = Evaluator.evaluate(model, d.dev(), d.feeds(), model.defaultOptions(), null, d.name());
            s.flat().forEach((task, m) -> out.put(fedTwice(task) ? d.name() + "/" + task : task, m));
        }
        return new Result(out, score(out, model.tasks()));
    }

    private boolean fedTwice(String task) {
        return datasets.size() > 1
                && datasets.stream()
                                .filter(d ->
                                        d.feeds().containsKey(task) && !d.dev().isEmpty())
                                .count()
                        > 1;
    }

    /** The selection score: one task's metric, or the mean of every task's main metric. */
    double score(Map<String, Map<String, Double>> dev, Map<String, TaskConfig> tasks) {
        if (metric == null || metric.isMean()) {
            double sum = 0;
            int n = 0;
            for (var e : dev.entrySet()) {
                String key = e.getKey();
                String task = key.contains("/") ? key.substring(key.indexOf('/') + 1) : key;
                sum += e.getValue().get(Evaluator.mainMetric(tasks.get(task).kind()));
                n++;
            }
            return n == 0 ? 0 : sum / n;
        }
        Map<String, Double> m = dev.get(metric.task());
        return m == null
                ? Double.NEGATIVE_INFINITY
                : m.getOrDefault(metric.measure().key(), Double.NEGATIVE_INFINITY);
    }
}
