package dev.mtl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.TaskConfig;
import dev.mtl.data.Example;
import dev.mtl.data.JointBertReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A short joint training on SNIPS: both losses fall and the model beats trivial baselines. */
class TrainerTest {

    @TempDir
    Path tmp;

    static Trainer.Plan plan(List<Trainer.Dataset> data, List<TaskConfig> tasks, int epochs, int batch) {
        return new Trainer.Plan("default", 48, batch, epochs, 7, EmbeddingConfig.sentenceTransformers(), tasks, data,
                TaskSampler.Strategy.TEMPERATURE, 2.0, Map.of(), false, false,
                1e-4f, 2e-3f, 0.01f, 0.9f, 0.999f, 1e-8f, 1.0f, 1.0f, 1,
                Schedule.Kind.LINEAR, 0.1, false, false, 0, List.of(), false, 0, "mean", 0, 0, "");
    }

    @Test
    void jointTrainingOnAFewHundredSnipsSentencesLearnsBothTasks() throws Exception {
        List<Example> all = new JointBertReader().read(Path.of("../data/snips/train"));
        List<Example> train = new ArrayList<>();
        List<Example> dev = new ArrayList<>();
        for (int i = 0; train.size() < 400 || dev.size() < 150; i++) { // spread over the file, disjoint
            Example e = all.get(i * 13 % all.size());
            if (train.size() < 400 && (i % 4 != 0 || dev.size() >= 150)) {
                train.add(e);
            } else {
                dev.add(e);
            }
        }
        Map<String, InstanceEncoder.Field> feeds = Map.of("intent", InstanceEncoder.Field.LABEL,
                "slots", InstanceEncoder.Field.TAGS);
        Trainer.Dataset ds = new Trainer.Dataset("snips", train, dev, List.of(), feeds);
        List<TaskConfig> tasks = List.of(
                TaskConfig.classification("intent", Trainer.deriveLabels("intent", TaskConfig.Kind.CLASSIFICATION, List.of(ds))),
                TaskConfig.ner("slots", Trainer.deriveLabels("slots", TaskConfig.Kind.NER, List.of(ds)), false));
        Trainer.Result r = new Trainer(plan(List.of(ds), tasks, 3, 16), tmp, s -> {}).run(false, TrainingProgress.NONE);

        // Both losses fall: the first logged window against the last.
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> trainLines = new ArrayList<>();
        for (String line : Files.readAllLines(tmp.resolve("metrics.jsonl"))) {
            JsonNode n = json.readTree(line);
            if (n.get("type").asText().equals("train")) {
                trainLines.add(n);
            }
        }
        assertTrue(trainLines.size() >= 3);
        for (String task : List.of("intent", "slots")) {
            double first = trainLines.get(0).get("loss").get(task).asDouble();
            double last = trainLines.get(trainLines.size() - 1).get("loss").get(task).asDouble();
            System.out.printf("%s loss %.3f -> %.3f%n", task, first, last);
            assertTrue(last < 0.7 * first, task + " loss " + first + " -> " + last);
        }
        // Held-out: beat the majority intent and the all-O tagger (whose entity F1 is 0).
        Map<String, Integer> counts = new HashMap<>();
        dev.forEach(e -> counts.merge(e.labels().get(0), 1, Integer::sum));
        double majority = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0) / (double) dev.size();
        double acc = r.bestDev().get("intent").get("accuracy");
        double f1 = r.bestDev().get("slots").get("f1");
        System.out.printf("dev intent accuracy %.3f (majority %.3f), slot F1 %.3f%n", acc, majority, f1);
        assertTrue(acc > majority + 0.2, "intent accuracy " + acc + " vs majority " + majority);
        assertTrue(f1 > 0.15, "slot F1 " + f1 + " vs 0 for all-O");
        assertTrue(Files.isRegularFile(r.modelDir().resolve("model.safetensors")));
        assertEquals(3 * ((train.size() + 15) / 16), r.steps());
    }
}
