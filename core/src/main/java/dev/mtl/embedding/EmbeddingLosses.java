package dev.mtl.embedding;

import static dev.mtl.embedding.EmbeddingHead.l2Normalize;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.mtl.model.Scalars;

/**
 * Training losses for sentence embeddings, in NDArray ops so autograd differentiates them. Each one
 * compares L2-normalised rows (cosine similarity), so its inputs need not be unit length, and returns
 * the mean loss as a 0-d array. Intermediates live in the first input's manager: a per-batch array is
 * the first operand of every op, and Java-side labels and masks are created in that manager.
 *
 * <p>Shapes: B batch, E embedding size, N hard negatives.
 */
public final class EmbeddingLosses {

    /** sentence-transformers' default scale (inverse temperature) for CoSENT and MNRL. */
    public static final float DEFAULT_SCALE = 20f;
    /** Default SupCon temperature τ (the authors' code defaults to 0.07; smaller sharpens the softmax). */
    public static final float DEFAULT_TEMPERATURE = 0.1f;
    /** Default batch-hard margin, for distances between unit rows, in [0, 2] (sentence-transformers' 5 is for raw). */
    public static final float DEFAULT_MARGIN = 0.5f;

    /** sentence-transformers' fill for excluded pairs: exp of it is exactly 0, yet it stays finite. */
    private static final float EXCLUDED = -1e12f;
    /** Added to non-negative pairs' distances so the minimum skips them: unit rows are at most 2 apart. */
    private static final float FARTHER_THAN_ANY = 4f;
    /** √ has an infinite slope at 0: without this the masked zero distance of a row to itself gives 0·∞ = NaN. */
    private static final float SQRT_EPS = 1e-12f;

    private EmbeddingLosses() {}

    /**
     * CoSENT (Su 2022; sentence-transformers {@code CoSENTLoss}): with s_i = scale·cos(a_i, b_i),
     * log(1 + Σ exp(s_i − s_j)) over the ordered pairs whose gold scores say scores[i] &lt; scores[j].
     * Only the order of the scores matters; ties add nothing.
     *
     * @param a (B, E); @param b (B, E); @param scores B gold similarities
     */
    public static NDArray cosent(NDArray a, NDArray b, float[] scores, float scale) {
        int n = pairs(a, b, scores);
        NDArray s = cosine(a, b).mul(Scalars.like(a, scale)); // (B)
        NDArray diff = s.reshape(n, 1).sub(s.reshape(1, n)); // (B, B): s_i − s_j
        float[] fill = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                fill[i * n + j] = scores[i] < scores[j] ? 0f : EXCLUDED;
            }
        }
        NDManager m = a.getManager();
        NDArray terms = diff.add(m.create(fill, new Shape(n, n))).reshape(n * n); // (B·B)
        return logSumExp(terms.concat(m.zeros(new Shape(1), a.getDataType())), 0); // the extra 0 is the "1 +"
    }

    /**
     * sentence-transformers {@code CosineSimilarityLoss}: the mean of (cos(a_i, b_i) − scores[i])².
     *
     * @param a (B, E); @param b (B, E); @param scores B gold similarities
     */
    public static NDArray cosineMse(NDArray a, NDArray b, float[] scores) {
        pairs(a, b, scores);
        return cosine(a, b).sub(a.getManager().create(scores)).square().mean();
    }

    /**
     * Multiple negatives ranking (sentence-transformers {@code MultipleNegativesRankingLoss}): each
     * anchor must pick its own positive among all positives and hard negatives of the batch, by
     * softmax cross-entropy over scale·cos. {@code symmetric} (sentence-transformers
     * {@code MultipleNegativesSymmetricRankingLoss}) averages that with each positive picking its
     * anchor among the anchors (negatives take no part in that direction).
     *
     * @param anchors (B, E); @param positives (B, E); @param negatives (N, E) or null
     */
    public static NDArray multipleNegativesRanking(
            NDArray anchors, NDArray positives, NDArray negatives, float scale, boolean symmetric) {
        int n = rows(anchors, (int) positives.getShape().get(0), "positives");
        NDArray candidates = negatives == null ? positives : positives.concat(negatives, 0); // (B + N, E)
        NDArray logits = l2Normalize(anchors)
                .matMul(l2Normalize(candidates).transpose()) // (B, B + N)
                .mul(Scalars.like(anchors, scale));
        NDArray forward = crossEntropyOnDiagonal(logits);
        if (!symmetric) {
            return forward;
        }
        NDArray backward =
                crossEntropyOnDiagonal(logits.get(new NDIndex(":, :{}", n)).transpose()); // (B, B)
        return forward.add(backward).mul(Scalars.like(forward, 0.5));
    }

    /**
     * Supervised contrastive loss (Khosla et al. 2020, L_out): for each anchor i with positives P(i)
     * (same label, not i), −(1/|P(i)|) Σ_p log(exp(z_i·z_p/τ) / Σ_{a≠i} exp(z_i·z_a/τ)), averaged over
     * the anchors that have a positive; a graph-attached 0 if none has. Unlike the authors' code, no
     * τ/0.07 factor and no zero terms for anchors without positives.
     *
     * @param e (B, E); @param labels B class ids
     */
    public static NDArray supervisedContrastive(NDArray e, int[] labels, float temperature) {
        int n = rows(e, labels.length, "labels");
        NDArray z = l2Normalize(e); // (B, E)
        NDArray logits = z.matMul(z.transpose()).div(Scalars.like(e, temperature)); // (B, B)
        float[] self = new float[n * n];
        float[] weight = new float[n * n]; // 1/(|P(i)|·anchors) on anchor i's positives, 0 elsewhere
        int anchors = 0;
        for (int i = 0; i < n; i++) {
            self[i * n + i] = EXCLUDED;
            anchors += positives(labels, i) > 0 ? 1 : 0;
        }
        for (int i = 0; i < n; i++) {
            int count = positives(labels, i);
            for (int j = 0; j < n; j++) {
                weight[i * n + j] = j != i && labels[j] == labels[i] ? 1f / (count * anchors) : 0f;
            }
        }
        NDManager m = e.getManager();
        NDArray denominator = logSumExp(logits.add(m.create(self, new Shape(n, n))), 1); // (B): over a ≠ i
        NDArray logProb = logits.sub(denominator.reshape(n, 1)); // (B, B)
        return logProb.mul(m.create(weight, new Shape(n, n))).sum().neg();
    }

    /**
     * Batch-hard triplet loss (Hermans et al. 2017; sentence-transformers {@code BatchHardTripletLoss})
     * on Euclidean distances between L2-normalised rows: for each anchor with a positive and a negative,
     * max(0, farthest positive − nearest negative + margin), averaged over those anchors (sentence-
     * transformers also averages in anchors without either, whose terms are not triplets).
     *
     * @param e (B, E); @param labels B class ids
     */
    public static NDArray batchHardTriplet(NDArray e, int[] labels, float margin) {
        int n = rows(e, labels.length, "labels");
        NDArray z = l2Normalize(e); // (B, E)
        // Differences rather than 2 − 2·z_i·z_j: identical rows give an exact 0 and so a zero gradient,
        // where the Gram form leaves rounding noise for √'s steep slope to amplify. Memory is B·B·E.
        NDArray diff = z.expandDims(1).sub(z.expandDims(0)); // (B, B, E)
        NDArray dist =
                diff.square().sum(new int[] {2}).add(Scalars.like(e, SQRT_EPS)).sqrt(); // (B, B)
        float[] positive = new float[n * n];
        float[] notNegative = new float[n * n];
        boolean[] counts = new boolean[n]; // has a positive and a negative
        int anchors = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                boolean same = labels[j] == labels[i];
                positive[i * n + j] = same && j != i ? 1f : 0f;
                notNegative[i * n + j] = same ? FARTHER_THAN_ANY : 0f;
            }
            counts[i] = positives(labels, i) > 0 && positives(labels, i) < n - 1;
            anchors += counts[i] ? 1 : 0;
        }
        float[] weight = new float[n];
        for (int i = 0; i < n; i++) {
            weight[i] = counts[i] ? 1f / anchors : 0f;
        }
        NDManager m = e.getManager();
        NDArray hardestPositive = dist.mul(m.create(positive, new Shape(n, n))).max(new int[] {1}); // (B)
        NDArray hardestNegative =
                dist.add(m.create(notNegative, new Shape(n, n))).min(new int[] {1}); // (B)
        NDArray hinge = hardestPositive
                .sub(hardestNegative)
                .add(Scalars.like(e, margin))
                .maximum(Scalars.like(e, 0)); // (B)
        return hinge.mul(m.create(weight)).sum();
    }

    /** Row-wise cos(a_i, b_i). (B, E), (B, E) → (B) */
    private static NDArray cosine(NDArray a, NDArray b) {
        return l2Normalize(a).mul(l2Normalize(b)).sum(new int[] {1});
    }

    /** Mean softmax cross-entropy of logits (R, C), R ≤ C, where row i's target is column i. */
    private static NDArray crossEntropyOnDiagonal(NDArray logits) {
        Shape shape = logits.getShape();
        NDArray target = logits.getManager().eye((int) shape.get(0), (int) shape.get(1), 0, logits.getDataType());
        return logits.logSoftmax(1).mul(target).sum(new int[] {1}).mean().neg();
    }

    /**
     * log Σ exp(x) along one axis, shifted by the maximum so no exp overflows. The shift is detached:
     * the gradient is the softmax whatever it is, and max's tie-splitting stays out of the graph.
     */
    private static NDArray logSumExp(NDArray x, int axis) {
        NDArray max = x.max(new int[] {axis}, true).stopGradient(); // the axis kept at size 1
        return x.sub(max).exp().sum(new int[] {axis}).log().add(max.squeeze(axis));
    }

    private static int positives(int[] labels, int i) {
        int count = 0;
        for (int j = 0; j < labels.length; j++) {
            count += j != i && labels[j] == labels[i] ? 1 : 0;
        }
        return count;
    }

    private static int pairs(NDArray a, NDArray b, float[] scores) {
        if (!a.getShape().equals(b.getShape())) {
            throw new IllegalArgumentException("pairs of shapes " + a.getShape() + " and " + b.getShape());
        }
        return rows(a, scores.length, "scores");
    }

    private static int rows(NDArray x, int expected, String what) {
        Shape shape = x.getShape();
        if (shape.dimension() != 2 || shape.get(0) != expected) {
            throw new IllegalArgumentException(expected + " " + what + " for embeddings of shape " + shape);
        }
        return expected;
    }
}
