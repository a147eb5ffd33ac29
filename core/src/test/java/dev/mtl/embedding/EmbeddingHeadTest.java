package dev.mtl.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mtl.Engines;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.Pooling;
import dev.mtl.model.LayerNormModule;
import dev.mtl.model.ParameterTable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tier 1: pooling, LayerNorm and L2 on hand-computed cases. */
class EmbeddingHeadTest {

    static NDManager manager;

    @BeforeAll
    static void start() {
        manager = Engines.newManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /** Two sequences of different lengths: row 0 has 3 real tokens, row 1 has 1 (then padding). */
    private NDArray hidden() {
        float[] h = {
            1, 2, /**/ 3, 4, /**/ 5, 9, /**/ 100, 100, // row 0: last position is padding
            7, -1, /**/ 50, 50, /**/ 60, 60, /**/ 70, 70 // row 1: only the first is real
        };
        return manager.create(h, new Shape(2, 4, 2));
    }

    private NDArray mask() {
        return manager.create(new long[] {1, 1, 1, 0, 1, 0, 0, 0}, new Shape(2, 4));
    }

    private static EmbeddingHead head(Pooling p, boolean normalize) {
        return new EmbeddingHead(new EmbeddingConfig(p, 0, false, normalize), 2, 1e-12);
    }

    @Test
    void meanPoolingIgnoresPadding() {
        float[] pooled = new Pooler(Pooling.MEAN).pool(hidden(), mask()).toFloatArray();
        assertArrayEquals(new float[] {3, 5, 7, -1}, pooled, 1e-6f);
    }

    @Test
    void clsPoolingTakesTheFirstToken() {
        float[] pooled = new Pooler(Pooling.CLS).pool(hidden(), mask()).toFloatArray();
        assertArrayEquals(new float[] {1, 2, 7, -1}, pooled, 1e-6f);
    }

    @Test
    void maxPoolingIgnoresPadding() {
        float[] pooled = new Pooler(Pooling.MAX).pool(hidden(), mask()).toFloatArray();
        assertArrayEquals(new float[] {5, 9, 7, -1}, pooled, 1e-6f);
    }

    @Test
    void l2NormalizationGivesUnitRows() {
        float[] n = EmbeddingHead.l2Normalize(manager.create(new float[] {3, 4, 0, 0}, new Shape(2, 2)))
                .toFloatArray();
        // The zero row stays zero: the norm is clamped to eps, as in torch.nn.functional.normalize.
        assertArrayEquals(new float[] {0.6f, 0.8f, 0, 0}, n, 1e-6f);
    }

    @Test
    void layerNormOfHandComputedRow() {
        LayerNormModule ln = new LayerNormModule(4, 1e-12);
        ParameterTable.of(ln, "").initializeMissing(manager); // weight 1, bias 0
        float[] y = ln.apply(manager.create(new float[] {1, 3, 2, 4}, new Shape(1, 4)))
                .toFloatArray();
        // mean 2.5, biased variance 1.25, so y = (x - 2.5) / sqrt(1.25)
        float s = (float) Math.sqrt(1.25);
        assertArrayEquals(new float[] {-1.5f / s, 0.5f / s, -0.5f / s, 1.5f / s}, y, 1e-5f);
    }

    @Test
    void layerNormWithEqualSpreadGivesPlusMinusOne() {
        LayerNormModule ln = new LayerNormModule(4, 1e-12);
        ParameterTable.of(ln, "").initializeMissing(manager);
        float[] y = ln.apply(manager.create(new float[] {1, 3, 1, 3}, new Shape(1, 4)))
                .toFloatArray();
        assertArrayEquals(new float[] {-1, 1, -1, 1}, y, 1e-5f);
    }

    @Test
    void projectionAndLayerNormChangeTheDimension() {
        EmbeddingHead h = new EmbeddingHead(new EmbeddingConfig(Pooling.MEAN, 3, true, true), 2, 1e-12);
        ParameterTable t = ParameterTable.of(h, "embedding.");
        t.initializeMissing(manager);
        assertArrayEquals(
                new String[] {
                    "embedding.projection.weight",
                    "embedding.projection.bias",
                    "embedding.LayerNorm.weight",
                    "embedding.LayerNorm.bias"
                },
                t.params().keySet().toArray());
        float[] e = h.forward(new Pooler(Pooling.MEAN).pool(hidden(), mask()), false)
                .toFloatArray();
        for (int row = 0; row < 2; row++) {
            double norm = 0;
            for (int j = 0; j < 3; j++) {
                norm += e[row * 3 + j] * e[row * 3 + j];
            }
            org.junit.jupiter.api.Assertions.assertEquals(1.0, Math.sqrt(norm), 1e-5);
        }
    }

    @Test
    void aSquareProjectionStartsAsTheIdentity() {
        EmbeddingHead plain = head(Pooling.MEAN, true);
        EmbeddingHead projected = new EmbeddingHead(new EmbeddingConfig(Pooling.MEAN, 2, false, true), 2, 1e-12);
        ParameterTable.of(projected, "embedding.").initializeMissing(manager);
        NDArray pooled = new Pooler(Pooling.MEAN).pool(hidden(), mask());
        assertArrayEquals(
                plain.forward(pooled, false).toFloatArray(),
                projected.forward(pooled, false).toFloatArray(),
                0f,
                "a new square projection changes nothing");
    }
}
