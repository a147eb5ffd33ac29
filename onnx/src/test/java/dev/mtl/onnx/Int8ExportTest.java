package dev.mtl.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.mtl.MultiTaskModel;
import dev.mtl.tokenize.PaddedBatch;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** int8 export: per-channel weights that round-trip, a smaller file, embeddings close to FP32. */
class Int8ExportTest {

    @Test
    void perChannelWeightsRoundTripWithinHalfAStep() {
        Random r = new Random(3);
        int k = 16;
        int n = 5;
        float[] w = new float[k * n];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * (1 + i % n)); // columns of different ranges
        }
        Int8Weights q = Int8Weights.quantize(w, k, n, Int8Weights.QMAX_8BIT);
        float[] back = q.dequantize(k, n);
        for (int c = 0; c < n; c++) {
            float max = 0;
            for (int row = 0; row < k; row++) {
                max = Math.max(max, Math.abs(w[row * n + c]));
            }
            assertEquals(max / 127, q.scales()[c], 1e-6 * max, "column " + c + "'s scale");
            for (int row = 0; row < k; row++) {
                assertTrue(Math.abs(back[row * n + c] - w[row * n + c]) <= q.scales()[c] / 2 + 1e-6);
            }
        }
    }

    @Test
    void theBundledModelQuantizedIsSmallAndItsEmbeddingsStayClose() throws Exception {
        List<String> texts = List.of(
                "A man is playing a guitar.",
                "The quick brown fox jumps over the lazy dog near the riverbank at dawn.",
                "Good morning.",
                "Stocks fell sharply on Tuesday as investors weighed new inflation data.");
        try (MultiTaskModel m = MultiTaskModel.loadDefault()) {
            byte[] fp32 = OnnxExport.toBytes(m, ExportOptions.fp32());
            byte[] int8 = OnnxExport.toBytes(m, ExportOptions.int8());
            // The encoder's 21 MB of MatMul weights shrink fourfold (but for 8 FFN channels per layer); the
            // 47 MB word table stays FP32.
            assertTrue(int8.length < 0.75 * fp32.length, int8.length + " vs " + fp32.length + " bytes");
            float[][] a = embed(fp32, m, texts);
            float[][] b = embed(int8, m, texts);
            for (int i = 0; i < texts.size(); i++) {
                double cosine = dot(a[i], b[i]);
                assertTrue(cosine >= 0.98, "cosine " + cosine + " for '" + texts.get(i) + "'");
                assertTrue(cosine < 1 - 1e-7, "the int8 graph computes something else than the FP32 one");
            }
        }
    }

    /**
     * The int8 attention (QAttention) alone, every other product FP32: texts of different lengths in
     * one padded batch each stay within int8's error of FP32, so weights, bias and mask are wired right.
     */
    @Test
    void quantizedAttentionAloneStaysCloseToFp32InAPaddedBatch() throws Exception {
        List<String> texts = List.of(
                "ok",
                "A man is playing a guitar.",
                "Stocks fell sharply on Tuesday as investors weighed new inflation data from the government.",
                "Set an alarm for seven.");
        try (MultiTaskModel m = MultiTaskModel.loadDefault()) {
            float[][] fp32 = embed(OnnxExport.toBytes(m, ExportOptions.fp32()), m, texts);
            ExportOptions attentionOnly = new ExportOptions(
                    ExportOptions.Quantization.INT8,
                    false,
                    List.of(Pattern.compile("output\\.dense|intermediate\\.dense")),
                    List.of());
            float[][] int8 = embed(OnnxExport.toBytes(m, attentionOnly), m, texts);
            for (int i = 0; i < texts.size(); i++) {
                double cosine = dot(fp32[i], int8[i]);
                assertTrue(cosine >= 0.99, "cosine " + cosine + " for '" + texts.get(i) + "'");
                assertTrue(cosine < 1 - 1e-7, "the attention was not quantized");
            }
        }
    }

    /**
     * The reason for the split: with every FFN channel quantized, one activation scale spans the few
     * wide channels; keeping those in FP32 brings every sentence closer to FP32.
     */
    @Test
    void keepingTheWidestFeedForwardChannelsInFp32BringsInt8CloserToFp32() throws Exception {
        List<String> texts = List.of(
                "A man is playing a guitar.",
                "Two dogs run through a field of snow.",
                "Stocks fell sharply on Tuesday as investors weighed new inflation data.",
                "how many calories are in an apple",
                "Set an alarm for seven tomorrow morning.",
                "What is the tallest mountain in Africa?",
                "The senate passed the bill late on Thursday.",
                "ok");
        try (MultiTaskModel m = MultiTaskModel.loadDefault()) {
            float[][] fp32 = embed(OnnxExport.toBytes(m, ExportOptions.fp32()), m, texts);
            ExportOptions everyChannel =
                    new ExportOptions(ExportOptions.Quantization.INT8, false, List.of(), List.of());
            float[][] plain = embed(OnnxExport.toBytes(m, everyChannel), m, texts);
            float[][] split = embed(OnnxExport.toBytes(m, ExportOptions.int8()), m, texts);
            double plainMean = 0;
            double splitMean = 0;
            for (int i = 0; i < texts.size(); i++) {
                plainMean += dot(fp32[i], plain[i]) / texts.size();
                splitMean += dot(fp32[i], split[i]) / texts.size();
            }
            assertTrue(1 - splitMean < 0.8 * (1 - plainMean), "mean cosine " + splitMean + " vs " + plainMean);
        }
    }

    private static double dot(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += a[i] * b[i];
        }
        return d;
    }

    /** Padding never counts: the widths measured on a padded batch are those of each text alone. */
    @Test
    void calibrationReadsRealTokensOnly() throws Exception {
        List<String> texts = List.of("ok", "The quick brown fox jumps over the lazy dog near the riverbank.", "a b c");
        try (MultiTaskModel m = MultiTaskModel.loadDefault()) {
            var w = m.parameters().toTensors();
            float[][] together = WideChannels.activationMax(m, w, texts);
            float[][] alone = new float[together.length][together[0].length];
            for (String t : texts) {
                float[][] one = WideChannels.activationMax(m, w, List.of(t));
                for (int l = 0; l < one.length; l++) {
                    for (int j = 0; j < one[l].length; j++) {
                        alone[l][j] = Math.max(alone[l][j], one[l][j]);
                    }
                }
            }
            for (int l = 0; l < together.length; l++) {
                for (int j = 0; j < together[l].length; j++) {
                    assertEquals(alone[l][j], together[l][j], 1e-4 * (1 + alone[l][j]), "layer " + l + " channel " + j);
                }
            }
            int[] wide = WideChannels.find(m, w, texts, 8).get("encoder.layer.0.");
            float eighth = together[0][wide[0]];
            for (int j : wide) {
                eighth = Math.min(eighth, together[0][j]);
            }
            int wider = 0;
            for (float v : together[0]) {
                wider += v > eighth ? 1 : 0;
            }
            assertEquals(7, wider, "the 8 chosen channels are the widest");
        }
    }

    @Test
    void anUnknownQuantizationIsNamed() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ExportOptions.Quantization.parse("int4"));
        assertEquals("quantization 'int4' is not one of none, int8", e.getMessage());
    }

    static float[][] embed(byte[] graph, MultiTaskModel m, List<String> texts) throws Exception {
        List<long[]> seqs = new ArrayList<>();
        texts.forEach(t -> seqs.add(m.backbone().tokenizer().encode(t).getIds()));
        PaddedBatch p = PaddedBatch.of(seqs, 0);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = {p.batchSize(), p.length()};
        try (OrtSession s = env.createSession(graph, new OrtSession.SessionOptions());
                OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(p.ids()), shape);
                OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(p.mask()), shape);
                OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(p.typeIds()), shape);
                OrtSession.Result r = s.run(Map.of(
                        OnnxExport.INPUT_IDS,
                        ids,
                        OnnxExport.ATTENTION_MASK,
                        mask,
                        OnnxExport.TOKEN_TYPE_IDS,
                        types))) {
            return (float[][]) r.get(OnnxExport.EMBEDDING).orElseThrow().getValue();
        }
    }
}
