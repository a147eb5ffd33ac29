package dev.mtl.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.mtl.Engines;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each embedding loss against a reference written here in double precision with plain loops over
 * pairs and anchors: values, gradients (central differences of the reference) and the degenerate
 * batches training meets (ties, no positives, duplicate rows).
 */
class EmbeddingLossesTest {
    private static final int B = 6;
    private static final int E = 4;
    private static final float SCALE = EmbeddingLosses.DEFAULT_SCALE;
    private static final float TAU = EmbeddingLosses.DEFAULT_TEMPERATURE;
    private static final float MARGIN = EmbeddingLosses.DEFAULT_MARGIN;
    /** Label 0 three times, 1 twice, 2 once: an anchor with two positives, one with none. */
    private static final int[] LABELS = {0, 1, 0, 2, 1, 0};
    /** Two ties (rows 0 and 3, rows 1 and 5): tied pairs must add nothing to CoSENT. */
    private static final float[] SCORES = {0.5f, 0.1f, 0.9f, 0.5f, -0.2f, 0.1f};

    private static final double VALUE_RELATIVE_TOLERANCE = 1e-5;
    private static final double GRADIENT_RELATIVE_TOLERANCE = 1e-3;
    private static final double FD_STEP = 1e-3;

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = Engines.newManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    /** A loss in NDArray ops of its embedding inputs. */
    private interface NdLoss {
        NDArray apply(NDArray[] x);
    }

    /** The same loss's Java reference. */
    private interface JavaLoss {
        double apply(double[][][] x);
    }

    /** Float32-representable rows of norms 0.5 to 3, so normalisation matters. */
    private static double[][] rows(Random random, int n) {
        double[][] x = new double[n][E];
        for (double[] row : x) {
            double norm = 0.5 + 2.5 * random.nextDouble();
            for (int k = 0; k < E; k++) {
                row[k] = (float) (norm * random.nextGaussian() / 2);
            }
        }
        return x;
    }

    private NDArray array(double[][] x) {
        return array(manager, x);
    }

    private static NDArray array(NDManager m, double[][] x) {
        float[] flat = new float[x.length * E];
        for (int i = 0; i < x.length; i++) {
            for (int k = 0; k < E; k++) {
                flat[i * E + k] = (float) x[i][k];
            }
        }
        return m.create(flat, new Shape(x.length, E));
    }

    private NDArray[] arrays(double[][]... x) {
        NDArray[] a = new NDArray[x.length];
        for (int i = 0; i < x.length; i++) {
            a[i] = array(x[i]);
        }
        return a;
    }

    private void assertValue(double expected, NDArray loss, String what) {
        assertEquals(0, loss.getShape().dimension(), what + " is a scalar");
        assertEquals(expected, loss.getFloat(), VALUE_RELATIVE_TOLERANCE * Math.max(1, Math.abs(expected)), what);
    }

    /** Autograd's gradient of every input coordinate against central differences of the reference. */
    private void assertGradient(String what, NdLoss loss, JavaLoss reference, double[][]... inputs) {
        NDArray[] x = arrays(inputs);
        for (NDArray a : x) {
            a.setRequiresGradient(true);
        }
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(loss.apply(x));
        }
        for (int k = 0; k < x.length; k++) {
            float[] g = x[k].getGradient().toFloatArray();
            double[] fd = new double[g.length];
            double largest = 0;
            for (int i = 0; i < inputs[k].length; i++) {
                for (int c = 0; c < E; c++) {
                    double saved = inputs[k][i][c];
                    inputs[k][i][c] = saved + FD_STEP;
                    double plus = reference.apply(inputs);
                    inputs[k][i][c] = saved - FD_STEP;
                    double minus = reference.apply(inputs);
                    inputs[k][i][c] = saved;
                    fd[i * E + c] = (plus - minus) / (2 * FD_STEP);
                    largest = Math.max(largest, Math.abs(fd[i * E + c]));
                }
            }
            assertTrue(largest > 1e-2, what + ": input " + k + " has a gradient to compare");
            for (int j = 0; j < g.length; j++) {
                // Relative, with a floor for components near zero, where float32 rounding dominates.
                double tolerance = GRADIENT_RELATIVE_TOLERANCE * (Math.abs(fd[j]) + 1e-2 * largest);
                assertEquals(fd[j], g[j], tolerance, what + ": d/d input " + k + " row " + j / E + " col " + j % E);
            }
        }
    }

    private static void assertFiniteAndZero(float[] g, boolean zero, String what) {
        for (float v : g) {
            assertTrue(Float.isFinite(v), what + ": finite gradient " + v);
        }
        if (zero) {
            assertArrayEquals(new float[g.length], g, 0f, what + ": zero gradient");
        }
    }

    // ---- CoSENT and cosine MSE ----

    @Test
    void cosentSumsOverOrderedPairsOnly() {
        Random random = new Random(1);
        double[][] a = rows(random, B);
        double[][] b = rows(random, B);
        NDArray loss = EmbeddingLosses.cosent(array(a), array(b), SCORES, SCALE);
        assertValue(BruteForceLosses.cosent(a, b, SCORES), loss, "CoSENT");
        assertTrue(loss.getFloat() > 1, "random pairs are far from the gold order");
        assertGradient(
                "CoSENT",
                x -> EmbeddingLosses.cosent(x[0], x[1], SCORES, SCALE),
                x -> BruteForceLosses.cosent(x[0], x[1], SCORES),
                a,
                b);
    }

    @Test
    void cosentIsZeroWithZeroGradientWhenAllScoresTie() {
        Random random = new Random(2);
        NDArray a = array(rows(random, B));
        NDArray b = array(rows(random, B));
        a.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = EmbeddingLosses.cosent(a, b, new float[] {0.3f, 0.3f, 0.3f, 0.3f, 0.3f, 0.3f}, SCALE);
            assertEquals(0f, loss.getFloat(), 0f, "log(1)");
            gc.backward(loss);
        }
        assertFiniteAndZero(a.getGradient().toFloatArray(), true, "CoSENT with ties only");
    }

    @Test
    void cosineMseIsTheMeanSquaredErrorOfTheCosines() {
        Random random = new Random(3);
        double[][] a = rows(random, B);
        double[][] b = rows(random, B);
        assertValue(
                BruteForceLosses.cosineMse(a, b, SCORES),
                EmbeddingLosses.cosineMse(array(a), array(b), SCORES),
                "cosine MSE");
        assertGradient(
                "cosine MSE",
                x -> EmbeddingLosses.cosineMse(x[0], x[1], SCORES),
                x -> BruteForceLosses.cosineMse(x[0], x[1], SCORES),
                a,
                b);
    }

    // ---- multiple negatives ranking ----

    @Test
    void multipleNegativesRankingWithoutHardNegatives() {
        Random random = new Random(4);
        double[][] a = rows(random, B);
        double[][] p = rows(random, B);
        for (boolean symmetric : new boolean[] {false, true}) {
            assertValue(
                    BruteForceLosses.mnrl(a, p, null, symmetric),
                    EmbeddingLosses.multipleNegativesRanking(array(a), array(p), null, SCALE, symmetric),
                    "MNRL symmetric=" + symmetric);
            assertGradient(
                    "MNRL symmetric=" + symmetric,
                    x -> EmbeddingLosses.multipleNegativesRanking(x[0], x[1], null, SCALE, symmetric),
                    x -> BruteForceLosses.mnrl(x[0], x[1], null, symmetric),
                    a,
                    p);
        }
    }

    @Test
    void multipleNegativesRankingWithHardNegatives() {
        Random random = new Random(5);
        double[][] a = rows(random, B);
        double[][] p = rows(random, B);
        double[][] n = rows(random, B + 2); // not one per anchor: any number of negatives joins the candidates
        for (boolean symmetric : new boolean[] {false, true}) {
            double expected = BruteForceLosses.mnrl(a, p, n, symmetric);
            assertValue(
                    expected,
                    EmbeddingLosses.multipleNegativesRanking(array(a), array(p), array(n), SCALE, symmetric),
                    "MNRL with negatives, symmetric=" + symmetric);
            assertTrue(expected > BruteForceLosses.mnrl(a, p, null, symmetric), "more candidates, harder choice");
            assertGradient(
                    "MNRL with negatives, symmetric=" + symmetric,
                    x -> EmbeddingLosses.multipleNegativesRanking(x[0], x[1], x[2], SCALE, symmetric),
                    x -> BruteForceLosses.mnrl(x[0], x[1], x[2], symmetric),
                    a,
                    p,
                    n);
        }
    }

    // ---- supervised contrastive ----

    @Test
    void supervisedContrastiveAveragesOverAnchorsWithPositives() {
        Random random = new Random(6);
        double[][] e = rows(random, B);
        assertValue(
                BruteForceLosses.supCon(e, LABELS),
                EmbeddingLosses.supervisedContrastive(array(e), LABELS, TAU),
                "SupCon");
        assertGradient(
                "SupCon",
                x -> EmbeddingLosses.supervisedContrastive(x[0], LABELS, TAU),
                x -> BruteForceLosses.supCon(x[0], LABELS),
                e);
    }

    @Test
    void supervisedContrastiveIsZeroWhenNoAnchorHasAPositive() {
        NDArray e = array(rows(new Random(7), B));
        e.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = EmbeddingLosses.supervisedContrastive(e, new int[] {0, 1, 2, 3, 4, 5}, TAU);
            assertEquals(0f, loss.getFloat(), 0f);
            gc.backward(loss); // throws unless the zero is still part of the graph
        }
        assertFiniteAndZero(e.getGradient().toFloatArray(), true, "SupCon without positives");
    }

    // ---- batch-hard triplet ----

    @Test
    void batchHardTripletTakesTheFarthestPositiveAndNearestNegative() {
        Random random = new Random(8);
        double[][] e = rows(random, B);
        NDArray loss = EmbeddingLosses.batchHardTriplet(array(e), LABELS, MARGIN);
        assertValue(BruteForceLosses.batchHard(e, LABELS), loss, "batch-hard triplet");
        assertTrue(loss.getFloat() > 0, "some anchors violate the margin");
        assertGradient(
                "batch-hard triplet",
                x -> EmbeddingLosses.batchHardTriplet(x[0], LABELS, MARGIN),
                x -> BruteForceLosses.batchHard(x[0], LABELS),
                e);
    }

    @Test
    void batchHardTripletHasFiniteGradientsForIdenticalRows() {
        double[][] e = rows(new Random(9), B);
        e[2] = e[0].clone(); // same label: a zero positive distance
        for (int k = 0; k < E; k++) {
            e[4][k] = (float) (3 * e[3][k]); // labels 1 and 2: after normalisation, a zero negative distance
        }
        NDArray x = array(e);
        x.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = EmbeddingLosses.batchHardTriplet(x, LABELS, MARGIN);
            assertValue(BruteForceLosses.batchHard(e, LABELS), loss, "batch-hard triplet with duplicates");
            gc.backward(loss);
        }
        assertFiniteAndZero(x.getGradient().toFloatArray(), false, "batch-hard triplet with duplicates");
    }

    // ---- native memory ----

    @Test
    void everyLossLivesInItsInputsManager() {
        Random random = new Random(10);
        try (NDManager batch = manager.newSubManager()) {
            NDArray a = array(batch, rows(random, B));
            NDArray p = array(batch, rows(random, B));
            for (NDArray loss : List.of(
                    EmbeddingLosses.cosent(a, p, SCORES, SCALE),
                    EmbeddingLosses.cosineMse(a, p, SCORES),
                    EmbeddingLosses.multipleNegativesRanking(a, p, p, SCALE, true),
                    EmbeddingLosses.supervisedContrastive(a, LABELS, TAU),
                    EmbeddingLosses.batchHardTriplet(a, LABELS, MARGIN))) {
                assertSame(batch, loss.getManager());
            }
            assertTrue(batch.getManagedArrays().size() > 2, "intermediates are in the batch's manager");
            assertEquals(
                    batch.getManagedArrays().size(), manager.getManagedArrays().size(), "and none in its parent");
        }
    }
}
