package dev.mtl.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.EngineKind;
import dev.mtl.MultiTaskModel;
import dev.mtl.interop.ModelExport;
import dev.mtl.interop.TrainingRecord;
import dev.mtl.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The end of a run: picks the final model (the best on dev when there was a dev set, else the last
 * checkpoint), saves it as {@code model/}, scores it on the test splits and the reference pairs.
 */
final class FinalModel {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DevEvaluator dev;
    private final TrainConfig cfg;
    private final List<Dataset> datasets;
    private final Path out;
    private final Consumer<String> log;

    /** @param dev the run's evaluator, its reference pairs already read */
    FinalModel(DevEvaluator dev, TrainConfig cfg, List<Dataset> datasets, Path out, Consumer<String> log) {
        this.dev = dev;
        this.cfg = cfg;
        this.datasets = datasets;
        this.out = out;
        this.log = log;
    }

    /** The run's data and test scores, as the model directory keeps them (training.json). */
    private TrainingRecord record(String base, TrainState state, Map<String, Map<String, Map<String, Double>>> test) {
        List<TrainingRecord.Data> data = new ArrayList<>();
        for (Dataset d : datasets) {
            DatasetSpec spec = cfg.datasets().stream()
                    .filter(s -> s.name().equals(d.name()))
                    .findFirst()
                    .orElseThrow();
            Map<String, String> files = new LinkedHashMap<>();
            Map<String, Integer> examples = new LinkedHashMap<>();
            for (Split split : Split.values()) {
                String key = split.name().toLowerCase(Locale.ROOT);
                spec.path(split).ifPresent(p -> files.put(key, p.toString()));
                List<?> rows = split == Split.TRAIN ? d.train() : split == Split.DEV ? d.dev() : d.test();
                if (spec.path(split).isPresent()) {
                    examples.put(key, rows.size());
                }
            }
            data.add(new TrainingRecord.Data(
                    d.name(),
                    spec.format().name().toLowerCase(Locale.ROOT),
                    files,
                    examples,
                    List.copyOf(d.feeds().keySet())));
        }
        return new TrainingRecord(base, state.step(), data, test);
    }

    /** Where the starting model's metrics on the reference pairs are kept for the end of the run. */
    static final String REFERENCE_START = "reference_start.json";

    static String percent(Map<String, Double> m) {
        return String.format(
                java.util.Locale.ROOT,
                "Spearman %.2f, Pearson %.2f (%d pairs)",
                100 * m.get("spearman"),
                100 * m.get("pearson"),
                m.get("pairs").intValue());
    }

    /** The final model (the best on dev when there was a dev set), its dev and test scores. */
    Trainer.Result write(TrainState state) throws IOException {
        Path best = out.resolve("best");
        Path finalDir = out.resolve("model");
        boolean fromBest = dev.selects() && Files.isDirectory(best);
        Path source =
                fromBest ? best : Checkpoints.latest(out.resolve("checkpoints")).resolve("model");
        try (MultiTaskModel model = MultiTaskModel.load(source)) {
            model.useEngine(EngineKind.PYTORCH); // the test scores on the engine the dev scores were taken on
            if (fromBest) {
                log.accept("final model: the best on dev (score " + String.format("%.4f", state.bestScore()) + ")");
            }
            model.save(finalDir);
            // The reference pairs are reported on their own, not as a dev task.
            Map<String, Map<String, Double>> bestDev =
                    fromBest ? new LinkedHashMap<>(dev.evaluate(model).metrics()) : new LinkedHashMap<>();
            Map<String, Double> end = fromBest ? bestDev.remove(DevEvaluator.REFERENCE) : dev.reference(model);
            Map<String, Map<String, Double>> reference = new LinkedHashMap<>();
            Path startFile = out.resolve(REFERENCE_START);
            if (end != null && Files.isRegularFile(startFile)) {
                @SuppressWarnings("unchecked")
                Map<String, Double> start = JSON.readValue(startFile.toFile(), Map.class);
                reference.put("start", start);
                reference.put("final", end);
                log.accept("embedding on the reference pairs: " + percent(start) + " at the start, " + percent(end)
                        + " now");
            } else if (end != null) {
                // eval.reference was added on --resume: the starting model was never measured on the pairs.
                reference.put("final", end);
                log.accept("embedding on the reference pairs: " + percent(end) + " now; the starting model's scores on"
                        + " them are unknown (the run started without eval.reference)");
            }
            Map<String, Map<String, Map<String, Double>>> test = new LinkedHashMap<>();
            Map<String, Object> testJson = new LinkedHashMap<>();
            for (Dataset d : datasets) {
                if (d.test().isEmpty()) {
                    continue;
                }
                Evaluator.Scores s = Evaluator.evaluate(
                        model,
                        d.test(),
                        d.feeds(),
                        model.defaultOptions(),
                        out.resolve("predictions"),
                        d.name() + ".test");
                test.put(d.name(), s.flat());
                Map<String, Object> full = new LinkedHashMap<>();
                s.classification().forEach((t, r) -> full.put(t, r.toMap()));
                s.ner().forEach((t, r) -> full.put(t, r.toMap()));
                full.putAll(s.embedding());
                testJson.put(d.name(), full);
            }
            if (!reference.isEmpty()) {
                testJson.put(DevEvaluator.REFERENCE, reference);
            }
            AtomicFiles.write(
                    out.resolve("test_metrics.json"),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(testJson));
            // The model card then says what the model was trained on and how it scored.
            ModelExport.recordTraining(finalDir, record(model.config().backbone(), state, test));
            return new Trainer.Result(
                    finalDir, state.step(), state.elapsedSeconds(), bestDev, test, state.bestScore(), reference);
        }
    }
}
