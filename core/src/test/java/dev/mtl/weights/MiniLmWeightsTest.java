package dev.mtl.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ONNX initializer reader and the recovery of HF names for the embedded MiniLM. */
class MiniLmWeightsTest {

    @Test
    void recoversAllHundredAndOneWeightsUnderHfNames() throws IOException {
        Map<String, Tensor> w = MiniLmWeights.loadFromClasspath();
        assertEquals(101, w.size()); // 65 named floats + 36 recovered MatMul weights (position_ids is int64)
        assertEquals(
                22_565_376L, w.values().stream().mapToLong(t -> t.data().length).sum());
        assertArrayEquals(
                new long[] {1536, 384},
                w.get("encoder.layer.5.intermediate.dense.weight").shape());
        assertArrayEquals(
                new long[] {384, 1536},
                w.get("encoder.layer.5.output.dense.weight").shape());
        assertArrayEquals(
                new long[] {30522, 384},
                w.get("embeddings.word_embeddings.weight").shape());
        assertTrue(w.keySet().stream().noneMatch(k -> k.startsWith("onnx::")));
    }

    @Test
    void nodeNamesMapToHfKeys() {
        assertEquals(
                "encoder.layer.3.attention.self.query.weight",
                MiniLmWeights.keyFromNodeName("/encoder/layer.3/attention/self/query/MatMul"));
        assertNull(MiniLmWeights.keyFromNodeName("/encoder/layer.3/attention/self/MatMul_1x"));
    }

    @Test
    void disagreeingIdentificationsFail() {
        // A MatMul whose node name says "query" but whose following bias says "key".
        Tensor w = new Tensor("onnx::MatMul_1", new long[] {2, 2}, new float[4]);
        Tensor b = new Tensor("encoder.layer.0.attention.self.key.bias", new long[] {2}, new float[2]);
        var graph = new OnnxInitializers.Graph(
                new java.util.LinkedHashMap<>(Map.of(w.name(), w, b.name(), b)),
                List.of(
                        new OnnxInitializers.Node(
                                "/encoder/layer.0/attention/self/query/MatMul",
                                "MatMul",
                                List.of("x", "onnx::MatMul_1"),
                                List.of("y")),
                        new OnnxInitializers.Node(
                                "/encoder/layer.0/attention/self/query/Add",
                                "Add",
                                List.of(b.name(), "y"),
                                List.of("z"))));
        IOException e = assertThrows(IOException.class, () -> MiniLmWeights.fromGraph(graph, "m.onnx"));
        assertEquals(
                "m.onnx: cannot identify MatMul weight onnx::MatMul_1: node name says "
                        + "encoder.layer.0.attention.self.query.weight, following bias says "
                        + "encoder.layer.0.attention.self.key.weight",
                e.getMessage());
    }

    @Test
    void truncatedOnnxFileFailsWithItsName() {
        byte[] junk = {0x3a, 0x7f, 0x01, 0x02}; // field 7 (graph), length 127, then only two bytes
        IOException e = assertThrows(IOException.class, () -> OnnxInitializers.parse(junk, "cut.onnx"));
        assertTrue(e.getMessage().startsWith("cut.onnx: corrupt or truncated ONNX file"), e.getMessage());
    }

    @Test
    void transposeSwapsRowsAndColumns() {
        Tensor t = new Tensor("m", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}).transpose2d("m.T");
        assertArrayEquals(new long[] {3, 2}, t.shape());
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, t.data());
    }
}
