package dev.mtl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.data.Example;
import dev.mtl.data.JointBertReader;
import dev.mtl.interop.TrainingRecord;
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

    /** Writes examples in the JointBERT layout (seq.in, seq.out, label). */
    static void writeJointBert(Path dir, List<Example> examples) throws Exception {
        Files.createDirectories(dir);
        Files.write(
                dir.resolve("seq.in"),
                examples.stream().map(e -> String.join(" ", e.tokens())).toList());
        Files.write(
                dir.resolve("seq.out"),
                examples.stream().map(e -> String.join(" ", e.tags())).toList());
        Files.write(
                dir.resolve("label"),
                examples.stream().map(e -> e.labels().get(0)).toList());
    }

    static String config(int epochs, String extra) {
        return String.join(
                "\n",
                "backbone: default",
                "max_length: 48",
                "batch_size: 16",
                "epochs: " + epochs,
                "seed: 7",
                "tasks:",
                "  - {name: intent, kind: classification}",
                "  - {name: slots, kind: ner}",
                "datasets:",
                "  - {name: snips, format: jointbert, train: train, dev: dev, feeds: {intent: label, slots: tags}}",
                "optimizer: {lr: 1.0e-4, head_lr: 2.0e-3}",
                "schedule: {kind: linear, warmup_ratio: 0.1}",
                "eval: {every: epoch, metric: mean}",
                extra,
                "");
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
        writeJointBert(tmp.resolve("train"), train);
        writeJointBert(tmp.resolve("dev"), dev);
        Files.writeString(tmp.resolve("train.yaml"), config(3, ""));
        TrainConfig cfg = TrainConfig.load(tmp.resolve("train.yaml"));
        List<Dataset> data = Dataset.readAll(cfg);
        Path out = tmp.resolve("run");
        Trainer.Result r =
                new Trainer(cfg, data, Dataset.resolveTasks(cfg, data), out, s -> {}).run(false, TrainingProgress.NONE);

        // Both losses fall: the first logged window against the last.
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> trainLines = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            JsonNode n = json.readTree(line);
            if (n.get("type").asText().equals("train")) {
                trainLines.add(n);
            }
        }
        assertTrue(trainLines.size() >= 3);
        for (String task : List.of("intent", "slots")) {
            double first = trainLines.get(0).get("loss").get(task).asDouble();
            double last =
                    trainLines.get(trainLines.size() - 1).get("loss").get(task).asDouble();
            System.out.printf("%s loss %.3f -> %.3f%n", task, first, last);
            assertTrue(last < 0.7 * first, task + " loss " + first + " -> " + last);
        }
        // Held-out: beat the majority intent and the all-O tagger (whose entity F1 is 0).
        Map<String, Integer> counts = new HashMap<>();
        dev.forEach(e -> counts.merge(e.labels().get(0), 1, Integer::sum));
        double majority =
                counts.values().stream().mapToInt(Integer::intValue).max().orElse(0) / (double) dev.size();
        double acc = r.bestDev().get("intent").get("accuracy");
        double f1 = r.bestDev().get("slots").get("f1");
        System.out.printf("dev intent accuracy %.3f (majority %.3f), slot F1 %.3f%n", acc, majority, f1);
        assertTrue(acc > majority + 0.2, "intent accuracy " + acc + " vs majority " + majority);
        assertTrue(f1 > 0.15, "slot F1 " + f1 + " vs 0 for all-O");
        assertTrue(Files.isRegularFile(r.modelDir().resolve("model.safetensors")));
        assertEquals(3 * ((train.size() + 15) / 16), r.steps());
        // The model directory records the run, and its card says so.
        TrainingRecord rec = TrainingRecord.read(r.modelDir());
        assertEquals(r.steps(), rec.steps());
        assertEquals(1, rec.datasets().size());
        TrainingRecord.Data d = rec.datasets().get(0);
        assertEquals(
                List.of("snips", "jointbert", List.of("intent", "slots")), List.of(d.name(), d.format(), d.tasks()));
        assertEquals(Map.of("train", 400, "dev", 150), d.examples());
        String card = Files.readString(r.modelDir().resolve("README.md"));
        assertTrue(card.contains("Trained by mtl for " + r.steps() + " steps from all-MiniLM-L6-v2 (embedded)."), card);
        assertTrue(card.contains("| snips | jointbert | intent, slots | `"), card);
    }
}
