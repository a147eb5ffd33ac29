package dev.mtl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.mtl.model.NativeViews;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * AdamW (Loshchilov &amp; Hutter) with per-parameter learning-rate scale and weight decay, which
 * DJL's {@code Optimizer.adamW()} does not offer (one learning rate and one decay for all), and which
 * fine-tuning needs: no decay on biases and LayerNorm weights, a separate rate for the heads,
 * layer-wise decay for the encoder. Also global-norm gradient clipping. The update is
 * {@code torch.optim.AdamW}'s: {@code p *= 1 − lr·wd}; {@code m = β1·m + (1−β1)·g};
 * {@code v = β2·v + (1−β2)·g²}; {@code p −= lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε)}; then the gradient is
 * zeroed (PyTorch accumulates until zeroed; DJL's {@code zeroGradients} leaks handles).
 *
 * <p>Why the update is a Java loop and not DJL's {@code adamUpdate}: DJL's native update clones the
 * gradient and makes about ten passes over memory with temporaries; over MiniLM's 22.7M parameters it
 * took 220–250 ms per step, more than forward and backward together at batch 32. This loop reads and
 * writes parameter, gradient and both moments once, in place, through direct buffers on the tensors'
 * own memory (DJL's {@code toByteBuffer(true)}), split into chunks over the cores: the PyTorch threads
 * are idle while it runs. Chunks and the order in which their partial norms are summed are fixed, so a
 * step gives the same bits whatever the thread scheduling (resume depends on it). A tensor without a
 * direct CPU view (another engine or device) takes DJL's update instead.
 *
 * <p>State (first and second moments) lives in a manager the optimizer owns; the gradient handles of
 * a step live in a sub-manager closed at the end of the step.
 */
public final class AdamW implements AutoCloseable {

    /**
     * One trainable tensor and how it is optimized.
     *
     * @param lazyRows update only the rows (along the first dimension) whose gradient is not all zero,
     *     as {@code torch.optim.SparseAdam} and TF's LazyAdam do for embedding tables: a row absent from
     *     the step's batches keeps its value and moments (no moment decay, no weight decay). Dense AdamW
     *     would still move such a row by its decaying momentum.
     * @param rows for a lazy group, the rows this step's batches looked up, or null: the update then
     *     visits only these rows instead of scanning the whole gradient for non-zero ones. The caller
     *     guarantees that every other row's gradient is zero (the optimizer zeroes what it updates),
     *     so the result is the same, bit for bit, as with the scan.
     */
    public record Group(String key, NDArray weight, float lrScale, float weightDecay, boolean lazyRows, BitSet rows) {
        public Group(String key, NDArray weight, float lrScale, float weightDecay) {
            this(key, weight, lrScale, weightDecay, false, null);
        }

        public Group(String key, NDArray weight, float lrScale, float weightDecay, boolean lazyRows) {
            this(key, weight, lrScale, weightDecay, lazyRows, null);
        }

        /** This group for one step whose batches looked up {@code rows}. */
        public Group withRows(BitSet rows) {
            return new Group(key, weight, lrScale, weightDecay, lazyRows, rows);
        }
    }

    /** DJL's element-wise gradient clip is off when negative (MXNet convention); we clip by global norm. */
    private static final float NO_ELEMENT_CLIP = -1f;
    /** Elements per parallel work item: large enough to amortise scheduling, small enough to balance. */
    private static final int CHUNK = 1 << 16;

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

    /** Float views of one group's four tensors (null where the engine gives no direct view). */
    private record Views(FloatBuffer w, FloatBuffer g, FloatBuffer m, FloatBuffer v) {}

    /**
     * A slice [from, to) of one group's elements: the unit of parallel work. {@code row} > 0: a lazy
     * group's row length (the slice holds whole rows, each updated only if its gradient is not zero).
     */
    private record Chunk(int group, int from, int to, int row, BitSet rows) {}

    /**
     * One update of every group with a gradient.
     *
     * @param lr the base learning rate of this step (after warmup/decay)
     * @param clipNorm clip the global gradient norm to this (0 = no clipping)
     * @return the global gradient norm before clipping; when it is NaN or infinite, no parameter or
     *     moment was changed and the step does not count
     */
    public double step(List<Group> groups, float lr, float clipNorm) {
        steps++;
        float bc1 = (float) (1 - Math.pow(beta1, steps));
        float bc2 = (float) (1 - Math.pow(beta2, steps));
        try (NDManager tmp = state.newSubManager()) {
            List<NDArray> grads = new ArrayList<>(groups.size());
            List<NDArray[]> mvs = new ArrayList<>(groups.size());
            Views[] views = new Views[groups.size()];
            List<Chunk> chunks = new ArrayList<>();
            for (int i = 0; i < groups.size(); i++) {
                Group g = groups.get(i);
                NDArray grad = g.weight().getGradient(); // a new handle on the same storage
                grad.attach(tmp);
                grads.add(grad);
                NDArray[] mv = moments.computeIfAbsent(g.key(), k -> new NDArray[] {
                    state.zeros(g.weight().getShape()), state.zeros(g.weight().getShape())
                });
                mvs.add(mv);
                views[i] = views(g.weight(), grad, mv[0], mv[1]);
                if (views[i] != null) {
                    int n = views[i].w().capacity();
                    // Lazy groups: chunks end on row boundaries so that a row is judged as a whole.
                    int row = g.lazyRows() ? (int) (n / g.weight().getShape().get(0)) : 0;
                    int step = row > 0 ? Math.max(row, CHUNK / row * row) : CHUNK;
                    for (int from = 0; from < n; from += step) {
                        chunks.add(new Chunk(i, from, Math.min(n, from + step), row, row > 0 ? g.rows() : null));
                    }
                }
            }
            // Global norm: per-chunk partial sums in double, added in chunk order (deterministic).
            double[] partial = new double[chunks.size()];
            IntStream.range(0, chunks.size()).parallel().forEach(c -> {
                Chunk ch = chunks.get(c);
                partial[c] = ch.rows() == null
                        ? sumOfSquares(views[ch.group()].g(), ch.from(), ch.to())
                        : sumOfSquaresRows(views[ch.group()].g(), ch.from(), ch.to(), ch.row(), ch.rows());
            });
            double sq = 0;
            for (double p : partial) {
                sq += p;
            }
            for (int i = 0; i < groups.size(); i++) {
                if (views[i] == null) {
                    sq += grads.get(i).square().sum().getFloat();
                }
            }
            double norm = Math.sqrt(sq);
            if (!Double.isFinite(norm)) { // a NaN or infinite gradient: change nothing, let the caller decide
                steps--;
                return norm;
            }
            float scale = clipNorm > 0 && norm > clipNorm ? (float) (clipNorm / (norm + 1e-6)) : 1f;
            float invSqrtBc2 = (float) (1 / Math.sqrt(bc2));
            IntStream.range(0, chunks.size()).parallel().forEach(c -> {
                Chunk ch = chunks.get(c);
                Group g = groups.get(ch.group());
                float stepLr = lr * g.lrScale();
                float decay = 1 - stepLr * g.weightDecay();
                Views t = views[ch.group()];
                if (ch.row() == 0) {
                    update(t, ch.from(), ch.to(), scale, decay, stepLr / bc1, invSqrtBc2);
                    return;
                }
                for (int r = ch.from(); r < ch.to(); r += ch.row()) {
                    if ((ch.rows() == null || ch.rows().get(r / ch.row())) && anyNonZero(t.g(), r, r + ch.row())) {
                        update(t, r, r + ch.row(), scale, decay, stepLr / bc1, invSqrtBc2);
                    }
                }
            });
            for (int i = 0; i < groups.size(); i++) {
                if (views[i] == null) {
                    Group g = groups.get(i);
                    float stepLr = lr * g.lrScale();
                    // DJL's native update (adds ε to √v before the bias correction: a difference far
                    // below float precision for ε = 1e-8); it zeroes the gradient after use.
                    g.weight()
                            .getNDArrayInternal()
                            .adamUpdate(
                                    new NDList(g.weight(), grads.get(i), mvs.get(i)[0], mvs.get(i)[1]),
                                    new NDList(g.weight()),
                                    stepLr,
                                    (float) (stepLr * Math.sqrt(bc2) / bc1),
                                    g.weightDecay(),
                                    scale,
                                    NO_ELEMENT_CLIP,
                                    beta1,
                                    beta2,
                                    eps,
                                    false,
                                    true);
                }
            }
            return norm;
        }
    }

    /** Direct views of the four tensors' memory, or null if any of them has none. */
    private static Views views(NDArray w, NDArray g, NDArray m, NDArray v) {
        FloatBuffer[] out = new FloatBuffer[4];
        NDArray[] in = {w, g, m, v};
        for (int i = 0; i < 4; i++) {
            out[i] = in[i].size() == w.size() ? NativeViews.floats(in[i]) : null;
            if (out[i] == null) {
                return null;
            }
        }
        return new Views(out[0], out[1], out[2], out[3]);
    }

    private static boolean anyNonZero(FloatBuffer g, int from, int to) {
        for (int i = from; i < to; i++) {
            if (g.get(i) != 0f) {
                return true;
            }
        }
        return false;
    }

    private static double sumOfSquares(FloatBuffer g, int from, int to) {
        // Four accumulators: a single one would serialise on the add latency.
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = from;
        for (; i + 3 < to; i += 4) {
            float a = g.get(i);
            float b = g.get(i + 1);
            float c = g.get(i + 2);
            float d = g.get(i + 3);
            s0 += a * a;
            s1 += b * b;
            s2 += c * c;
            s3 += d * d;
        }
        for (; i < to; i++) {
            float a = g.get(i);
            s0 += a * a;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * {@link #sumOfSquares} over [from, to) reading only the rows in {@code rows} (the others are zero):
     * each element goes to the accumulator it has there, in the same order, so the sum has the same bits.
     */
    private static double sumOfSquaresRows(FloatBuffer g, int from, int to, int row, BitSet rows) {
        double[] s = new double[4];
        int tail = from + (to - from) / 4 * 4; // sumOfSquares adds elements from here on to its first accumulator
        for (int r = rows.nextSetBit(from / row); r >= 0 && r * row < to; r = rows.nextSetBit(r + 1)) {
            for (int i = r * row, end = i + row; i < end; i++) {
                float a = g.get(i);
                s[i < tail ? (i - from) & 3 : 0] += a * a;
            }
        }
        return (s[0] + s[1]) + (s[2] + s[3]);
    }

    /** torch.optim.AdamW on elements [from, to); zeroes the gradient. */
    private void update(Views t, int from, int to, float gradScale, float decay, float stepSize, float invSqrtBc2) {
        FloatBuffer w = t.w();
        FloatBuffer g = t.g();
        FloatBuffer m = t.m();
        FloatBuffer v = t.v();
        float b1 = beta1;
        float b2 = beta2;
        float ob1 = 1 - beta1;
        float ob2 = 1 - beta2;
        float e = eps;
        for (int i = from; i < to; i++) {
            float gi = g.get(i) * gradScale;
            float mi = b1 * m.get(i) + ob1 * gi;
            float vi = b2 * v.get(i) + ob2 * gi * gi;
            m.put(i, mi);
            v.put(i, vi);
            g.put(i, 0f);
            w.put(i, w.get(i) * decay - stepSize * mi / ((float) Math.sqrt(vi) * invSqrtBc2 + e));
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
