package dev.mtl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.MultiTaskModel;
import dev.mtl.TestModels;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.eval.ReportInfo;
import dev.mtl.eval.TrainingReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs of an embedding task measured on reference pairs and no dev split, on a tiny random backbone:
 * nothing selects or stops early, metrics.jsonl stays numeric, and a resumed run that adds the
 * reference pairs ends with the final model's scores only.
 */
class ReferenceRunTest {

    @TempDir
    Path tmp;

    private final List<String> log = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void data() throws Exception {
        String[] words = {"play", "some", "jazz", "music", "weather", "sunny", "rain", "today", "adele", "song"};
        List<String> pairs = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            String a = words[i % 10] + " " + words[(i * 3) % 10];
            String b = words[(i + 1) % 10] + " " + words[(i * 7) % 10];
            pairs.add("{\"text\": \"" + a + "\", \"text_pair\": \"" + b + "\", \"score\": " + (i % 5) / 4.0 + "}");
        }
        Files.write(tmp.resolve("train.jsonl"), pairs);
        Files.write(tmp.resolve("ref.jsonl"), pairs.subList(0, 8));
        try (MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp.resolve("v")), EmbeddingConfig.sentenceTransformers(), List.of(), 64)) {
            m.save(tmp.resolve("tiny"));
        }
    }

    private static String config(int epochs, String eval) {
        return String.join(
                "\n",
                "backbone: tiny",
                "max_length: 16",
                "batch_size: 4",
                "epochs: " + epochs,
                "tasks: [{name: sim, kind: embedding, loss: cosent}]",
                "datasets: [{name: sts, format: jsonl, train: train.jsonl, feeds: {sim: score}}]",
                "eval: " + eval,
                "preserve: {method: none}",
                "");
    }

    private Trainer.Result train(String yaml, Path out, boolean resume) throws Exception {
        Files.writeString(tmp.resolve("train.yaml"), yaml);
        TrainConfig cfg = TrainConfig.load(tmp.resolve("train.yaml"));
        List<Dataset> data = Dataset.readAll(cfg);
        return new Trainer(cfg, data, Dataset.resolveTasks(cfg, data), out, log::add)
                .run(resume, TrainingProgress.NONE);
    }

    private List<JsonNode> evalLines(Path out) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            JsonNode n = json.readTree(line);
            if (n.get("type").asText().equals("eval")) {
                lines.add(n);
            }
        }
        return lines;
    }

    @Test
    void withoutADevSplitEvalLinesHaveNoScoreAndTheReportReadsThem() throws Exception {
        Path out = tmp.resolve("run");
        train(config(1, "{every: 2, reference: ref.jsonl}"), out, false);
        List<JsonNode> evals = evalLines(out);
        assertEquals(0, evals.get(0).get("step").asLong(), "the starting model's line");
        assertEquals(1 + 3, evals.size()); // step 0, then steps 2, 4 and the last (6)
        for (JsonNode e : evals) {
            assertFalse(e.has("score"), "no selection score without a dev split: " + e);
            assertTrue(
                    e.get("metrics").get(DevEvaluator.REFERENCE).get("spearman").isNumber(), e.toString());
        }
        TrainingReport.write(out.resolve("metrics.jsonl"), out, new ReportInfo("reference run", "", 1));
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
    }

    @Test
    void anEmptyDevSplitNeitherSelectsNorStopsEarly() throws Exception {
        // A dev file with no examples passes the config check for patience; the run must still not stop.
        Files.writeString(tmp.resolve("dev.jsonl"), "");
        String yaml = config(2, "{every: 2, patience: 1, reference: ref.jsonl}")
                .replace("train: train.jsonl,", "train: train.jsonl, dev: dev.jsonl,");
        Trainer.Result r = train(yaml, tmp.resolve("run"), false);
        assertEquals(12, r.steps(), String.join("\n", log));
        assertFalse(Files.exists(tmp.resolve("run/best")));
    }

    @Test
    void referencePairsAddedOnResumeReportTheFinalScoresOnly() throws Exception {
        Path out = tmp.resolve("run");
        train(config(1, "{every: epoch}"), out, false);
        Trainer.Result r = train(config(2, "{every: epoch, reference: ref.jsonl}"), out, true);
        assertEquals(12, r.steps());
        assertEquals(List.of("final"), List.copyOf(r.reference().keySet()));
        assertTrue(
                log.stream().anyMatch(l -> l.contains("the starting model's scores on them are unknown")),
                String.join("\n", log));
        JsonNode test = json.readTree(out.resolve("test_metrics.json").toFile());
        assertEquals(
                r.reference().get("final").get("spearman"),
                test.get(DevEvaluator.REFERENCE).get("final").get("spearman").asDouble());
        assertFalse(test.get(DevEvaluator.REFERENCE).has("start"));
    }
}
