package dev.mtl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mtl.MultiTaskModel;
import dev.mtl.heads.ClassificationHead;
import dev.mtl.heads.Head;
import dev.mtl.model.Scalars;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the tasks' losses add up: each scaled by its static weight, or, with {@code uncertainty: true},
 * Kendall et al. (2018): exp(−s)·L + s with s = log σ² learned per task (a trainable scalar the
 * optimizer updates with the heads' learning rate).
 */
final class LossWeighting {

    private final LossConfig config;
    private final Map<String, NDArray> logVariance = new LinkedHashMap<>();

    /**
     * @param tasks every task of the run
     * @param manager where the learned log-variances live (the trainer's)
     * @param resumed their values at a checkpoint (absent: 0)
     */
    LossWeighting(LossConfig config, List<String> tasks, NDManager manager, Map<String, Float> resumed) {
        this.config = config;
        if (config.uncertainty()) {
            for (String t : tasks) {
                NDArray s = manager.create(resumed.getOrDefault(t, 0f)); // 0-d
                s.setRequiresGradient(true);
                logVariance.put(t, s);
            }
        }
    }

    /** {@code loss} of {@code task}, weighted; every intermediate belongs to the loss's (batch) manager. */
    NDArray weigh(String task, NDArray loss) {
        NDArray s = logVariance.get(task);
        if (s == null) {
            return loss.mul(Scalars.like(loss, config.weight(task)));
        }
        // 0 − s rather than s.neg(): an op's result belongs to its first operand's manager, and s lives
        // in the trainer's, where a result per step would pile up until the run ends.
        return loss.mul(loss.zerosLike().sub(s).exp()).add(s);
    }

    /** The learned log-variances as optimizer groups (no weight decay), or none. */
    List<AdamW.Group> groups(float lrScale) {
        List<AdamW.Group> out = new ArrayList<>();
        logVariance.forEach((t, s) -> out.add(new AdamW.Group("uncertainty." + t, s, lrScale, 0f)));
        return out;
    }

    /** The current log-variances, for the checkpoint. */
    Map<String, Float> values() {
        Map<String, Float> out = new LinkedHashMap<>();
        logVariance.forEach((t, s) -> out.put(t, s.getFloat()));
        return out;
    }

    /**
     * Sets scikit-learn's "balanced" class weights, n / (classes · n_c), on every single-label
     * classification head, counted over its targets in the training instances; a class never seen
     * gets weight 0.
     */
    static void balanceClasses(MultiTaskModel model, List<List<Instance>> sets) {
        for (Head<?, ?> h : model.heads().values()) {
            if (!(h instanceof ClassificationHead c)
                    || model.tasks().get(h.name()).multiLabel()) {
                continue;
            }
            long[] counts = new long[c.labels().size()];
            long total = 0;
            for (List<Instance> set : sets) {
                for (Instance in : set) {
                    if (in.targets().get(h.name()) instanceof int[] y) {
                        counts[y[0]]++;
                        total++;
                    }
                }
            }
            float[] w = new float[counts.length];
            for (int i = 0; i < w.length; i++) {
                w[i] = counts[i] == 0 ? 0f : (float) total / (counts.length * counts[i]);
            }
            c.setClassWeights(w);
        }
    }
}
