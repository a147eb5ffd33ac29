package dev.mtl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.MultiTaskModel;
import dev.mtl.TestModels;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.data.Example;
import dev.mtl.data.JointBertReader;
import dev.mtl.weights.SafeTensors;
import dev.mtl.weights.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Frozen parameters do not change; a run killed with SIGKILL mid-epoch resumes and ends with the
 * same weights as an uninterrupted run. Uses a tiny random backbone so it is fast.
 */
class FreezingAndResumeTest {

    @TempDir
    Path tmp;

    Path backbone;

    @BeforeEach
    void data() throws Exception {
        List<Example> all = new JointBertReader().read(Path.of("../data/snips/train"));
        List<Example> train = new ArrayList<>();
        for (int i = 0; i < 96; i++) {
            train.add(all.get(i * 97 % all.size()));
        }
        TrainerTest.writeJointBert(tmp.resolve("train"), train);
        TrainerTest.writeJointBert(tmp.resolve("dev"), train.subList(0, 16));
        backbone = tmp.resolve("tiny");
        // A tiny model whose vocabulary covers SNIPS text only letter by letter: fast, and enough to train.
        try (MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp.resolve("v")), EmbeddingConfig.sentenceTransformers(), List.of(), 64)) {
            m.save(backbone);
        }
    }

    private String config(int epochs, String extra) {
        return TrainerTest.config(epochs, extra)
                .replace("backbone: default", "backbone: tiny")
                .replace("batch_size: 16", "batch_size: 8");
    }

    private Trainer.Result train(String yaml, Path out, boolean resume) throws Exception {
        Files.writeString(tmp.resolve("train.yaml"), yaml);
        TrainConfig cfg = TrainConfig.load(tmp.resolve("train.yaml"));
        List<Dataset> data = Dataset.readAll(cfg);
        return new Trainer(cfg, data, Dataset.resolveTasks(cfg, data), out, s -> {}).run(resume, TrainingProgress.NONE);
    }

    private static Map<String, Tensor> weights(Path modelDir) throws Exception {
        return SafeTensors.read(modelDir.resolve("model.safetensors"));
    }

    /** The parameter groups of a 2-layer model under a freezing config. */
    private ParameterGroups groups(String freeze) throws Exception {
        return groups(freeze, 0);
    }

    /** As {@link #groups(String)}, with a task tower of {@code tower} layers. */
    private ParameterGroups groups(String freeze, int tower) throws Exception {
        Files.writeString(tmp.resolve("train.yaml"), config(1, freeze));
        TrainConfig cfg = TrainConfig.load(tmp.resolve("train.yaml"));
        return new ParameterGroups(Map.of(), 2, tower, cfg.optimizer(), cfg.freeze());
    }

    @Test
    void aTaskTowersLayerTrainsAndFreezesAsTheEncoderLayerItCopies() throws Exception {
        Files.writeString(
                tmp.resolve("decay.yaml"),
                config(1, "").replace("head_lr: 2.0e-3}", "head_lr: 2.0e-3, layer_decay: 0.5}"));
        TrainConfig cfg = TrainConfig.load(tmp.resolve("decay.yaml"));
        ParameterGroups decay = new ParameterGroups(Map.of(), 2, 1, cfg.optimizer(), cfg.freeze());
        String tower = "task_tower.layer.0.attention.self.query.weight";
        assertEquals(0.5f, decay.lrScale("encoder.layer.1.attention.self.query.weight"));
        assertEquals(0.5f, decay.lrScale(tower), "the top layer's rate: layer_decay^(2 - 1)");
        assertEquals(0.25f, decay.lrScale("encoder.layer.0.attention.self.query.weight"));
        assertEquals(20f, decay.lrScale("heads.slots.classifier.weight"), 1e-4f);
        ParameterGroups t = groups("freeze: {gradual_unfreeze: true}", 1);
        assertFalse(t.frozen(tower, 0), "epoch 0 trains the top layer: the tower's copy of it too");
        ParameterGroups bottom = groups("freeze: {layers: 2}", 1);
        assertTrue(bottom.frozen(tower, 0), "freezing both layers freezes their copy");
        ParameterGroups two = groups("freeze: {layers: 1}", 2);
        assertTrue(two.frozen("task_tower.layer.0.output.dense.weight", 0), "tower layer 0 copies encoder layer 0");
        assertFalse(two.frozen("task_tower.layer.1.output.dense.weight", 0));
    }

    @Test
    void frozenEncoderLayersAndHeadsDoNotChange() throws Exception {
        String yaml = config(1, "freeze: {layers: 1, heads: [intent]}");
        Files.writeString(tmp.resolve("train.yaml"), yaml);
        TrainConfig cfg = TrainConfig.load(tmp.resolve("train.yaml"));
        // The heads' initial values: the trainer seeds the engine, then creates the heads on the backbone.
        Map<String, Tensor> before;
        ai.djl.engine.Engine.getInstance().setRandomSeed((int) cfg.seed());
        List<Dataset> data = Dataset.readAll(cfg);
        try (MultiTaskModel initial = MultiTaskModel.create(
                MultiTaskModel.load(backbone).backbone(),
                cfg.embedding(),
                Dataset.resolveTasks(cfg, data),
                cfg.maxLength())) {
            before = initial.parameters().toTensors();
        }
        Path out = tmp.resolve("run");
        Trainer.Result r = train(yaml, out, false);
        assertTrue(r.steps() > 0);
        Map<String, Tensor> after = weights(out.resolve("checkpoints")
                .resolve(String.format("step-%08d", r.steps()))
                .resolve("model"));
        int frozenSeen = 0;
        int changedSeen = 0;
        for (var e : before.entrySet()) {
            String k = e.getKey();
            boolean frozen =
                    k.startsWith("embeddings.") || k.startsWith("encoder.layer.0.") || k.startsWith("heads.intent.");
            boolean same =
                    java.util.Arrays.equals(e.getValue().data(), after.get(k).data());
            if (frozen) {
                assertTrue(same, k + " is frozen but changed");
                frozenSeen++;
            } else if (!same) {
                changedSeen++;
            }
        }
        assertTrue(frozenSeen >= 5 + 16 + 4, "frozen tensors checked: " + frozenSeen);
        assertTrue(changedSeen >= 16 + 2, "layer 1 and the slots head train: " + changedSeen);
    }

    @Test
    void freezingSettingsSelectTheRightParameters() throws Exception {
        ParameterGroups t = groups("freeze: {encoder: true, heads: [intent]}");
        assertTrue(t.frozen("encoder.layer.1.output.dense.weight", 0));
        assertTrue(t.frozen("embeddings.word_embeddings.weight", 0));
        assertTrue(t.frozen("heads.intent.dense.weight", 0));
        assertFalse(t.frozen("heads.slots.classifier.weight", 0));
        assertFalse(t.frozen("embedding.projection.weight", 0));
    }

    @Test
    void gradualUnfreezingOpensOneLayerPerEpochFromTheTop() throws Exception {
        ParameterGroups t = groups("freeze: {gradual_unfreeze: true}");
        // 2 layers: epoch 0 trains layer 1 only, epoch 1 layers 0-1, epoch 2 also the embeddings.
        assertFalse(t.frozen("encoder.layer.1.attention.self.query.weight", 0));
        assertTrue(t.frozen("encoder.layer.0.attention.self.query.weight", 0));
        assertTrue(t.frozen("embeddings.word_embeddings.weight", 1));
        assertFalse(t.frozen("encoder.layer.0.attention.self.query.weight", 1));
        assertFalse(t.frozen("embeddings.word_embeddings.weight", 2));
    }

    @Test
    void crashMidEpochThenResumeEndsBitIdenticalToAnUninterruptedRun() throws Exception {
        String yaml = config(2, "checkpoint: {every: 4}");
        train(yaml, tmp.resolve("s"), false);
        TrainConfig cfg = TrainConfig.load(tmp.resolve("train.yaml"));
        List<Dataset> data = Dataset.readAll(cfg);
        Trainer t = new Trainer(cfg, data, Dataset.resolveTasks(cfg, data), tmp.resolve("c"), s -> {});
        TrainingProgress crashAfterStep8 = new TrainingProgress() { // mid-epoch: 12 steps per epoch
                    @Override
                    public void checkpointed(long step) {
                        if (step == 8) {
                            throw new IllegalStateException("simulated crash after step " + step);
                        }
                    }
                };
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalStateException.class, () -> t.run(false, crashAfterStep8));
        assertEquals("simulated crash after step 8", e.getMessage());
        Trainer.Result r = train(yaml, tmp.resolve("c"), true);
        assertEquals(24, r.steps());
        String end = "step-00000024";
        Map<String, Tensor> a =
                weights(tmp.resolve("s").resolve("checkpoints").resolve(end).resolve("model"));
        Map<String, Tensor> b =
                weights(tmp.resolve("c").resolve("checkpoints").resolve(end).resolve("model"));
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).data(), b.get(k).data(), 0f, k); // model, optimizer, data position, RNG
        }
    }

    @Test
    void killedMidEpochThenResumedEndsWhereAnUninterruptedRunEnds() throws Exception {
        String yaml = config(3, "checkpoint: {every: 4}");
        Files.writeString(tmp.resolve("train.yaml"), yaml);
        // The training runs in a child JVM so that it can be killed with SIGKILL.
        long totalSteps = 3 * 12; // 96 examples / 8 per batch = 12 steps per epoch

        // The same run, killed with SIGKILL once it has written a mid-epoch checkpoint.
        Path killed = tmp.resolve("killed");
        Process p = child(killed, false, "killed.log");
        Path ckpts = killed.resolve("checkpoints");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (p.isAlive() && System.nanoTime() < deadline && Checkpoints.latest(ckpts) == null) {
            Thread.sleep(20);
        }
        assertTrue(
                p.isAlive(),
                "child finished before it could be killed: " + Files.readString(tmp.resolve("killed.log")));
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no shutdown hooks, files as they are
        Path last = Checkpoints.latest(ckpts);
        assertTrue(last != null, "no checkpoint before the kill");
        long stepAtKill = Long.parseLong(last.getFileName().toString().substring("step-".length()));
        assertTrue(stepAtKill < totalSteps, "killed after the end");
        assertTrue(stepAtKill % 12 != 0, "the kill should land mid-epoch in this set-up: step " + stepAtKill);

        Process r = child(killed, true, "resumed.log");
        assertEquals(0, r.waitFor(), Files.readString(tmp.resolve("resumed.log")));
        assertTrue(Files.readString(tmp.resolve("resumed.log")).contains("resuming from checkpoints/step-"));
        assertEquals(
                totalSteps,
                Checkpoints.latest(ckpts).getFileName().toString().equals(String.format("step-%08d", totalSteps))
                        ? totalSteps
                        : -1);
        // The killed-and-resumed run ends with the weights of an uninterrupted run in another fresh JVM, bit
        // for bit. (This used to fail now and then: the order of a dataset's feeds, which is the order in
        // which task losses are computed and summed, came from Map.copyOf, whose order is salted per JVM.)
        Path straight = tmp.resolve("straight");
        Process u = child(straight, false, "straight.log");
        assertEquals(0, u.waitFor(), Files.readString(tmp.resolve("straight.log")));
        String end = String.format("step-%08d", totalSteps);
        Map<String, Tensor> a =
                weights(straight.resolve("checkpoints").resolve(end).resolve("model"));
        Map<String, Tensor> b = weights(ckpts.resolve(end).resolve("model"));
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).data(), b.get(k).data(), 0f, k);
        }
        try (dev.mtl.MultiTaskModel m = dev.mtl.MultiTaskModel.load(killed.resolve("model"))) {
            assertEquals(2, m.tasks().size());
        }
        // metrics.jsonl has each step at most once per type, and the output directory has no temp files.
        List<String> lines = Files.readAllLines(killed.resolve("metrics.jsonl"));
        Set<String> seen = new HashSet<>();
        for (String line : lines) {
            var n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
            assertTrue(seen.add(n.get("type").asText() + n.get("step").asLong()), "duplicate line " + line);
        }
        try (var walk = Files.walk(killed)) {
            assertTrue(walk.noneMatch(x -> x.getFileName().toString().contains(".tmp-")), "temporary files left");
        }
    }

    /** A training run in a child JVM with one native thread (bit-reproducible under any load). */
    private Process child(Path out, boolean resume, String log) throws Exception {
        return TrainMain.start(tmp.resolve("train.yaml"), out, resume, tmp.resolve(log));
    }
}
