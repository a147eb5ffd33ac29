package dev.mtl.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.Engines;
import dev.mtl.MultiTaskModel;
import dev.mtl.TestModels;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.Pooling;
import dev.mtl.config.TaskConfig;
import dev.mtl.heads.Head;
import dev.mtl.tokenize.PaddedBatch;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported graph, run by ONNX Runtime, against the PyTorch forward pass on the same padded batch:
 * every output (embedding, pooled vector, logits, emissions at real tokens) within 1e-4.
 */
class OnnxParityTest {

    static final double TOLERANCE = 1e-4;
    static final List<String> TEXTS = List.of(
            "play the music",
            "new york",
            "",
            "the music play new york ! play the new music in new york , the music",
            "a",
            "playing music in york");

    @TempDir
    Path tmp;

    @Test
    void theBundledModelsEmbeddingsMatch() throws Exception {
        try (MultiTaskModel m = MultiTaskModel.loadDefault()) {
            assertParity(
                    m,
                    ExportOptions.fp32(),
                    List.of(
                            "A man is playing a guitar.",
                            "The quick brown fox jumps over the lazy dog near the riverbank at dawn.",
                            "ok",
                            "Stocks fell sharply on Tuesday as investors weighed new inflation data."),
                    TOLERANCE);
        }
    }

    @Test
    void everyHeadOfAMultiTaskModelWithACrfMatches() throws Exception {
        for (Pooling pooling : Pooling.values()) {
            try (MultiTaskModel m = trainedScaleModel(pooling)) {
                assertParity(m, ExportOptions.fp32(), TEXTS, TOLERANCE);
            }
        }
    }

    /** With a task tower (its weights apart from the encoder's), the heads read the tower in the graph too. */
    @Test
    void aModelWithATaskTowerMatches() throws Exception {
        for (int layers = 1; layers <= 2; layers++) {
            try (MultiTaskModel m = trainedScaleModel(Pooling.MEAN, layers)) {
                assertParity(m, ExportOptions.fp32(), TEXTS, TOLERANCE);
            }
        }
    }

    /**
     * The int8 export's FFN split in two (widest channels apart from the rest) is the same function:
     * with every product left in FP32, it matches the PyTorch forward as the plain graph does.
     */
    @Test
    void theFeedForwardSplitByChannelWidthComputesTheSameFunction() throws Exception {
        ExportOptions splitInFp32 = new ExportOptions(
                ExportOptions.Quantization.INT8,
                false,
                List.of(Pattern.compile("attention"), Pattern.compile("intermediate"), Pattern.compile("ffn\\.narrow")),
                TEXTS);
        // With a task tower, calibration also finds the tower layer's widest channels.
        try (MultiTaskModel m = trainedScaleModel(Pooling.MEAN, 1)) {
            byte[] graph = OnnxExport.toBytes(m, splitInFp32);
            String text = new String(graph, StandardCharsets.ISO_8859_1);
            assertTrue(text.contains("ffn.wide") && text.contains("ffn.narrow"), "the graph has the split");
            assertTrue(text.contains("task_tower.layer.0.ffn.wide"), "the tower's FFN is split too");
            assertFalse(text.contains("DynamicQuantizeMatMul"), "nothing is quantized");
            assertParity(m, splitInFp32, TEXTS, TOLERANCE);
        }
    }

    @Test
    void theMetadataCarriesLabelsAndCrfTransitions() throws Exception {
        try (MultiTaskModel m = trainedScaleModel(Pooling.MEAN);
                OrtSession s = OrtEnvironment.getEnvironment()
                        .createSession(OnnxExport.toBytes(m, ExportOptions.fp32()), new OrtSession.SessionOptions())) {
            Map<String, String> meta = s.getMetadata().getCustomMetadata();
            ObjectMapper json = new ObjectMapper();
            assertEquals(TestModels.TAGS, List.of(json.readValue(meta.get("mtl.task.slots.labels"), String[].class)));
            assertEquals("slots.emissions", meta.get("mtl.task.slots.output"));
            assertEquals("intent.logits", meta.get("mtl.task.intent.output"));
            float[][] transitions = json.readValue(meta.get("mtl.task.slots.crf.transitions"), float[][].class);
            float[] expected = m.parameters()
                    .params()
                    .get("heads.slots.crf.transitions")
                    .array()
                    .toFloatArray();
            for (int i = 0; i < transitions.length; i++) {
                for (int j = 0; j < transitions.length; j++) {
                    assertEquals(expected[i * transitions.length + j], transitions[i][j]);
                }
            }
            assertArrayEquals(
                    m.parameters()
                            .params()
                            .get("heads.slots.crf.end_transitions")
                            .array()
                            .toFloatArray(),
                    json.readValue(meta.get("mtl.task.slots.crf.end_transitions"), float[].class));
            assertEquals("none", meta.get("mtl.quantization"));
        }
    }

    /**
     * A tiny model with an intent classifier, a CRF slot tagger and a projected, LayerNormed embedding,
     * its weights redrawn at the scale of a trained model's (random initialisation is so small that
     * every output is near 0 and any graph would pass).
     */
    MultiTaskModel trainedScaleModel(Pooling pooling) throws Exception {
        return trainedScaleModel(pooling, 0);
    }

    MultiTaskModel trainedScaleModel(Pooling pooling, int taskLayers) throws Exception {
        MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp.resolve("vocab-" + pooling + "-" + taskLayers)),
                new EmbeddingConfig(pooling, 16, true, true),
                List.of(
                        TaskConfig.classification("intent", List.of("PlayMusic", "GetWeather", "BookRestaurant")),
                        TaskConfig.ner("slots", TestModels.TAGS, true)),
                64,
                taskLayers);
        TestModels.redrawAtTrainedScale(m, 7);
        return m;
    }

    static void assertParity(MultiTaskModel m, ExportOptions options, List<String> texts, double tolerance)
            throws Exception {
        List<long[]> seqs = new ArrayList<>();
        for (String t : texts) {
            seqs.add(m.backbone().tokenizer().encode(t).getIds());
        }
        PaddedBatch batch = PaddedBatch.of(seqs, m.backbone().tokenizer().padId());
        List<Head<?, ?>> heads = new ArrayList<>();
        heads.add(m.embeddingHead());
        heads.addAll(m.heads().values());
        Map<String, float[]> expected = new HashMap<>();
        float[] pooled;
        try (Engines.NoGrad g = Engines.noGrad();
                var bm = m.backbone().manager().newSubManager()) {
            MultiTaskModel.Forward f = m.forward(bm, batch, heads, false);
            heads.forEach(
                    h -> expected.put(OnnxExport.outputName(h), f.output(h).toFloatArray()));
            pooled = f.pooled().toFloatArray();
            if (f.taskPooled() != null) {
                expected.put(OnnxExport.TASK_POOLED, f.taskPooled().toFloatArray());
            }
        }
        expected.put(OnnxExport.POOLED, pooled);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = {batch.batchSize(), batch.length()};
        try (OrtSession s = env.createSession(OnnxExport.toBytes(m, options), new OrtSession.SessionOptions());
                OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.ids()), shape);
                OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.mask()), shape);
                OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.typeIds()), shape);
                OrtSession.Result r = s.run(Map.of(
                        OnnxExport.INPUT_IDS,
                        ids,
                        OnnxExport.ATTENTION_MASK,
                        mask,
                        OnnxExport.TOKEN_TYPE_IDS,
                        types))) {
            for (Map.Entry<String, float[]> e : expected.entrySet()) {
                OnnxTensor out = (OnnxTensor) r.get(e.getKey()).orElseThrow();
                float[] actual = out.getFloatBuffer().array();
                float[] want = e.getValue();
                assertEquals(want.length, actual.length, e.getKey());
                boolean perToken = e.getKey().endsWith(".emissions");
                int width = perToken ? want.length / (batch.batchSize() * batch.length()) : 0;
                double worst = 0;
                for (int i = 0; i < want.length; i++) {
                    if (perToken && batch.mask()[i / width] == 0) {
                        continue; // padding: no result is read there
                    }
                    worst = Math.max(worst, Math.abs(want[i] - actual[i]));
                }
                assertTrue(worst <= tolerance, e.getKey() + ": max abs difference " + worst);
            }
        }
    }
}
