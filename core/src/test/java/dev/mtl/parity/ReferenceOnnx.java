package dev.mtl.parity;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.mtl.weights.MiniLmWeights;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/** The reference implementation: the same ONNX file run by ONNX Runtime (test scope only). */
final class ReferenceOnnx implements AutoCloseable {

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    ReferenceOnnx() throws Exception {
        byte[] model;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(MiniLmWeights.ONNX_RESOURCE)) {
            model = in.readAllBytes();
        }
        session = env.createSession(model, new OrtSession.SessionOptions());
    }

    /** Last hidden state per sequence, each run padded to the batch's longest with mask 0. */
    float[][][] lastHiddenState(List<long[]> sequences) throws Exception {
        int b = sequences.size();
        int t = sequences.stream().mapToInt(s -> s.length).max().orElse(0);
        long[][] ids = new long[b][t];
        long[][] mask = new long[b][t];
        long[][] types = new long[b][t];
        for (int i = 0; i < b; i++) {
            long[] s = sequences.get(i);
            System.arraycopy(s, 0, ids[i], 0, s.length);
            for (int j = 0; j < s.length; j++) {
                mask[i][j] = 1;
            }
        }
        try (OnnxTensor a = OnnxTensor.createTensor(env, ids);
                OnnxTensor m = OnnxTensor.createTensor(env, mask);
                OnnxTensor ty = OnnxTensor.createTensor(env, types);
                OrtSession.Result r = session.run(Map.of("input_ids", a, "attention_mask", m, "token_type_ids", ty))) {
            return (float[][][]) r.get(0).getValue();
        }
    }

    @Override
    public void close() throws Exception {
        session.close();
    }
}
