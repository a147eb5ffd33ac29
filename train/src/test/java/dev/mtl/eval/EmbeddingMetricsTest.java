package dev.mtl.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mtl.eval.EmbeddingMetrics.RetrievalReport;
import dev.mtl.eval.EmbeddingMetrics.SimilarityReport;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EmbeddingMetricsTest {
    private static final double EPS = 1e-12;

    /**
     * Twelve 2-D candidates whose cosine with the query (1, 0) falls strictly from p0 to p11, so that
     * query ranks p_j at j + 1. With the query (0, 3), p5 = (1, 2) and p7 = (-1, 2) tie exactly at 2/√5.
     */
    private static final float[][] POOL = {
        {1, 0}, {4, 1}, {3, 1}, {2, 1}, {1, 1}, {1, 2}, {0, 1}, {-1, 2}, {-1, 1}, {-2, 1}, {-3, 1}, {-1, 0}
    };

    @Test
    void cosineOfHandMadeVectors() {
        assertEquals(0.6, EmbeddingMetrics.cosine(new float[] {3, 4}, new float[] {5, 0}), EPS);
        assertEquals(-1.0, EmbeddingMetrics.cosine(new float[] {1, -2, 3}, new float[] {-2, 4, -6}), EPS);
        assertEquals(0.0, EmbeddingMetrics.cosine(new float[] {0, 1}, new float[] {1, 0}));
        assertEquals(0.0, EmbeddingMetrics.cosine(new float[] {0, 0}, new float[] {1, 0}), "zero vector is 0, not NaN");
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> EmbeddingMetrics.cosine(new float[] {1, 2}, new float[] {1, 2, 3}));
        assertEquals("vectors of 2 and 3 dimensions", e.getMessage());
    }

    /**
     * x = [1, 2, 2, 3] ranks to [1, 2.5, 2.5, 4]; y = [1, 3, 2, 4] to [1, 3, 2, 4]. Both rank means 2.5:
     * deviations [-1.5, 0, 0, 1.5] and [-1.5, 0.5, -0.5, 1.5]; Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5, so
     * rho = 4.5 / √(4.5 · 5) = √0.9. Pearson on the raw values: means 2 and 2.5, Σdxdy = 3, Σdx² = 2,
     * Σdy² = 5, r = 3 / √10, which is also √0.9 here (scipy agrees on both: 0.9486832980505138).
     */
    @Test
    void tiedValuesShareTheirAverageRank() {
        double[] x = {1, 2, 2, 3};
        double[] y = {1, 3, 2, 4};
        assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, EmbeddingMetrics.ranks(x));
        assertEquals(Math.sqrt(0.9), EmbeddingMetrics.spearman(x, y), EPS);
        assertEquals(3 / Math.sqrt(10), EmbeddingMetrics.pearson(x, y), EPS);
    }

    /**
     * x = [1, 2, 2, 10] has the ranks of [1, 2, 2, 3], so rho stays √0.9. Pearson moves: mean 3.75,
     * deviations [-2.75, -1.75, -1.75, 6.25], Σdxdy = 13.5, Σdx² = 52.75, r = 13.5 / √(52.75 · 5) = 27 / √1055.
     */
    @Test
    void spearmanIgnoresMagnitudesPearsonDoesNot() {
        double[] x = {1, 2, 2, 10};
        double[] y = {1, 3, 2, 4};
        assertEquals(Math.sqrt(0.9), EmbeddingMetrics.spearman(x, y), EPS);
        assertEquals(27 / Math.sqrt(1055), EmbeddingMetrics.pearson(x, y), EPS);
    }

    /** Ties on purpose (small integers) and none (Gaussians, checked with rho = 1 - 6Σd² / (n(n² - 1))). */
    @Test
    void matchesBruteForceOnRandomData() {
        Random random = new Random(42);
        for (int trial = 0; trial < 200; trial++) {
            int n = 2 + random.nextInt(30);
            double[] x = new double[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = random.nextInt(6);
                y[i] = random.nextInt(4) + 0.5 * x[i];
            }
            assertEquals(bruteForcePearson(x, y), EmbeddingMetrics.pearson(x, y), 1e-9, "pearson, trial " + trial);
            assertEquals(
                    bruteForcePearson(bruteForceRanks(x), bruteForceRanks(y)),
                    EmbeddingMetrics.spearman(x, y),
                    1e-9,
                    "spearman, trial " + trial);

            for (int i = 0; i < n; i++) {
                x[i] = random.nextGaussian();
                y[i] = x[i] + random.nextGaussian();
            }
            double[] rx = bruteForceRanks(x);
            double[] ry = bruteForceRanks(y);
            double d2 = 0;
            for (int i = 0; i < n; i++) {
                d2 += (rx[i] - ry[i]) * (rx[i] - ry[i]);
            }
            assertEquals(1 - 6 * d2 / (n * ((double) n * n - 1)), EmbeddingMetrics.spearman(x, y), 1e-9);
            assertEquals(bruteForcePearson(x, y), EmbeddingMetrics.pearson(x, y), 1e-9);
        }
    }

    /** x³ is monotone but not linear: Spearman sees perfect order, Pearson only with a linear map. */
    @Test
    void perfectAndReversedOrder() {
        double[] x = {-2, 0.5, 1, 3, 7};
        double[] cubes = {-8, 0.125, 1, 27, 343};
        double[] reversedCubes = {8, -0.125, -1, -27, -343};
        assertEquals(1.0, EmbeddingMetrics.spearman(x, cubes), EPS);
        assertEquals(-1.0, EmbeddingMetrics.spearman(x, reversedCubes), EPS);
        assertEquals(1.0, EmbeddingMetrics.pearson(x, new double[] {-3, 2, 3, 7, 15}), EPS); // 2x + 1
        assertEquals(-1.0, EmbeddingMetrics.pearson(x, new double[] {6, -1.5, -3, -9, -21}), EPS); // -3x
    }

    /** 0.1 three times has a mean that is not 0.1 in binary: the constant must still be caught, as scipy does. */
    @Test
    void constantInputIsNaN() {
        double[] constant = {0.1, 0.1, 0.1};
        double[] varying = {1, 2, 3};
        assertEquals(Double.NaN, EmbeddingMetrics.pearson(constant, varying));
        assertEquals(Double.NaN, EmbeddingMetrics.pearson(varying, constant));
        assertEquals(Double.NaN, EmbeddingMetrics.spearman(constant, varying));
        assertEquals(Double.NaN, EmbeddingMetrics.spearman(varying, constant));
    }

    @Test
    void badLengthsAreRejected() {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> EmbeddingMetrics.pearson(new double[] {1, 2, 3}, new double[] {1, 2}));
        assertEquals("x has 3 values, y has 2", e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class, () -> EmbeddingMetrics.spearman(new double[] {1}, new double[] {2}));
        assertEquals("need at least 2 points for a correlation, got 1", e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> EmbeddingMetrics.similarity(new float[2][2], new float[2][2], new double[3]));
        assertEquals("pair counts differ: 2 a, 2 b, 3 gold", e.getMessage());
    }

    /**
     * Cosines c = [1, 4/5, 3/5, 0, 0] (the last 0 from a zero vector) against gold g = [5, 3, 4, 1, 0].
     * Ranks [5, 4, 3, 1.5, 1.5] and [5, 3, 4, 2, 1], deviations from 3: Σdxdy = 8.5, Σdx² = 9.5, Σdy² = 10,
     * rho = 8.5 / √95. Pearson: 25·dc = [13, 8, 3, -12, -12], 5·dg = [12, 2, 7, -8, -13], so
     * r = 445 / √(530 · 430). scipy: 0.8720815992723809 and 0.9321543881903651.
     */
    @Test
    void similarityCorrelatesCosinesWithGold() {
        float[][] a = {{1, 0}, {4, 3}, {3, 4}, {0, 1}, {0, 0}};
        float[][] b = {{2, 0}, {1, 0}, {5, 0}, {1, 0}, {1, 0}};
        SimilarityReport r = EmbeddingMetrics.similarity(a, b, new double[] {5, 3, 4, 1, 0});
        assertEquals(5, r.pairs());
        assertEquals(8.5 / Math.sqrt(95), r.spearman(), EPS);
        assertEquals(445 / Math.sqrt(530 * 430), r.pearson(), EPS);
        assertEquals(
                List.of("pairs", "spearman", "pearson"), List.copyOf(r.toMap().keySet()));
        assertEquals(Map.of("pairs", 5, "spearman", r.spearman(), "pearson", r.pearson()), r.toMap());
    }

    /**
     * Ranks: (1, 0) → p10 is 11th of 12; (2, 0) → p0 is 1st (length does not matter); (0, 3) → p5 is 3rd,
     * behind p6 and the tied p7; (1, 0) → p9 is 10th. MRR@10 = (0 + 1 + 1/3 + 1/10) / 4 = 43/120,
     * recall@1 = 1/4, recall@10 = 3/4 (rank 11 is out of both).
     */
    @Test
    void retrievalOfHandMadeRanks() {
        float[][] queries = {{1, 0}, {2, 0}, {0, 3}, {1, 0}};
        int[] correct = {10, 0, 5, 9};
        int[] expectedRanks = {11, 1, 3, 10};
        for (int i = 0; i < queries.length; i++) {
            assertEquals(expectedRanks[i], EmbeddingMetrics.rank(queries[i], POOL, correct[i]), "query " + i);
        }
        RetrievalReport r = EmbeddingMetrics.retrieval(queries, POOL, correct);
        assertEquals(4, r.queries());
        assertEquals(12, r.poolSize());
        assertEquals(43.0 / 120, r.mrrAt10(), EPS);
        assertEquals(0.25, r.recallAt1(), EPS);
        assertEquals(0.75, r.recallAt10(), EPS);
        assertEquals(
                List.of("queries", "pool", "mrr@10", "recall@1", "recall@10"),
                List.copyOf(r.toMap().keySet()));
        assertEquals(12, r.toMap().get("pool"));
        assertEquals(0.75, r.toMap().get("recall@10"));
    }

    /** The 11th-ranked query alone scores 0 everywhere: past the cut-off MRR adds nothing, not 1/11. */
    @Test
    void rankBeyondTenScoresZero() {
        RetrievalReport r = EmbeddingMetrics.retrieval(new float[][] {{1, 0}}, POOL, new int[] {10});
        assertEquals(new RetrievalReport(1, 12, 0.0, 0.0, 0.0), r);
    }

    /** Whichever of the tied pair is correct, the other ranks ahead; a collapsed pool ranks last. */
    @Test
    void tiesRankAheadOfTheCorrectItem() {
        float[] up = {0, 3};
        assertEquals(3, EmbeddingMetrics.rank(up, POOL, 5));
        assertEquals(3, EmbeddingMetrics.rank(up, POOL, 7));
        assertEquals(
                1.0 / 3,
                EmbeddingMetrics.retrieval(new float[][] {up}, POOL, new int[] {7})
                        .mrrAt10(),
                EPS);
        float[][] collapsed = {{1, 1}, {2, 2}, {3, 3}};
        assertEquals(3, EmbeddingMetrics.rank(new float[] {1, 0}, collapsed, 0));
    }

    @Test
    void badIndicesAndCountsAreRejected() {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> EmbeddingMetrics.retrieval(new float[][] {{1, 0}, {0, 1}}, POOL, new int[] {0, 12}));
        assertEquals("correct[1] is 12, expected an index in [0, 12)", e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> EmbeddingMetrics.retrieval(new float[][] {{1, 0}}, POOL, new int[] {0, 1}));
        assertEquals("1 queries for 2 correct indices", e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> EmbeddingMetrics.retrieval(new float[][] {{1, 0}}, new float[0][], new int[] {0}));
        assertEquals("need at least one query and one pool item, got 1 and 0", e.getMessage());
    }

    /** Textbook single-pass formula, independent of the two-pass one under test; NaN for a constant side. */
    private static double bruteForcePearson(double[] x, double[] y) {
        int n = x.length;
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        for (int i = 0; i < n; i++) {
            sx += x[i];
            sy += y[i];
            sxx += x[i] * x[i];
            syy += y[i] * y[i];
            sxy += x[i] * y[i];
        }
        double varX = n * sxx - sx * sx;
        double varY = n * syy - sy * sy;
        return varX == 0 || varY == 0 ? Double.NaN : (n * sxy - sx * sy) / Math.sqrt(varX * varY);
    }

    /** Rank = values below + (values equal, itself included, + 1) / 2: the average of the ranks a tie spans. */
    private static double[] bruteForceRanks(double[] v) {
        double[] ranks = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            int below = 0;
            int equal = 0;
            for (double w : v) {
                below += w < v[i] ? 1 : 0;
                equal += w == v[i] ? 1 : 0;
            }
            ranks[i] = below + (equal + 1) / 2.0;
        }
        return ranks;
    }
}
