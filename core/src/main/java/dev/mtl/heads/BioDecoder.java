package dev.mtl.heads;

/**
 * Decodes per-token label scores of a softmax NER head into the best <em>valid</em> BIO path, and
 * reports how confident the head was in it.
 *
 * <p>Shapes: {@code T} positions, {@code L} labels; scores are {@code (T, L)}. The path score is
 * the sum of its per-position scores, so log-softmax values give the most probable valid path.
 * Raw logits give the same path, because log-softmax only subtracts one constant per position,
 * which every path pays equally. Not for: CRF heads, which have transition scores (see
 * {@link CrfDecoder}), nor for turning paths into entities (see {@link Entities}).
 */
public final class BioDecoder {
    private BioDecoder() {}

    /**
     * The highest-scoring path whose labels form a valid IOB2 sequence under
     * {@link TagSet#allowedStart} and {@link TagSet#allowed}.
     *
     * <p>Ties go to the lexicographically smallest path (lowest label index first, from position
     * 0): the dynamic programme runs backwards over suffixes, then the path is chosen forwards
     * taking the lowest index among the best. Sums are in double precision.
     *
     * @param scores {@code (T, L)} per-position label scores, e.g. from {@link #logSoftmax}
     * @return {@code T} label indices; empty when {@code T == 0}
     * @throws IllegalArgumentException if a row's length is not {@code tags.size()} or a score is
     *     NaN or +inf
     */
    public static int[] constrainedViterbi(float[][] scores, TagSet tags) {
        int numLabels = tags.size();
        checkScores(scores, numLabels, "scores");
        int len = scores.length;
        int[] path = new int[len];
        if (len == 0) {
            return path;
        }
        // suffix[t][j]: best score of positions t..T-1 with label j at t, over valid continuations
        double[][] suffix = new double[len][numLabels]; // (T, L)
        for (int j = 0; j < numLabels; j++) {
            suffix[len - 1][j] = scores[len - 1][j];
        }
        for (int t = len - 2; t >= 0; t--) {
            for (int j = 0; j < numLabels; j++) {
                double next = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < numLabels; k++) {
                    if (tags.allowed(j, k)) {
                        next = Math.max(next, suffix[t + 1][k]);
                    }
                }
                suffix[t][j] = scores[t][j] + next;
            }
        }
        path[0] = -1;
        for (int j = 0; j < numLabels; j++) {
            if (tags.allowedStart(j) && (path[0] < 0 || suffix[0][j] > suffix[0][path[0]])) {
                path[0] = j;
            }
        }
        for (int t = 1; t < len; t++) {
            path[t] = -1;
            for (int k = 0; k < numLabels; k++) {
                if (tags.allowed(path[t - 1], k) && (path[t] < 0 || suffix[t][k] > suffix[t][path[t]])) {
                    path[t] = k;
                }
            }
        }
        return path;
    }

    /** {@code log(softmax(logits))}, computed in double with the max subtracted so it cannot overflow. */
    public static float[] logSoftmax(float[] logits) {
        double logZ = logSumExp(logits);
        float[] out = new float[logits.length];
        for (int j = 0; j < logits.length; j++) {
            out[j] = (float) (logits[j] - logZ);
        }
        return out;
    }

    /**
     * Per-position confidence: the softmax probability of the chosen label. Accepts logits or
     * log-probabilities alike (softmax ignores a per-row shift).
     *
     * @param logits {@code (T, L)}
     * @param path {@code T} chosen label indices
     * @return {@code T} probabilities in {@code [0, 1]}
     */
    public static double[] confidences(float[][] logits, int[] path) {
        if (logits.length != path.length) {
            throw new IllegalArgumentException(
                    "logits has " + logits.length + " positions but path has " + path.length);
        }
        double[] probs = new double[path.length];
        for (int t = 0; t < path.length; t++) {
            probs[t] = Math.exp(logits[t][path[t]] - logSumExp(logits[t]));
        }
        return probs;
    }

    /**
     * An entity's confidence: the <em>mean</em> of its tokens' {@link #confidences}. The mean, not
     * the minimum, so that one hesitant sub-token does not sink a long entity; callers who want
     * the stricter figure can take the minimum over the same range.
     */
    public static double entityConfidence(double[] confidences, Span span) {
        if (span.end() > confidences.length) {
            throw new IllegalArgumentException("span " + span + " ends after the " + confidences.length + " positions");
        }
        double sum = 0;
        for (int t = span.start(); t < span.end(); t++) {
            sum += confidences[t];
        }
        return sum / span.length();
    }

    static double logSumExp(float[] values) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : values) {
            max = Math.max(max, v);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max; // all -inf: avoid -inf - -inf = NaN
        }
        double sum = 0;
        for (float v : values) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    /** Rejects ragged rows and NaN or +inf entries (-inf is allowed: it marks a masked label). */
    static void checkScores(float[][] scores, int numLabels, String name) {
        for (int t = 0; t < scores.length; t++) {
            if (scores[t].length != numLabels) {
                throw new IllegalArgumentException(
                        name + "[" + t + "] has " + scores[t].length + " labels, expected " + numLabels);
            }
            for (int j = 0; j < numLabels; j++) {
                float v = scores[t][j];
                if (Float.isNaN(v) || v == Float.POSITIVE_INFINITY) {
                    throw new IllegalArgumentException(
                            name + "[" + t + "][" + j + "] is " + v + ", expected a finite value or -inf");
                }
            }
        }
    }
}
