package dev.mtl.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.mtl.MultiTaskModel;
import dev.mtl.config.BertConfig;
import dev.mtl.tokenize.PaddedBatch;
import dev.mtl.tokenize.TextTokenizer;
import dev.mtl.weights.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The FFN intermediate channels that int8 keeps in FP32, found on calibration texts. In BERT models a
 * few of these channels (their GELU outputs, the down-projection's input) reach 3-5 times further than
 * most others, and an activation quantized with one scale per batch, set by those few, is 3-5 times
 * coarser for all the rest. Computing those few channels in FP32 (LLM.int8(), Dettmers et al. 2022,
 * does the same with outlier features) lets the down-projection run in int8 at FP32-like accuracy.
 */
final class WideChannels {

    /** Channels per layer kept in FP32: 8 of the bundled model's 1,536 (docs/design.md has the measurements). */
    static final int PER_LAYER = 8;

    /** Calibration texts shipped with mtl: 96 short English sentences of mixed kinds, written for it. */
    static final String DEFAULT_TEXTS = "calibration.txt";

    private static final int BATCH = 32;
    private static final int MAX_TOKENS = 128;

    private WideChannels() {}

    static List<String> defaultTexts() {
        try (InputStream in = WideChannels.class.getResourceAsStream(DEFAULT_TEXTS)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + DEFAULT_TEXTS);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .filter(l -> !l.isBlank())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Per layer prefix ({@code encoder.layer.i.}, then {@code task_tower.layer.i.}), its {@code count}
     * widest channels, ascending.
     */
    static Map<String, int[]> find(MultiTaskModel model, Map<String, Tensor> w, List<String> texts, int count) {
        float[][] max = activationMax(model, w, texts);
        List<String> prefixes = EncoderGraph.layerPrefixes(
                model.backbone().config(), model.config().taskLayers());
        Map<String, int[]> wide = new HashMap<>();
        for (int layer = 0; layer < max.length; layer++) {
            float[] m = max[layer];
            int[] top = IntStream.range(0, m.length)
                    .boxed()
                    .sorted(Comparator.comparingDouble((Integer j) -> m[j]).reversed())
                    .limit(Math.min(count, m.length / 2))
                    .mapToInt(Integer::intValue)
                    .sorted()
                    .toArray();
            wide.put(prefixes.get(layer), top);
        }
        return wide;
    }

    /**
     * max |x| per layer and channel of the FFN down-projection's input, over the real (unpadded) tokens
     * of the texts, run through the model's FP32 graph; texts are cut at {@value #MAX_TOKENS} tokens (or
     * the model's positions).
     */
    static float[][] activationMax(MultiTaskModel model, Map<String, Tensor> w, List<String> texts) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("calibration needs at least one text");
        }
        BertConfig c = model.backbone().config();
        TextTokenizer tokenizer = model.backbone().tokenizer();
        int cut = Math.min(MAX_TOKENS, c.maxPositionEmbeddings());
        List<long[]> sequences = new ArrayList<>();
        for (var e : tokenizer.encodeAll(texts)) {
            long[] ids = e.getIds();
            if (ids.length > cut) {
                ids = Arrays.copyOf(ids, cut);
                ids[cut - 1] = tokenizer.sepId();
            }
            sequences.add(ids);
        }
        sequences.sort(Comparator.comparingInt(s -> s.length));
        List<String> prefixes = EncoderGraph.layerPrefixes(c, model.config().taskLayers());
        float[][] max = new float[prefixes.size()][c.intermediateSize()];
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions();
                OrtSession session =
                        env.createSession(calibrationGraph(w, c, model.config().taskLayers()), o)) {
            for (int start = 0; start < sequences.size(); start += BATCH) {
                List<long[]> batch = sequences.subList(start, Math.min(sequences.size(), start + BATCH));
                accumulate(env, session, PaddedBatch.of(batch, tokenizer.padId()), prefixes, max);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("calibration failed: " + e.getMessage(), e);
        }
        return max;
    }

    /** The FP32 encoder whose outputs are every layer's FFN down-projection input. */
    private static byte[] calibrationGraph(Map<String, Tensor> w, BertConfig c, int tower) {
        OnnxGraph g = new OnnxGraph();
        String mask32 = OnnxExport.inputs(g);
        new EncoderGraph(g, w, c, ExportOptions.fp32(), Map.of(), true)
                .build(OnnxExport.INPUT_IDS, OnnxExport.TOKEN_TYPE_IDS, mask32, tower);
        return g.toModel("mtl-calibration", OnnxMetadata.FORMAT_VERSION);
    }

    private static void accumulate(
            OrtEnvironment env, OrtSession session, PaddedBatch p, List<String> prefixes, float[][] max)
            throws OrtException {
        try (OrtEngine.Inputs in = OrtEngine.Inputs.of(env, p);
                OrtSession.Result r = session.run(in.tensors())) {
            for (int layer = 0; layer < max.length; layer++) {
                float[] m = max[layer];
                int width = m.length;
                FloatBuffer x = ((OnnxTensor) r.get(EncoderGraph.ffnInputName(prefixes.get(layer)))
                                .orElseThrow())
                        .getFloatBuffer();
                for (int t = 0; t < p.mask().length; t++) {
                    if (p.mask()[t] == 0) {
                        continue; // padding: its values are computed but never used
                    }
                    for (int j = 0; j < width; j++) {
                        m[j] = Math.max(m[j], Math.abs(x.get(t * width + j)));
                    }
                }
            }
        }
    }
}
