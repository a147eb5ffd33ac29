package dev.mtl.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.MultiTaskModel;
import dev.mtl.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model larger than the Java heap still runs: converting it to ONNX in memory does not fit, so it
 * runs on PyTorch; once exported, ONNX Runtime reads its model.onnx outside the heap. Child JVMs with a
 * 64 MB heap load a random BERT of about 150 MB.
 */
class LargeModelEngineTest {

    @TempDir
    Path tmp;

    @Test
    void aModelLargerThanTheHeapRunsOnPyTorchThenOnItsExportedGraph() throws Exception {
        Path dir = tmp.resolve("big");
        TestModels.writeLargeBert(dir);

        List<String> before = child(dir);
        assertEquals("engine pytorch", before.get(0), "too large to convert in a 64 MB heap: " + before);

        try (MultiTaskModel m = MultiTaskModel.load(dir)) {
            OnnxExport.write(m, ExportOptions.fp32(), dir.resolve(OnnxExport.FILE));
        }
        assertTrue(Files.size(dir.resolve(OnnxExport.FILE)) > 140_000_000L, "the graph is larger than the heap");
        List<String> after = child(dir);
        assertEquals("engine onnxruntime", after.get(0), "model.onnx is read outside the heap: " + after);
        for (int i = 1; i < before.size(); i++) {
            float a = Float.parseFloat(before.get(i).split(" ")[2]);
            float b = Float.parseFloat(after.get(i).split(" ")[2]);
            assertEquals(a, b, 1e-4f, "embedding value " + (i - 1) + " on both engines");
        }
    }

    /** The lines the child printed: "engine ID", then "value i x" for the embedding's first values. */
    private List<String> child(Path dir) throws Exception {
        String out =
                TestModels.runInSmallHeap(EmbedOnce.class, Files.createTempFile(tmp, "child", ".log"), dir.toString());
        List<String> lines = out.lines()
                .filter(l -> l.startsWith("engine ") || l.startsWith("value "))
                .toList();
        assertEquals(9, lines.size(), out);
        return lines;
    }
}
