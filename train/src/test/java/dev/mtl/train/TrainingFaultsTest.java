package dev.mtl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.MultiTaskModel;
import dev.mtl.TestModels;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.data.Example;
import dev.mtl.data.JointBertReader;
import dev.mtl.weights.SafeTensors;
import dev.mtl.weights.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training under faults: a disk that fills up while a checkpoint is written, a latest checkpoint that
 * does not read back on --resume, and SIGTERM mid-run. Each leaves a run that resumes, and ends with the
 * weights of an uninterrupted run, bit for bit.
 */
class TrainingFaultsTest {

    @TempDir
    Path tmp;

    private final List<String> log = new ArrayList<>();

    @BeforeEach
    void data() throws Exception {
        List<Example> all = new JointBertReader().read(Path.of("../data/snips/train"));
        List<Example> train = new ArrayList<>();
        for (int i = 0; i < 96; i++) {
            train.add(all.get(i * 97 % all.size()));
        }
        TrainerTest.writeJointBert(tmp.resolve("train"), train);
        TrainerTest.writeJointBert(tmp.resolve("dev"), train.subList(0, 16));
        try (MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp.resolve("v")), EmbeddingConfig.sentenceTransformers(), List.of(), 64)) {
            m.save(tmp.resolve("tiny"));
        }
    }

    /** 12 steps per epoch (96 examples, batches of 8), a checkpoint every 4 steps. */
    private Path config(int epochs) throws IOException {
        String yaml = TrainerTest.config(epochs, "checkpoint: {every: 4}")
                .replace("backbone: default", "backbone: tiny")
                .replace("batch_size: 16", "batch_size: 8");
        Path f = tmp.resolve("train.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private Trainer trainer(Path out) throws Exception {
        TrainConfig cfg = TrainConfig.load(tmp.resolve("train.yaml"));
        List<Dataset> data = Dataset.readAll(cfg);
        return new Trainer(cfg, data, Dataset.resolveTasks(cfg, data), out, log::add);
    }

    private static Map<String, Tensor> finalWeights(Path out, long step) throws IOException {
        return SafeTensors.read(out.resolve("checkpoints")
                .resolve(String.format("step-%08d", step))
                .resolve("model")
                .resolve("model.safetensors"));
    }

    private static void assertSameWeights(Map<String, Tensor> a, Map<String, Tensor> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).data(), b.get(k).data(), 0f, k);
        }
    }

    @Test
    void aDiskFullWhileCheckpointingLeavesThePreviousCheckpointIntact() throws Exception {
        Path root = tmp.resolve("ckpt");
        try (MultiTaskModel m = MultiTaskModel.load(tmp.resolve("tiny"));
                ai.djl.ndarray.NDManager nd = m.backbone().manager().newSubManager();
                AdamW opt = new AdamW(nd, 0.9f, 0.999f, 1e-8f)) {
            TrainState first = TrainState.start(1).stepped(1.0, Map.of());
            new Checkpoints(root).save(m, opt, first);
            Checkpoints.Writer diskFull = (dir, model, o, state) -> {
                model.save(dir.resolve("model")); // part of it is on disk when the disk fills up
                throw new IOException("No space left on device");
            };
            TrainState second = first.stepped(2.0, Map.of());
            IOException e = assertThrows(IOException.class, () -> new Checkpoints(root, diskFull).save(m, opt, second));
            assertTrue(e.getMessage().contains("writing checkpoint " + root.resolve("step-00000002")), e.getMessage());
            assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
            assertTrue(
                    e.getMessage().contains("the previous checkpoint " + root.resolve("step-00000001") + " is intact"),
                    e.getMessage());
        }
        try (Stream<Path> left = Files.list(root)) {
            assertEquals(
                    List.of("step-00000001"),
                    left.map(p -> p.getFileName().toString()).toList());
        }
        Checkpoints.Resumed r = new Checkpoints(root).resume(log::add);
        try (MultiTaskModel back = r.model()) {
            assertEquals(1, r.state().step());
            assertTrue(log.isEmpty(), "no warning: " + log);
        }
    }

    @Test
    void aCorruptLatestCheckpointFallsBackToThePreviousOneAndEndsLikeAnUninterruptedRun() throws Exception {
        config(2);
        Path straight = tmp.resolve("straight");
        assertEquals(24, trainer(straight).run(false, TrainingProgress.NONE).steps());

        Path run = tmp.resolve("run");
        TrainingProgress crashAt12 = new TrainingProgress() {
            @Override
            public void checkpointed(long step) {
                if (step == 12) {
                    throw new IllegalStateException("simulated crash");
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> trainer(run).run(false, crashAt12));
        Path latest = run.resolve("checkpoints").resolve("step-00000012");
        Path weights = latest.resolve("model").resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2)); // torn write

        log.clear();
        assertEquals(24, trainer(run).run(true, TrainingProgress.NONE).steps());
        String all = String.join("\n", log);
        assertTrue(all.contains("warning: " + latest + " cannot be read back"), all);
        assertTrue(all.contains(weights.toString()), "the warning names the file: " + all);
        assertTrue(all.contains("resuming from checkpoints/step-00000008"), all);
        assertSameWeights(finalWeights(straight, 24), finalWeights(run, 24));
    }

    @Test
    void sigtermFinishesTheStepWritesACheckpointAndResumesBitExactly() throws Exception {
        Path yaml = config(12); // 144 steps: long enough to be stopped mid-run
        Path straight = tmp.resolve("straight");
        Process u = child(yaml, straight, false, "straight.log");
        assertTrue(u.waitFor(300, TimeUnit.SECONDS), "straight run did not finish");
        assertEquals(0, u.exitValue(), Files.readString(tmp.resolve("straight.log")));

        Path stopped = tmp.resolve("stopped");
        Process p = child(yaml, stopped, false, "stopped.log");
        Path metrics = stopped.resolve("metrics.jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (p.isAlive()
                && System.nanoTime() < deadline
                && !(Files.exists(metrics) && Files.readString(metrics).contains("\"step\":20,"))) {
            Thread.sleep(10);
        }
        assertTrue(p.isAlive(), "finished before the signal: " + Files.readString(tmp.resolve("stopped.log")));
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "did not stop");
        String out = Files.readString(tmp.resolve("stopped.log"));
        assertEquals(143, p.exitValue(), out); // 128 + SIGTERM
        assertTrue(out.contains("stopped by a signal after step "), out);
        Path last = Checkpoints.latest(stopped.resolve("checkpoints"));
        assertNotNull(last, out);
        long step = Long.parseLong(last.getFileName().toString().substring("step-".length()));
        assertTrue(out.contains("after step " + step + " of 144; checkpoint checkpoints/" + last.getFileName()), out);
        assertTrue(step >= 20 && step < 144, "stopped mid-run: step " + step);

        Process r = child(yaml, stopped, true, "resumed.log");
        assertTrue(r.waitFor(300, TimeUnit.SECONDS), "resumed run did not finish");
        assertEquals(0, r.exitValue(), Files.readString(tmp.resolve("resumed.log")));
        assertTrue(Files.readString(tmp.resolve("resumed.log"))
                .contains("resuming from checkpoints/" + last.getFileName()));
        assertSameWeights(finalWeights(straight, 144), finalWeights(stopped, 144));
    }

    /** A training run in a child JVM with one native thread (bit-reproducible under any load). */
    private Process child(Path yaml, Path out, boolean resume, String logName) throws Exception {
        return TrainMain.start(yaml, out, resume, tmp.resolve(logName));
    }
}
