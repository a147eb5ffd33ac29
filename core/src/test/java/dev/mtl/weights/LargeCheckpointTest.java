package dev.mtl.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint larger than the Java heap loads: weights stream from the file into native memory in
 * bounded chunks. A child JVM with a 64 MB heap loads a random BERT of about 150 MB (its word
 * embeddings alone are 94 MB) and prints values that must match the file's.
 */
class LargeCheckpointTest {

    @TempDir
    Path tmp;

    @Test
    void aModelLargerThanTheHeapLoadsWithTheFilesValues() throws Exception {
        Path dir = tmp.resolve("big");
        Map<String, Tensor> tensors = TestModels.writeLargeBert(dir);
        long bytes = Files.size(dir.resolve("model.safetensors"));
        assertTrue(bytes > 140_000_000L, "checkpoint of " + bytes + " bytes");

        String out = TestModels.runInSmallHeap(LoadLargeCheckpoint.class, tmp.resolve("child.log"), dir.toString());
        List<String> expected = new ArrayList<>();
        for (Tensor t : tensors.values()) {
            expected.add(LoadLargeCheckpoint.samples(t.name(), t.data().length, i -> t.data()[(int) i]));
        }
        List<String> printed = out.lines().filter(l -> l.startsWith("sample ")).toList();
        assertEquals(expected, printed);
    }
}
