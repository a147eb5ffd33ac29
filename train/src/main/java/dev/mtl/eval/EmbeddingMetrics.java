package dev.mtl.eval;

import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metrics for sentence embeddings on plain Java arrays: cosine similarity, Pearson and Spearman
 * correlation as scipy.stats computes them, semantic-similarity scores against gold ratings (STS-B style,
 * as sentence-transformers' {@code EmbeddingSimilarityEvaluator}) and retrieval MRR@10 / recall@k of a
 * query's one correct item in a pool. Not for batched tensors: copy embeddings to {@code float[]} first.
 */
public final class EmbeddingMetrics {
    /** MRR's cut-off, the one MS MARCO and sentence-transformers' retrieval evaluator report. */
    static final int MRR_CUTOFF = 10;

    /** The wider recall cut-off, matching MRR's: recall@1 alone cannot tell "close" from "lost". */
    static final int WIDE_RECALL_CUTOFF = 10;

    private EmbeddingMetrics() {}

    /** Semantic similarity of {@code pairs} embedding pairs: correlations of their cosines with gold scores. */
    public record SimilarityReport(int pairs, double spearman, double pearson) {
        /** Ordered keys {@code pairs}, {@code spearman}, {@code pearson}; correlations in [-1, 1], NaN if undefined. */
        public Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("pairs", pairs);
            map.put("spearman", spearman);
            map.put("pearson", pearson);
            return map;
        }
    }

    /** Retrieval of each query's correct item among {@code poolSize} candidates; scores are fractions in [0, 1]. */
    public record RetrievalReport(int queries, int poolSize, double mrrAt10, double recallAt1, double recallAt10) {
        /** Ordered keys {@code queries}, {@code pool}, {@code mrr@10}, {@code recall@1}, {@code recall@10}. */
        public Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("queries", queries);
            map.put("pool", poolSize);
            map.put("mrr@10", mrrAt10);
            map.put("recall@1", recallAt1);
            map.put("recall@10", recallAt10);
            return map;
        }
    }

    /** Cosine similarity, accumulated in double; 0 when either vector is all zero (no direction to compare). */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of " + a.length + " and " + b.length + " dimensions");
        }
        double dot = 0;
        double normA = 0;
        double normB = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            normA += (double) a[i] * a[i];
            normB += (double) b[i] * b[i];
        }
        return normA == 0 || normB == 0 ? 0.0 : dot / (Math.sqrt(normA) * Math.sqrt(normB));
    }

    /**
     * Pearson's r, as {@code scipy.stats.pearsonr}: NaN when either side is constant, clipped to [-1, 1]
     * against rounding.
     */
    public static double pearson(double[] x, double[] y) {
        checkPoints(x, y);
        // Tested exactly, as scipy does: the mean of equal values can round away from them, so a
        // zero-variance test on deviations could miss a constant input and return noise.
        if (isConstant(x) || isConstant(y)) {
            return Double.NaN;
        }
        double meanX = mean(x);
        double meanY = mean(y);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            double dx = x[i] - meanX;
            double dy = y[i] - meanY;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return Math.max(-1.0, Math.min(1.0, sxy / Math.sqrt(sxx * syy)));
    }

    /**
     * Spearman's rho, as {@code scipy.stats.spearmanr}: Pearson of the ranks, tied values sharing their
     * average rank; NaN when either side is constant or contains NaN.
     */
    public static double spearman(double[] x, double[] y) {
        checkPoints(x, y);
        if (hasNaN(x) || hasNaN(y)) {
            return Double.NaN; // scipy's default nan_policy: a NaN would otherwise take a rank like a number
        }
        return pearson(ranks(x), ranks(y));
    }

    /**
     * Cosine of each pair {@code (a[i], b[i])} correlated with {@code gold[i]}, as sentence-transformers'
     * {@code EmbeddingSimilarityEvaluator} scores STS-B (which reports Spearman as its main score).
     */
    public static SimilarityReport similarity(float[][] a, float[][] b, double[] gold) {
        if (a.length != b.length || a.length != gold.length) {
            throw new IllegalArgumentException(
                    "pair counts differ: " + a.length + " a, " + b.length + " b, " + gold.length + " gold");
        }
        double[] cosines = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            cosines[i] = cosine(a[i], b[i]);
        }
        return new SimilarityReport(a.length, spearman(cosines, gold), pearson(cosines, gold));
    }

    /**
     * Ranks the whole pool by cosine for each query; {@code pool[correct[i]]} is query i's one correct item.
     * Ties are pessimistic: a candidate scoring exactly as the correct item ranks ahead of it, so a
     * collapsed encoder scoring everything alike gets no credit (duplicates in the pool cost rank too).
     */
    public static RetrievalReport retrieval(float[][] queries, float[][] pool, int[] correct) {
        if (queries.length != correct.length) {
            throw new IllegalArgumentException(queries.length + " queries for " + correct.length + " correct indices");
        }
        if (queries.length == 0 || pool.length == 0) {
            throw new IllegalArgumentException(
                    "need at least one query and one pool item, got " + queries.length + " and " + pool.length);
        }
        double reciprocalSum = 0;
        int top1 = 0;
        int top10 = 0;
        for (int i = 0; i < queries.length; i++) {
            if (correct[i] < 0 || correct[i] >= pool.length) {
                throw new IllegalArgumentException(
                        "correct[" + i + "] is " + correct[i] + ", expected an index in [0, " + pool.length + ")");
            }
            int rank = rank(queries[i], pool, correct[i]);
            reciprocalSum += rank <= MRR_CUTOFF ? 1.0 / rank : 0.0;
            top1 += rank == 1 ? 1 : 0;
            top10 += rank <= WIDE_RECALL_CUTOFF ? 1 : 0;
        }
        int n = queries.length;
        return new RetrievalReport(n, pool.length, reciprocalSum / n, (double) top1 / n, (double) top10 / n);
    }

    /** 1-based rank of {@code pool[correct]} for {@code query}, ties counted ahead of it. */
    static int rank(float[] query, float[][] pool, int correct) {
        double target = cosine(query, pool[correct]);
        int rank = 1;
        for (int j = 0; j < pool.length; j++) {
            // !(s < target) rather than s >= target: a NaN on either side counts ahead, never in favour
            if (j != correct && !(cosine(query, pool[j]) < target)) {
                rank++;
            }
        }
        return rank;
    }

    /** 1-based ranks, tied values sharing the mean of the ranks they span (scipy's {@code rankdata}). */
    static double[] ranks(double[] values) {
        Integer[] order = new Integer[values.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
        double[] ranks = new double[values.length];
        for (int start = 0; start < order.length; ) {
            int end = start + 1;
            while (end < order.length && values[order[end]] == values[order[start]]) {
                end++;
            }
            double averageRank = (start + 1 + end) / 2.0; // mean of start+1 .. end
            for (int k = start; k < end; k++) {
                ranks[order[k]] = averageRank;
            }
            start = end;
        }
        return ranks;
    }

    private static void checkPoints(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("x has " + x.length + " values, y has " + y.length);
        }
        if (x.length < 2) {
            throw new IllegalArgumentException("need at least 2 points for a correlation, got " + x.length);
        }
    }

    private static boolean isConstant(double[] v) {
        for (double d : v) {
            if (d != v[0]) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasNaN(double[] v) {
        for (double d : v) {
            if (Double.isNaN(d)) {
                return true;
            }
        }
        return false;
    }

    private static double mean(double[] v) {
        double sum = 0;
        for (double d : v) {
            sum += d;
        }
        return sum / v.length;
    }
}
