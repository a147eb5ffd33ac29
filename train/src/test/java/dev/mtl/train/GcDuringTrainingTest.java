package dev.mtl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.data.Example;
import dev.mtl.data.JointBertReader;
import dev.mtl.weights.SafeTensors;
import dev.mtl.weights.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage collection during training must not change a single bit of the result. Guards against
 * tensors whose memory Java owns being freed while autograd still needs them (see {@code Scalars}):
 * before the fix, a thread calling {@code System.gc()} made the gradients NaN or infinite within the
 * first steps.
 */
class GcDuringTrainingTest {

    @TempDir
    Path tmp;

    @Test
    void aCollectorRunningNonStopChangesNoWeight() throws Exception {
        List<Example> all = new JointBertReader().read(Path.of("../data/snips/train"));
        TrainerTest.writeJointBert(tmp.resolve("train"), all.subList(0, 48));
        // Exercises every scalar operand of the training graph: the attention scale, gradient
        // accumulation (loss / 2), a static loss weight, the multi-label loss's max(x, 0) and the CRF
        // loss's division by the row count; so every head: softmax and multi-label classification, token
        // softmax and CRF tagging.
        Files.writeString(
                tmp.resolve("train.yaml"),
                String.join(
                        "\n",
                        "backbone: default",
                        "max_length: 32",
                        "batch_size: 8",
                        "epochs: 1",
                        "seed: 3",
                        "tasks:",
                        "  - {name: intent, kind: classification}",
                        "  - {name: intent_ml, kind: classification, multi_label: true}",
                        "  - {name: slots, kind: ner}",
                        "  - {name: slots_crf, kind: ner, crf: true}",
                        "datasets:",
                        "  - {name: snips, format: jointbert, train: train,"
                                + " feeds: {intent: label, intent_ml: label, slots: tags, slots_crf: tags}}",
                        "optimizer: {lr: 1.0e-4, head_lr: 2.0e-3, grad_accum: 2}",
                        "loss: {weights: {slots: 0.5}}",
                        ""));

        Map<String, Tensor> quiet = train("quiet");
        Thread collector = new Thread(
                () -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        System.gc();
                        try {
                            Thread.sleep(2);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "gc-hammer");
        collector.setDaemon(true);
        collector.start();
        Map<String, Tensor> collected;
        try {
            collected = train("collected");
        } finally {
            collector.interrupt();
            collector.join();
        }

        assertEquals(quiet.keySet(), collected.keySet());
        for (var e : quiet.entrySet()) {
            float[] a = e.getValue().data();
            for (float v : a) {
                assertTrue(Float.isFinite(v), e.getKey() + " holds " + v);
            }
            assertArrayEquals(a, collected.get(e.getKey()).data(), 0f, e.getKey());
        }
    }

    private Map<String, Tensor> train(String name) throws Exception {
        TrainConfig cfg = TrainConfig.load(tmp.resolve("train.yaml"));
        List<Dataset> data = Dataset.readAll(cfg);
        Path out = tmp.resolve(name);
        Trainer.Result r =
                new Trainer(cfg, data, Dataset.resolveTasks(cfg, data), out, s -> {}).run(false, TrainingProgress.NONE);
        assertEquals(3, r.steps()); // 48 sentences / 8 per micro-batch / 2 micro-batches per step
        return SafeTensors.read(r.modelDir().resolve("model.safetensors"));
    }
}
