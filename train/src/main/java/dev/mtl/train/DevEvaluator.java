package dev.mtl.train;

import dev.mtl.MultiTaskModel;
import dev.mtl.config.TaskConfig;
import dev.mtl.data.DataFormatException;
import dev.mtl.data.Example;
import dev.mtl.data.Field;
import dev.mtl.data.JsonlReader;
import dev.mtl.data.StsbReader;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluation on the dev splits during training: every task's metrics, and the one number that selects
 * the best model and drives early stopping (one task's metric, or the mean of each task's main metric).
 * With reference pairs configured, the embedding is also measured on them under {@value #REFERENCE},
 * which shows how far it moved and never counts towards the score.
 */
final class DevEvaluator {

    /** Key of the reference pairs' metrics; no task name can collide with it (no brackets allowed). */
    static final String REFERENCE = "[reference]";

    /** @param metrics task (or dataset/task when two datasets feed it) → metric → value */
    record Result(Map<String, Map<String, Double>> metrics, double score) {}

    private final List<Dataset> datasets;
    private final EvalConfig.Metric metric;
    private final List<Example> reference;

    DevEvaluator(List<Dataset> datasets, EvalConfig eval) throws IOException {
        this.datasets = datasets;
        this.metric = eval.metric();
        this.reference = eval.reference() == null ? null : readPairs(eval.reference());
    }

    /**
     * Scored pairs from a JSONL file (text, text_pair, score) or the STS Benchmark's layout, chosen by
     * the name: {@code .jsonl} or not. Every line must be a scored pair.
     *
     * @throws IllegalArgumentException naming {@code eval.reference}, the file and line of what is wrong
     * @throws IOException naming {@code eval.reference} and the file, when it cannot be read
     */
    static List<Example> readPairs(Path file) throws IOException {
        boolean jsonl =
                file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".jsonl");
        List<Example> pairs;
        try {
            pairs = jsonl ? new JsonlReader().read(file) : new StsbReader().read(file);
        } catch (DataFormatException e) {
            throw new IllegalArgumentException(
                    REFERENCE_KEY + ": " + e.getMessage() + " (a reference file is read as JSONL when its name ends "
                            + "in .jsonl, else in the STS Benchmark's layout)",
                    e);
        } catch (IOException e) {
            String why = e instanceof NoSuchFileException
                    ? "no such file"
                    : e instanceof AccessDeniedException ? "permission denied" : e.getMessage();
            throw new IOException(REFERENCE_KEY + ": " + file + ": " + why, e);
        }
        for (int i = 0; i < pairs.size(); i++) {
            String missing = Field.SCORE.missingFrom(pairs.get(i));
            if (missing != null) {
                throw new IllegalArgumentException(
                        REFERENCE_KEY + ": " + pairs.get(i).locate(file, i) + ": " + missing
                                + " (every line of a reference file is a scored pair)");
            }
        }
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException(
                    REFERENCE_KEY + ": " + file + ": no scored pairs (text, text_pair, score)");
        }
        return pairs;
    }

    /** The config key of the reference pairs, which messages about the file start with. */
    private static final String REFERENCE_KEY = "eval.reference";

    /** The embedding's metrics on the reference pairs, or null when none are configured. */
    Map<String, Double> reference(MultiTaskModel model) {
        return reference == null
                ? null
                : EmbeddingEvaluator.evaluate(model, reference, Field.SCORE, model.defaultOptions());
    }

    /** Whether any dataset has a dev split: then evaluations select the best model. */
    boolean selects() {
        return datasets.stream().anyMatch(d -> !d.dev().isEmpty());
    }

    /** Whether there is anything to evaluate: dev splits or reference pairs. */
    boolean any() {
        return reference != null || selects();
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
        double score = selects() ? score(out, model.tasks()) : Double.NaN;
        if (reference != null) {
            out.put(REFERENCE, reference(model));
        }
        return new Result(out, score);
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
                sum += e.getValue().get(Evaluator.mainMetric(tasks.get(task)));
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
