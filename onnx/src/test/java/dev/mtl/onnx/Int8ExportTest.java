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
                "ok",
                "Stocks fell sharply on Tuesday as investors weighed new inflation data.");
        try (MultiTaskModel m = MultiTaskModel.loadDefault()) {
            byte[] fp32 = OnnxExport.toBytes(m, ExportOptions.fp32());
            byte[] int8 = OnnxExport.toBytes(m, ExportOptions.int8());
            // Two thirds of the encoder's 21 MB of MatMul weights shrink fourfold; the 47 MB word table
            // and the FFN down-projections stay FP32.
            assertTrue(int8.length < 0.8 * fp32.length, int8.length + " vs " + fp32.length + " bytes");
            float[][] a = embed(fp32, m, texts);
            float[][] b = embed(int8, m, texts);
            for (int i = 0; i < texts.size(); i++) {
                double dot = 0;
                for (int d = 0; d < a[i].length; d++) {
                    dot += a[i][d] * b[i][d];
                }
                assertTrue(dot >= 0.98, "cosine " + dot + " for '" + texts.get(i) + "'");
                assertTrue(dot < 1 - 1e-7, "the int8 graph computes something else than the FP32 one");
            }
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
