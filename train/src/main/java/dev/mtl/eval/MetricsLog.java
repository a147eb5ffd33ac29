package dev.mtl.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.mtl.data.DataFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A training run's {@code metrics.jsonl} read into typed records: one {@code "type":"train"} line per
 * logged step, one {@code "type":"eval"} line per evaluation. Unknown keys are ignored and blank lines
 * skipped; anything else malformed is a {@link DataFormatException} naming the file and line. Not a
 * writer: the trainer owns the format, this only reads it for {@link TrainingReport}.
 */
final class MetricsLog {
    /** Scores where higher is better, in [0, 1] (Spearman in [-1, 1]); the report plots and ranks only these. */
    static final List<String> HEADLINE_METRICS =
            List.of("accuracy", "macro_f1", "f1", "spearman", "mrr@10", "knn_accuracy");

    /**
     * Two objects on one line are an error; NaN and Infinity are accepted because Python's
     * {@code json.dumps} writes them for a diverged loss, and that is exactly the run one wants a report of.
     */
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private static final Set<String> TYPES = Set.of("train", "eval");

    /**
     * One logged training step.
     *
     * @param loss task name → loss, in the order logged (usually the tasks, then {@code total})
     * @param tokensPerS throughput, NaN when not logged
     * @param stepsPerS throughput, NaN when not logged
     */
    record TrainStep(long step, Map<String, Double> loss, double tokensPerS, double stepsPerS) {}

    /** One evaluation: task → metric name → value, in the order logged. */
    record Evaluation(long step, String split, Map<String, Map<String, Double>> metrics) {}

    private final List<TrainStep> trainSteps;
    private final List<Evaluation> evaluations;

    private MetricsLog(List<TrainStep> trainSteps, List<Evaluation> evaluations) {
        this.trainSteps = Collections.unmodifiableList(trainSteps);
        this.evaluations = Collections.unmodifiableList(evaluations);
    }

    List<TrainStep> trainSteps() {
        return trainSteps;
    }

    List<Evaluation> evaluations() {
        return evaluations;
    }

    List<Evaluation> evaluations(String split) {
        return evaluations.stream().filter(e -> e.split().equals(split)).toList();
    }

    static MetricsLog read(Path path) throws IOException {
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        List<TrainStep> train = new ArrayList<>();
        List<Evaluation> evals = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i);
            if (text.isBlank()) {
                continue;
            }
            Line at = new Line(path, i + 1);
            JsonNode node;
            try {
                node = MAPPER.readTree(text);
            } catch (JsonProcessingException e) {
                throw at.error("invalid JSON at column " + e.getLocation().getColumnNr());
            }
            if (!node.isObject()) {
                throw at.error("expected a JSON object, got "
                        + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
            }
            JsonNode type = node.get("type");
            if (type == null || !type.isTextual() || !TYPES.contains(type.asText())) {
                throw at.error("\"type\" is " + (type == null ? "missing" : type.toString())
                        + ", expected \"train\" or \"eval\"");
            }
            long step = step(at, node);
            if (type.asText().equals("train")) {
                train.add(new TrainStep(
                        step,
                        numbers(at, "loss", object(at, node, "loss")),
                        optionalNumber(at, node, "tokens_per_s"),
                        optionalNumber(at, node, "steps_per_s")));
            } else {
                JsonNode split = node.get("split");
                if (split == null || !split.isTextual()) {
                    throw at.error("\"split\" must be a string, got " + (split == null ? "nothing" : split.toString()));
                }
                Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it =
                                object(at, node, "metrics").fields();
                        it.hasNext(); ) {
                    Map.Entry<String, JsonNode> task = it.next();
                    String where = "metrics." + task.getKey();
                    if (!task.getValue().isObject()) {
                        throw at.error("\"" + where + "\" must be an object of metric name to number");
                    }
                    Map<String, Double> values = numbers(at, where, task.getValue());
                    for (String name : HEADLINE_METRICS) {
                        Double v = values.get(name);
                        double low = name.equals("spearman") ? -1 : 0;
                        if (v != null && !(v >= low && v <= 1)) {
                            throw at.error("\"" + where + "." + name + "\" is " + v + ", expected a value in ["
                                    + (int) low + ", 1]");
                        }
                    }
                    metrics.put(task.getKey(), Collections.unmodifiableMap(values));
                }
                evals.add(new Evaluation(step, split.asText(), Collections.unmodifiableMap(metrics)));
            }
        }
        return new MetricsLog(train, evals);
    }

    private static long step(Line at, JsonNode node) {
        JsonNode step = node.get("step");
        if (step == null || !step.canConvertToLong() || !step.isIntegralNumber() || step.asLong() < 0) {
            throw at.error(
                    "\"step\" must be a non-negative integer, got " + (step == null ? "nothing" : step.toString()));
        }
        return step.asLong();
    }

    private static JsonNode object(Line at, JsonNode node, String key) {
        JsonNode value = node.get(key);
        if (value == null || !value.isObject()) {
            throw at.error("\"" + key + "\" must be an object, got " + (value == null ? "nothing" : value.toString()));
        }
        return value;
    }

    private static Map<String, Double> numbers(Line at, String where, JsonNode object) {
        Map<String, Double> values = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNumber()) {
                throw at.error("\"" + where + "." + e.getKey() + "\" must be a number, got " + e.getValue());
            }
            values.put(e.getKey(), e.getValue().doubleValue());
        }
        return values;
    }

    private static double optionalNumber(Line at, JsonNode node, String key) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return Double.NaN;
        }
        if (!value.isNumber()) {
            throw at.error("\"" + key + "\" must be a number, got " + value);
        }
        return value.doubleValue();
    }

    private record Line(Path path, int line) {
        DataFormatException error(String problem) {
            return new DataFormatException(path, line, problem);
        }
    }
}
