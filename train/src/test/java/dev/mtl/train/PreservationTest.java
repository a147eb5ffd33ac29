package dev.mtl.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.MultiTaskModel;
import dev.mtl.data.Example;
import dev.mtl.data.JointBertReader;
import dev.mtl.data.LabelPrefixReader;
import dev.mtl.eval.EmbeddingMetrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distillation keeps the sentence embedding where it was while the heads train the shared encoder;
 * without it the embedding moves. Measured on texts from another domain (TREC questions), which no
 * training step sees: the cosine of each text's embedding to the starting model's. A weight that falls
 * to 0 over the run ({@code preserve.final_weight}) holds it less; a task tower with a quarter of each
 * batch distilled ({@code preserve.sample}) holds it more.
 */
class PreservationTest {

    @TempDir
    Path tmp;

    @Test
    void distillationKeepsTheEmbeddingThatPlainTrainingMoves() throws Exception {
        List<Example> all = new JointBertReader().read(Path.of("../data/snips/train"));
        List<Example> train = new ArrayList<>();
        for (int i = 0; i < 160; i++) {
            train.add(all.get(i * 61 % all.size()));
        }
        TrainerTest.writeJointBert(tmp.resolve("train"), train);
        List<String> probe = new LabelPrefixReader(
                        LabelPrefixReader.TREC_PATTERN, LabelPrefixReader.Level.COARSE, StandardCharsets.ISO_8859_1)
                .read(Path.of("../data/trec/TREC_10.label")).stream()
                        .limit(64)
                        .map(Example::text)
                        .toList();
        float[][] start;
        try (MultiTaskModel m = MultiTaskModel.loadDefault()) {
            start = m.embed(probe, m.defaultOptions(), n -> {});
        }
        double plain = meanCosine(start, probe, "preserve: {method: none}", "plain");
        double kept = meanCosine(start, probe, "preserve: {method: distill}", "kept");
        double falling = meanCosine(start, probe, "preserve: {method: distill, final_weight: 0}", "falling");
        double sampled =
                meanCosine(start, probe, "preserve: {method: distill, task_layers: 2, sample: 0.25}", "sampled");
        System.out.printf(
                "mean cosine to the starting embedding: plain %.4f, distilled %.4f, weight falling to 0 %.4f,"
                        + " a quarter of the texts with a two-layer tower %.4f%n",
                plain, kept, falling, sampled);
        // Measured at distillation weight 1: plain 0.616, distilled 0.773. The run is deliberately harsh
        // (lr 3e-4); the margin asked for is two thirds of the measured one.
        assertTrue(kept > plain + 0.1, "distillation keeps the embedding nearer the start: " + kept + " vs " + plain);
        // A weight falling linearly to 0 holds the embedding less than a constant one, more than none
        // (measured: 0.720 between 0.616 and 0.773; asked for: half of each margin).
        assertTrue(
                falling > plain + 0.05 && falling < kept - 0.025,
                "a falling weight lies between: " + plain + " < " + falling + " < " + kept);
        // With a task tower the heads do not pull the layers the embedding reads, and a quarter of each
        // batch still holds the layers below (measured 0.939 against 0.773; asked for: half the margin).
        assertTrue(sampled > kept + 0.08, "a tower with a sampled distillation keeps more: " + sampled + " vs " + kept);
    }

    private double meanCosine(float[][] start, List<String> probe, String preserve, String run) throws Exception {
        // A high learning rate and no dev set: the run is short but moves the encoder a lot.
        String yaml = TrainerTest.config(2, preserve)
                .replace("optimizer: {lr: 1.0e-4", "optimizer: {lr: 3.0e-4")
                .replace(", dev: dev", "");
        Files.writeString(tmp.resolve(run + ".yaml"), yaml);
        TrainConfig cfg = TrainConfig.load(tmp.resolve(run + ".yaml"));
        List<Dataset> data = Dataset.readAll(cfg);
        Trainer.Result r = new Trainer(cfg, data, Dataset.resolveTasks(cfg, data), tmp.resolve(run), s -> {})
                .run(false, TrainingProgress.NONE);
        try (MultiTaskModel m = MultiTaskModel.load(r.modelDir())) {
            float[][] now = m.embed(probe, m.defaultOptions(), n -> {});
            double sum = 0;
            for (int i = 0; i < now.length; i++) {
                sum += EmbeddingMetrics.cosine(start[i], now[i]);
            }
            return sum / now.length;
        }
    }
}
