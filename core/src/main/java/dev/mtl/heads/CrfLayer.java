package dev.mtl.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.UniformInitializer;
import dev.mtl.model.HfModule;
import dev.mtl.model.Param;

/**
 * The trainable linear-chain CRF on top of the NER head's emissions: the log-likelihood of gold tag
 * paths in NDArray ops, so that the autodiff engine supplies the gradient for training.
 *
 * <p>Shapes: {@code B} batch, {@code T} positions, {@code L} labels. Parameters follow pytorch-crf's
 * names and layout: {@code transitions} {@code (L, L)} from row label to column label,
 * {@code start_transitions} {@code (L)}, {@code end_transitions} {@code (L)}, each initialised from
 * uniform(-0.1, 0.1) as pytorch-crf does. A path scores as in {@link CrfDecoder}.
 *
 * <p>Not for: decoding. Viterbi runs in Java on a {@link #decoder} snapshot of the parameters, which
 * is cheap at inference and needs no native memory per sentence.
 */
public final class CrfLayer extends HfModule {

    /** pytorch-crf's {@code reset_parameters}: {@code nn.init.uniform_(-0.1, 0.1)} on all three. */
    public static final float INIT_RANGE = 0.1f;

    private final int numLabels;
    private final Param transitions;
    private final Param startTransitions;
    private final Param endTransitions;

    public CrfLayer(int numLabels) {
        if (numLabels < 1) {
            throw new IllegalArgumentException("numLabels is " + numLabels + "; need at least 1");
        }
        this.numLabels = numLabels;
        UniformInitializer init = new UniformInitializer(INIT_RANGE);
        this.transitions = param("transitions", new Shape(numLabels, numLabels), init);
        this.startTransitions = param("start_transitions", new Shape(numLabels), init);
        this.endTransitions = param("end_transitions", new Shape(numLabels), init);
    }

    public int numLabels() {
        return numLabels;
    }

    /**
     * {@code log p(tags | emissions)} per sequence: the gold path's score minus the log-partition
     * (forward algorithm in log space). Padded positions change neither term.
     *
     * <p>Every intermediate belongs to {@code emissions}' manager: open a sub-manager per batch.
     *
     * @param emissions {@code (B, T, L)} float32 label scores
     * @param tags {@code (B, T)} int64 gold labels; values at padded positions are ignored but must
     *     lie in {@code [0, L)}
     * @param mask {@code (B, T)} 1 for real positions, 0 for padding; each row's ones must be a
     *     non-empty prefix (not checked, as that would copy the mask to Java)
     * @return {@code (B)} log-likelihoods (float32, ≤ 0)
     */
    public NDArray logLikelihood(NDArray emissions, NDArray tags, NDArray mask) {
        Shape es = emissions.getShape();
        if (es.dimension() != 3 || es.get(2) != numLabels || es.get(1) < 1) {
            throw new IllegalArgumentException(
                    "emissions shape " + es + "; expected (B, T, " + numLabels + ") with T >= 1");
        }
        Shape bt = es.slice(0, 2);
        if (!tags.getShape().equals(bt) || !mask.getShape().equals(bt)) {
            throw new IllegalArgumentException("tags " + tags.getShape() + " and mask " + mask.getShape()
                    + " must both be " + bt + " to match emissions " + es);
        }
        NDArray on = mask.toType(DataType.FLOAT32, false); // (B, T)
        return pathScore(emissions, tags, on).sub(logPartition(emissions, on));
    }

    /** The gold path's score, summed over one-hot labels so every term is a differentiable product. */
    private NDArray pathScore(NDArray emissions, NDArray tags, NDArray on) {
        long len = emissions.getShape().get(1);
        NDArray oneHot = tags.oneHot(numLabels, DataType.FLOAT32); // (B, T, L)
        NDArray score = emissions.mul(oneHot).sum(new int[] {2}).mul(on).sum(new int[] {1}); // (B)
        score = score.add(oneHot.get(":, 0, :").mul(value(startTransitions)).sum(new int[] {1}));
        if (len > 1) {
            NDArray from = oneHot.get(":, 0:{}, :", len - 1); // (B, T-1, L)
            NDArray to = oneHot.get(":, 1:, :"); // (B, T-1, L)
            NDArray stepScores = from.matMul(value(transitions)).mul(to).sum(new int[] {2}); // (B, T-1)
            score = score.add(stepScores.mul(on.get(":, 1:")).sum(new int[] {1}));
        }
        // last[b, t] = 1 only at each row's final real position: on[t] - on[t+1], with on[T] = 0
        NDArray last = len > 1
                ? on.sub(on.get(":, 1:").concat(on.get(":, 0:1").zerosLike(), 1)) // (B, T)
                : on; // (B, 1)
        NDArray lastLabel = oneHot.mul(last.expandDims(2)).sum(new int[] {1}); // (B, L)
        return score.add(lastLabel.mul(value(endTransitions)).sum(new int[] {1})); // (B)
    }

    /** The forward algorithm: alpha[b, k] = log-sum over prefixes of row b ending in label k. */
    private NDArray logPartition(NDArray emissions, NDArray on) {
        long len = emissions.getShape().get(1);
        NDArray trans = value(transitions);
        NDArray alpha = emissions.get(":, 0, :").add(value(startTransitions)); // (B, L)
        for (long t = 1; t < len; t++) {
            NDArray emit = emissions.get(":, {}, :", t).expandDims(1); // (B, 1, L)
            NDArray scores = alpha.expandDims(2).add(trans).add(emit); // (B, L, L): from j (axis 1) to k
            NDArray next = logSumExp(scores, 1); // (B, L)
            // DJL's where does not broadcast the condition (torch.where would), so widen it first
            NDArray real = on.get(":, {}:{}", t, t + 1).gt(0).broadcast(alpha.getShape()); // (B, L)
            alpha = NDArrays.where(real, next, alpha); // padded rows keep their alpha
        }
        return logSumExp(alpha.add(value(endTransitions)), 1); // (B)
    }

    /**
     * {@code log(sum(exp(x)))} over {@code axis}, shifted by the maximum so nothing overflows. DJL's
     * NDArray has no logSumExp. The shift is detached: it cancels exactly, so its gradient is zero
     * and PyTorch need not route one through max.
     */
    private static NDArray logSumExp(NDArray x, int axis) {
        NDArray max = x.max(new int[] {axis}, true).stopGradient(); // x with axis of size 1
        return x.sub(max).exp().sum(new int[] {axis}).log().add(max.squeeze(axis)); // x without axis
    }

    /**
     * A Java snapshot of the current parameters for Viterbi decoding; later training steps do not
     * change it.
     *
     * @param tags the label set, whose size must be {@code L}
     * @param constrained whether to forbid invalid BIO paths ({@link CrfDecoder#constrained})
     */
    public CrfDecoder decoder(TagSet tags, boolean constrained) {
        if (tags.size() != numLabels) {
            throw new IllegalArgumentException("tag set has " + tags.size() + " labels but the CRF has " + numLabels);
        }
        float[] flat = value(transitions).toFloatArray();
        float[][] trans = new float[numLabels][numLabels]; // (L, L)
        for (int i = 0; i < numLabels; i++) {
            System.arraycopy(flat, i * numLabels, trans[i], 0, numLabels);
        }
        CrfDecoder decoder = new CrfDecoder(
                trans,
                value(startTransitions).toFloatArray(),
                value(endTransitions).toFloatArray());
        return constrained ? decoder.constrained(tags) : decoder;
    }
}
