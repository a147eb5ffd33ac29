package dev.mtl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.mtl.Backbone;
import dev.mtl.TestModels;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.BitSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The word table's gradient in training: sparse once a dense one exists, and the same bits as dense. */
class EmbeddingGradientTest {

    @TempDir
    Path tmp;

    @Test
    void sparseWordGradientEqualsTheDenseOneAndRowsAreTracked() throws Exception {
        try (Backbone b = TestModels.tinyBackbone(tmp);
                NDManager m = b.manager().newSubManager()) {
            BertEmbeddings emb = b.model().embeddings();
            NDArray table = b.parameters()
                    .params()
                    .get("embeddings.word_embeddings.weight")
                    .array();
            table.setRequiresGradient(true);
            // Repeated ids (5 three times, 2 in every row) sum several rows of the output gradient into one row.
            long[] idValues = {2, 5, 9, 5, 3, 2, 7, 5, 11, 3};
            emb.trackWordRows(true);
            float[][] grads = new float[2][];
            boolean[] sparse = new boolean[2];
            for (int pass = 0; pass < 2; pass++) {
                try (NDManager bm = m.newSubManager()) {
                    sparse[pass] = BertEmbeddings.sparseBackward(table); // the path this pass's lookup takes
                    NDArray ids = bm.create(idValues, new Shape(2, 5));
                    NDArray types = bm.zeros(new Shape(2, 5), ai.djl.ndarray.types.DataType.INT64);
                    NDArray fixed = fixedCoefficients(bm);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        Dropouts.reseed(11);
                        gc.backward(emb.apply(ids, types, true).mul(fixed).sum());
                    }
                    NDArray g = table.getGradient();
                    g.attach(bm);
                    grads[pass] = g.toFloatArray();
                    FloatBuffer view = NativeViews.floats(g);
                    assertTrue(view != null, "the gradient PyTorch keeps is dense");
                    for (int i = 0; i < view.capacity(); i++) {
                        view.put(i, 0f); // as the optimizer leaves it
                    }
                }
            }
            assertFalse(sparse[0], "the first backward creates a dense gradient");
            assertTrue(sparse[1], "later ones are sparse");
            assertArrayEquals(grads[0], grads[1], 0f);
            int nonZeroRows = 0;
            for (int r = 0; r < grads[1].length / 32; r++) {
                boolean any = false;
                for (int j = 0; j < 32; j++) {
                    any |= grads[1][r * 32 + j] != 0f;
                }
                nonZeroRows += any ? 1 : 0;
                assertEquals(any, r == 2 || r == 3 || r == 5 || r == 7 || r == 9 || r == 11, "row " + r);
            }
            assertEquals(6, nonZeroRows);
            BitSet rows = emb.drainWordRows();
            assertEquals("{2, 3, 5, 7, 9, 11}", rows.toString());
            assertTrue(emb.drainWordRows().isEmpty(), "drained");
            emb.trackWordRows(false);
        }
    }

    /** Output-gradient coefficients that differ per position and feature, the same on every call. */
    private static NDArray fixedCoefficients(NDManager m) {
        float[] c = new float[2 * 5 * 32];
        for (int i = 0; i < c.length; i++) {
            c[i] = (float) Math.sin(1.7 * i + 0.3);
        }
        return m.create(c, new Shape(2, 5, 32));
    }
}
