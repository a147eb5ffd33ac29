package dev.mtl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov &amp; Hutter) with per-parameter learning-rate scale and weight decay, which
 * DJL's {@code Optimizer.adamW()} does not offer (one learning rate and one decay for all), and which
 * fine-tuning needs: no decay on biases and LayerNorm weights, a separate rate for the heads,
 * layer-wise decay for the encoder. Also global-norm gradient clipping. The update itself is
 * PyTorch's fused one through DJL, as {@code torch.optim.AdamW} (bias-corrected moments, decoupled
 * decay {@code p -= lr·wd·p}) except that ε is added to √v before, not after, the bias correction (a
 * difference far below float precision for ε = 1e-8).
 *
 * <p>State (first and second moments) lives in a manager the optimizer owns; the gradient handles of
 * a step live in a sub-manager closed at the end of the step. The fused update zeroes each gradient
 * after using it (PyTorch accumulates until zeroed; DJL's {@code zeroGradients} leaks handles).
 */
public final class AdamW implements AutoCloseable {

    /** One trainable tensor and how it is optimized. */
    public record Group(String key, NDArray weight, float lrScale, float weightDecay) {}

    /** DJL's element-wise gradient clip is off when negative (MXNet convention); we clip by global norm. */
    private static final float NO_ELEMENT_CLIP = -1f;

    private final float beta1;
    private final float beta2;
    private final float eps;
    private final NDManager state;
    private final Map<String, NDArray[]> moments = new LinkedHashMap<>();
    private long steps;

    public AdamW(NDManager parent, float beta1, float beta2, float eps) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.state = parent.newSubManager();
    }

    public long steps() {
        return steps;
    }

    /**
     * One update of every group with a gradient.
     *
     * @param lr the base learning rate of this step (after warmup/decay)
     * @param clipNorm clip the global gradient norm to this (0 = no clipping)
     * @return the global gradient norm before clipping
     */
    public double step(List<Group> groups, float lr, float clipNorm) {
        steps++;
        float bc1 = (float) (1 - Math.pow(beta1, steps));
        float bc2 = (float) (1 - Math.pow(beta2, steps));
        try (NDManager tmp = state.newSubManager()) {
            List<NDArray> grads = new ArrayList<>(groups.size());
            double sq = 0;
            for (Group g : groups) {
                NDArray grad = g.weight().getGradient(); // a new handle on the same storage
                grad.attach(tmp);
                grads.add(grad);
                sq += grad.square().sum().getFloat();
            }
            double norm = Math.sqrt(sq);
            float scale = clipNorm > 0 && norm > clipNorm ? (float) (clipNorm / (norm + 1e-6)) : 1f;
            for (int i = 0; i < groups.size(); i++) {
                Group g = groups.get(i);
                NDArray[] mv = moments.computeIfAbsent(g.key(), k -> new NDArray[] {
                    state.zeros(g.weight().getShape()), state.zeros(g.weight().getShape())});
                float stepLr = lr * g.lrScale();
                // PyTorch's fused update through DJL (one native call per tensor, no temporaries in
                // Java): m, v moments; p -= lr·wd·p; p -= lr·√(1−β2^t)/(1−β1^t) · m / (√v + ε); then the
                // gradient is zeroed. The clip factor is applied as the gradient rescale.
                g.weight().getNDArrayInternal().adamUpdate(
                        new NDList(g.weight(), grads.get(i), mv[0], mv[1]), new NDList(g.weight()),
                        stepLr, (float) (stepLr * Math.sqrt(bc2) / bc1), g.weightDecay(), scale, NO_ELEMENT_CLIP,
                        beta1, beta2, eps, false, true);
            }
            return norm;
        }
    }

    /** Moments keyed {@code <param>.m} / {@code <param>.v}, for checkpoints. */
    public Map<String, NDArray> stateArrays() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        moments.forEach((k, mv) -> {
            out.put(k + ".m", mv[0]);
            out.put(k + ".v", mv[1]);
        });
        return out;
    }

    /** Restores moments and the step count from a checkpoint. */
    public void restore(Map<String, float[]> values, Map<String, long[]> shapes, long stepCount) {
        for (var e : values.entrySet()) {
            String key = e.getKey();
            String param = key.substring(0, key.length() - 2);
            int which = key.endsWith(".m") ? 0 : 1;
            NDArray[] mv = moments.computeIfAbsent(param, k -> new NDArray[2]);
            mv[which] = state.create(e.getValue(), new ai.djl.ndarray.types.Shape(shapes.get(key)));
        }
        this.steps = stepCount;
    }

    @Override
    public void close() {
        state.close();
    }
}
