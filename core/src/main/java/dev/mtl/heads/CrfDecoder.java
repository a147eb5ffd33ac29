package dev.mtl.heads;

import java.util.Arrays;

/**
 * Inference for a linear-chain CRF over NER labels: the Viterbi path, the score of any path, and
 * the log-partition (forward algorithm), all in double precision and log space.
 *
 * <p>Shapes: {@code T} positions, {@code L} labels. A path {@code y} scores
 * {@code start[y0] + sum_t emissions[t][yt] + sum_t transitions[y(t-1)][yt] + end[y(T-1)]}, and its
 * probability is {@code exp(pathScore - logPartition)}. Parameters are copied, so a decoder is
 * immutable and may be shared between threads. Not for: training (the gradient comes from the
 * autodiff engine), nor for softmax heads without transitions (see {@link BioDecoder}).
 */
public final class CrfDecoder {
    /** Score that makes a transition or start impossible in {@link #constrained}. */
    public static final float IMPOSSIBLE = Float.NEGATIVE_INFINITY;

    /** The best path and its {@link #pathScore}. */
    public record Result(int[] path, double score) {}

    private final float[][] transitions; // (L, L), from → to
    private final float[] start; // (L)
    private final float[] end; // (L)

    /**
     * @param transitions {@code (L, L)} score of moving from label {@code i} (row) to {@code j}
     * @param start {@code (L)} score of starting with each label
     * @param end {@code (L)} score of ending with each label
     * @throws IllegalArgumentException on a shape mismatch or a NaN/+inf score
     */
    public CrfDecoder(float[][] transitions, float[] start, float[] end) {
        int numLabels = start.length;
        if (numLabels == 0 || transitions.length != numLabels || end.length != numLabels) {
            throw new IllegalArgumentException("CRF shapes disagree: transitions has "
                    + transitions.length + " rows, start " + start.length + ", end " + end.length
                    + "; expected L, L, L with L > 0");
        }
        BioDecoder.checkScores(transitions, numLabels, "transitions");
        BioDecoder.checkScores(new float[][] {start}, numLabels, "start");
        BioDecoder.checkScores(new float[][] {end}, numLabels, "end");
        this.transitions = new float[numLabels][];
        for (int i = 0; i < numLabels; i++) {
            this.transitions[i] = transitions[i].clone();
        }
        this.start = start.clone();
        this.end = end.clone();
    }

    public int numLabels() {
        return start.length;
    }

    /**
     * The option {@code constrained}: a copy of this decoder in which every transition that
     * {@link TagSet#allowed} forbids and every start that {@link TagSet#allowedStart} forbids
     * scores {@link #IMPOSSIBLE} ({@code -inf}). Invalid BIO paths then have probability 0:
     * {@link #viterbi} returns only valid paths and {@link #logPartition} sums over valid paths.
     * End scores are unchanged, since any label may end an IOB2 sequence.
     */
    public CrfDecoder constrained(TagSet tags) {
        int numLabels = numLabels();
        if (tags.size() != numLabels) {
            throw new IllegalArgumentException("tag set has " + tags.size() + " labels but the CRF has " + numLabels);
        }
        float[][] masked = new float[numLabels][];
        float[] maskedStart = start.clone();
        for (int i = 0; i < numLabels; i++) {
            masked[i] = transitions[i].clone();
            for (int j = 0; j < numLabels; j++) {
                if (!tags.allowed(i, j)) {
                    masked[i][j] = IMPOSSIBLE;
                }
            }
            if (!tags.allowedStart(i)) {
                maskedStart[i] = IMPOSSIBLE;
            }
        }
        return new CrfDecoder(masked, maskedStart, end);
    }

    /**
     * The highest-scoring path. Ties go to the lexicographically smallest path, as in
     * {@link BioDecoder#constrainedViterbi}.
     *
     * @param emissions {@code (T, L)}
     * @return the path ({@code T} label indices) and its score; for {@code T == 0} an empty path
     *     scoring 0
     */
    public Result viterbi(float[][] emissions) {
        int numLabels = numLabels();
        BioDecoder.checkScores(emissions, numLabels, "emissions");
        int len = emissions.length;
        int[] path = new int[len];
        if (len == 0) {
            return new Result(path, 0);
        }
        // suffix[t][j]: best score of positions t..T-1 (with end) given label j at t
        double[][] suffix = new double[len][numLabels]; // (T, L)
        for (int j = 0; j < numLabels; j++) {
            suffix[len - 1][j] = (double) emissions[len - 1][j] + end[j];
        }
        for (int t = len - 2; t >= 0; t--) {
            for (int j = 0; j < numLabels; j++) {
                double next = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < numLabels; k++) {
                    next = Math.max(next, transitions[j][k] + suffix[t + 1][k]);
                }
                suffix[t][j] = emissions[t][j] + next;
            }
        }
        double score = Double.NEGATIVE_INFINITY;
        path[0] = 0;
        for (int j = 0; j < numLabels; j++) {
            double s = start[j] + suffix[0][j];
            if (s > score) {
                score = s;
                path[0] = j;
            }
        }
        for (int t = 1; t < len; t++) {
            double best = Double.NEGATIVE_INFINITY;
            path[t] = 0;
            for (int k = 0; k < numLabels; k++) {
                double s = transitions[path[t - 1]][k] + suffix[t][k];
                if (s > best) {
                    best = s;
                    path[t] = k;
                }
            }
        }
        return new Result(path, score);
    }

    /**
     * {@code log(sum over all L^T paths of exp(pathScore))} by the forward algorithm; 0 for
     * {@code T == 0} (the one empty path).
     */
    public double logPartition(float[][] emissions) {
        int numLabels = numLabels();
        BioDecoder.checkScores(emissions, numLabels, "emissions");
        if (emissions.length == 0) {
            return 0;
        }
        double[] alpha = new double[numLabels]; // (L): log-sum over prefixes ending in each label
        for (int j = 0; j < numLabels; j++) {
            alpha[j] = (double) start[j] + emissions[0][j];
        }
        double[] terms = new double[numLabels];
        for (int t = 1; t < emissions.length; t++) {
            double[] next = new double[numLabels];
            for (int k = 0; k < numLabels; k++) {
                for (int j = 0; j < numLabels; j++) {
                    terms[j] = alpha[j] + transitions[j][k];
                }
                next[k] = logSumExp(terms) + emissions[t][k];
            }
            alpha = next;
        }
        for (int j = 0; j < numLabels; j++) {
            terms[j] = alpha[j] + end[j];
        }
        return logSumExp(terms);
    }

    /** The unnormalised log-score of one path; {@code -inf} if it uses an impossible transition. */
    public double pathScore(float[][] emissions, int[] path) {
        int numLabels = numLabels();
        BioDecoder.checkScores(emissions, numLabels, "emissions");
        if (path.length != emissions.length) {
            throw new IllegalArgumentException(
                    "path has " + path.length + " positions but emissions has " + emissions.length);
        }
        for (int label : path) {
            if (label < 0 || label >= numLabels) {
                throw new IllegalArgumentException(
                        "path " + Arrays.toString(path) + " has a label outside [0, " + numLabels + ")");
            }
        }
        if (path.length == 0) {
            return 0;
        }
        double score = start[path[0]];
        for (int t = 0; t < path.length; t++) {
            score += emissions[t][path[t]];
            if (t > 0) {
                score += transitions[path[t - 1]][path[t]];
            }
        }
        return score + end[path[path.length - 1]];
    }

    private static double logSumExp(double[] values) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            max = Math.max(max, v);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max; // every term impossible: avoid -inf - -inf = NaN
        }
        double sum = 0;
        for (double v : values) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }
}
