package dev.mtl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.mtl.Engines;
import dev.mtl.MultiTaskModel;
import dev.mtl.TestModels;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.data.Example;
import dev.mtl.data.JointBertReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Native memory stays flat while training: over a few hundred optimizer steps with every loss option
 * at once, the number of live NDArrays in the whole engine is the same at the end as after warm-up.
 * An array attached per step to a long-lived manager (a copy of the class weights, an op on a learned
 * loss weight) would add one per step.
 */
class LiveArraysTest {

    @TempDir
    Path tmp;

    /** Every NDArray alive in the engine: the system manager holds every root manager, recursively. */
    static int liveArrays() {
        try (NDManager probe = Engines.newManager()) {
            return probe.getParentManager().getManagedArrays().size();
        }
    }

    @Test
    void liveArrayCountIsFlatOverHundredsOfStepsWithEveryLossOption() throws Exception {
        List<Example> all = new JointBertReader().read(Path.of("../data/snips/train"));
        List<Example> train = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            train.add(all.get(i * 131 % all.size()));
        }
        TrainerTest.writeJointBert(tmp.resolve("train"), train);
        String[] words = {"play", "some", "jazz", "music", "weather", "sunny", "rain", "today", "adele", "song"};
        List<String> pairs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String a = words[i % 10] + " " + words[(i * 3) % 10];
            String b = words[(i + 1) % 10] + " " + words[(i * 7) % 10];
            pairs.add("{\"text\": \"" + a + "\", \"text_pair\": \"" + b + "\", \"score\": " + (i % 5) / 4.0 + "}");
        }
        Files.write(tmp.resolve("sts.jsonl"), pairs);
        try (MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp.resolve("v")), EmbeddingConfig.sentenceTransformers(), List.of(), 64)) {
            m.save(tmp.resolve("tiny"));
        }
        Files.writeString(
                tmp.resolve("train.yaml"),
                String.join(
                        "\n",
                        "backbone: tiny",
                        "max_length: 24",
                        "batch_size: 4",
                        "epochs: 25",
                        "seed: 5",
                        "tasks:",
                        "  - {name: intent, kind: classification}",
                        "  - {name: intent_ml, kind: classification, multi_label: true}",
                        "  - {name: slots, kind: ner}",
                        "  - {name: slots_crf, kind: ner, crf: true}",
                        "  - {name: clusters, kind: embedding, loss: supcon}",
                        "  - {name: margins, kind: embedding, loss: triplet}",
                        "  - {name: sim, kind: embedding, loss: cosent}",
                        "  - {name: sim_mse, kind: embedding, loss: cosine_mse}",
                        "  - {name: ranked, kind: embedding, loss: mnrl}",
                        "datasets:",
                        "  - {name: snips, format: jointbert, train: train, feeds: {intent: label, intent_ml: label,"
                                + " slots: tags, slots_crf: tags}}",
                        "  - {name: clustered, format: jointbert, train: train, feeds: {clusters: label, margins: label}}",
                        "  - {name: sts, format: jsonl, train: sts.jsonl, feeds: {sim: score}}",
                        "  - {name: sts_mse, format: jsonl, train: sts.jsonl, feeds: {sim_mse: score}}",
                        "  - {name: ranking, format: jsonl, train: sts.jsonl, feeds: {ranked: pair}}",
                        "optimizer: {lr: 1.0e-4, head_lr: 2.0e-3, grad_accum: 2, lazy_embeddings: true}",
                        "loss: {uncertainty: true, class_weights: balanced}",
                        "checkpoint: {every: 1000}",
                        "preserve: {method: distill}",
                        ""));
        TrainConfig cfg = TrainConfig.load(tmp.resolve("train.yaml"));
        List<Dataset> data = Dataset.readAll(cfg);
        List<Integer> counts = new ArrayList<>();
        TrainingProgress count = new TrainingProgress() {
            @Override
            public void step(long step, Map<String, Double> losses, double tokensPerSecond) {
                counts.add(liveArrays());
            }
        };
        Trainer.Result r =
                new Trainer(cfg, data, Dataset.resolveTasks(cfg, data), tmp.resolve("run"), s -> {}).run(false, count);
        assertTrue(r.steps() >= 300, "steps " + r.steps());
        int warm = counts.get(9);
        int end = counts.get(counts.size() - 1);
        int max = counts.subList(9, counts.size()).stream()
                .mapToInt(Integer::intValue)
                .max()
                .orElseThrow();
        assertTrue(warm > 100, "the model's parameters are counted: " + warm);
        assertEquals(warm, end, "live NDArrays after step 10: " + warm + ", at step " + r.steps() + ": " + end);
        assertEquals(warm, max, "the count never rises above its step-10 value: " + warm + " vs " + max);
    }
}
