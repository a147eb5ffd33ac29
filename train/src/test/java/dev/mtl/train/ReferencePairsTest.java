package dev.mtl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.MultiTaskModel;
import dev.mtl.data.Example;
import dev.mtl.data.Field;
import dev.mtl.data.JointBertReader;
import dev.mtl.data.StsbReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eval.reference}: the starting model and the final model are measured on the reference pairs,
 * reported apart from the dev tasks, and the start line is the untouched model's score.
 */
class ReferencePairsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aRunMeasuresTheEmbeddingOnTheReferencePairsAtTheStartAndTheEnd() throws Exception {
        List<Example> all = new JointBertReader().read(Path.of("../data/snips/train"));
        List<Example> train = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            train.add(all.get(i * 97 % all.size()));
        }
        TrainerTest.writeJointBert(tmp.resolve("train"), train);
        TrainerTest.writeJointBert(tmp.resolve("dev"), all.subList(0, 32));
        List<String> lines =
                Files.readAllLines(Path.of("../data/stsb/sts-dev.csv")).subList(0, 60);
        Files.write(tmp.resolve("pairs.csv"), lines);
        String yaml = TrainerTest.config(1, "").replace("metric: mean}", "metric: mean, reference: pairs.csv}");
        Files.writeString(tmp.resolve("run.yaml"), yaml);

        TrainConfig cfg = TrainConfig.load(tmp.resolve("run.yaml"));
        List<Dataset> data = Dataset.readAll(cfg);
        Path out = tmp.resolve("run");
        Trainer.Result r =
                new Trainer(cfg, data, Dataset.resolveTasks(cfg, data), out, s -> {}).run(false, TrainingProgress.NONE);

        List<Example> pairs = new StsbReader().read(tmp.resolve("pairs.csv"));
        Map<String, Double> untouched;
        try (MultiTaskModel m = MultiTaskModel.loadDefault()) {
            untouched = EmbeddingEvaluator.evaluate(m, pairs, Field.SCORE, m.defaultOptions());
        }
        Map<String, Double> start = r.reference().get("start");
        Map<String, Double> end = r.reference().get("final");
        assertEquals(untouched.get("spearman"), start.get("spearman"), 1e-9, "start = the untouched model");
        assertEquals(60.0, end.get("pairs"));
        assertNotEquals(start.get("spearman"), end.get("spearman"), "training moved the embedding");
        assertFalse(r.bestDev().containsKey(DevEvaluator.REFERENCE), "reported apart from the dev tasks");
        assertTrue(r.bestDev().containsKey("intent"));

        JsonNode test = JSON.readTree(out.resolve("test_metrics.json").toFile());
        assertEquals(
                end.get("spearman"),
                test.get(DevEvaluator.REFERENCE).get("final").get("spearman").asDouble(),
                1e-12);
        JsonNode first =
                JSON.readTree(Files.readAllLines(out.resolve("metrics.jsonl")).get(0));
        assertEquals(0, first.get("step").asInt(), "the starting model's line comes first");
        assertEquals(
                start.get("spearman"),
                first.get("metrics").get(DevEvaluator.REFERENCE).get("spearman").asDouble(),
                1e-12);
    }
}
