package dev.mtl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.pytorch.jni.JniUtils;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.Output;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prediction switches autograd off only for itself: a caller who trains on the same thread keeps it. */
class GradModeTest {

    @TempDir
    Path tmp;

    @Test
    void predictionRestoresTheCallersGradMode() throws Exception {
        try (MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp), EmbeddingConfig.sentenceTransformers(), List.of(), 64)) {
            for (boolean before : new boolean[] {true, false}) {
                JniUtils.setGradMode(before);
                m.predict(List.of("play the music"), EnumSet.of(Output.EMBEDDING));
                assertEquals(before, JniUtils.isGradMode(), "predict");
                m.embed(List.of("new york"), m.defaultOptions(), n -> {});
                assertEquals(before, JniUtils.isGradMode(), "embed");
            }
            JniUtils.setGradMode(true);
            try (Engines.NoGrad g = Engines.noGrad()) {
                assertFalse(JniUtils.isGradMode(), "off inside the block");
            }
            assertTrue(JniUtils.isGradMode(), "on again after it");
        }
    }

    @Test
    void trainingAfterPredictionOnTheSameThreadGetsGradients() throws Exception {
        try (MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp), EmbeddingConfig.sentenceTransformers(), List.of(), 64)) {
            JniUtils.setGradMode(true); // as a training loop's thread has it
            m.predict(List.of("play the music"), EnumSet.of(Output.EMBEDDING));
            ai.djl.ndarray.NDArray w = m.backbone()
                    .parameters()
                    .params()
                    .get("encoder.layer.0.attention.self.query.weight")
                    .array();
            w.setRequiresGradient(true);
            try (ai.djl.training.GradientCollector gc =
                            ai.djl.engine.Engine.getInstance().newGradientCollector();
                    ai.djl.ndarray.NDManager batch = m.backbone().manager().newSubManager()) {
                ai.djl.ndarray.NDArray x = batch.ones(
                        new ai.djl.ndarray.types.Shape(1, w.getShape().get(1)));
                gc.backward(x.matMul(w.transpose()).square().sum());
                assertTrue(w.getGradient().abs().sum().getFloat() > 0, "the weight got a gradient");
            }
        }
    }
}
