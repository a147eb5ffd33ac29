package dev.mtl.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.mtl.config.Output;
import dev.mtl.config.TaskConfig;
import dev.mtl.model.Dense;
import dev.mtl.model.Dropouts;
import dev.mtl.tokenize.Alignment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sentence classification (task A): an MLP on the pooled sentence vector, Linear → activation →
 * dropout → Linear → logits (HF's {@code RobertaClassificationHead} shape, names {@code dense} and
 * {@code out_proj}). Softmax cross-entropy over labels (optionally class-weighted), or in multi-label
 * mode a sigmoid and binary cross-entropy per label.
 *
 * <p>It reads the pooled vector <em>before</em> the embedding head's projection, LayerNorm and L2
 * normalization: L2 normalization throws away the vector's length, which carries signal a classifier
 * can use, and the projection is shaped for similarity search. Reading before them also keeps every
 * classifier independent of how the embedding head is configured. Shapes: B batch, H hidden, M MLP
 * width, L labels.
 *
 * <p>Targets are label indices: exactly one for a single-label task, any number in multi-label mode.
 */
public final class ClassificationHead extends Head<int[], ClassPrediction> {

    private final Dense dense;
    private final Dense outProj;
    private final String activation;
    private final float dropout;
    private final List<String> labels;
    private final boolean multiLabel;
    private final double threshold;
    private float[] classWeights;

    public ClassificationHead(TaskConfig task, int hidden) {
        super(task.name());
        int width = task.hiddenSize() > 0 ? task.hiddenSize() : hidden;
        this.dense = module("dense", new Dense(hidden, width));
        this.outProj = module("out_proj", new Dense(width, task.labels().size()));
        this.activation = task.activation();
        this.dropout = (float) task.dropout();
        this.labels = task.labels();
        this.multiLabel = task.multiLabel();
        this.threshold = task.threshold();
    }

    @Override
    public Input input() {
        return Input.SENTENCE;
    }

    @Override
    public Output output() {
        return Output.CLASSIFICATION;
    }

    public List<String> labels() {
        return labels;
    }

    /**
     * Weights of each label in the single-label loss (scikit-learn's "balanced" weights, say), or null
     * for none. A training setting: not saved with the model.
     */
    public void setClassWeights(float[] weights) {
        if (weights != null && weights.length != labels.size()) {
            throw new IllegalArgumentException(weights.length + " class weights for " + labels.size() + " labels");
        }
        this.classWeights = weights == null ? null : weights.clone();
    }

    /** pooled (B, H) → logits (B, L). */
    @Override
    public NDArray forward(NDArray pooled, boolean training) {
        NDArray h = dense.apply(Dropouts.apply(pooled, dropout, training)); // (B, M)
        h = switch (activation) {
            case "relu" -> Activation.relu(h);
            case "tanh" -> Activation.tanh(h);
            default -> Activation.gelu(h);
        };
        return outProj.apply(Dropouts.apply(h, dropout, training)); // (B, L)
    }

    @Override
    public NDArray loss(NDArray logits, List<int[]> targets) {
        NDManager m = logits.getManager();
        int b = targets.size();
        if (multiLabel) {
            float[] hot = new float[b * labels.size()];
            for (int i = 0; i < b; i++) {
                for (int label : targets.get(i)) {
                    hot[i * labels.size() + label] = 1f;
                }
            }
            return Losses.binaryCrossEntropy(logits, m.create(hot, new Shape(b, labels.size())));
        }
        long[] y = new long[b];
        for (int i = 0; i < b; i++) {
            y[i] = targets.get(i)[0];
        }
        return Losses.crossEntropy(logits, m.create(y), classWeights == null ? null : m.create(classWeights));
    }

    @Override
    public int[] target(List<String> gold, Alignment input) {
        if (gold.isEmpty()) {
            throw new IllegalArgumentException("no label for task '" + name() + "'");
        }
        if (!multiLabel && gold.size() != 1) {
            throw new IllegalArgumentException(gold.size() + " labels " + gold + " for single-label task '" + name()
                    + "' (set multi_label: true)");
        }
        int[] out = new int[gold.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = labels.indexOf(gold.get(i));
            if (out[i] < 0) {
                throw new IllegalArgumentException(
                        "label '" + gold.get(i) + "' is not one of task '" + name() + "' labels");
            }
        }
        return out;
    }

    /** Logits → probabilities (softmax, or a sigmoid per label in multi-label mode) → the prediction. */
    @Override
    public Decoder<ClassPrediction> decoder() {
        return (rows, input) -> predict(multiLabel ? sigmoid(rows[0]) : softmax(rows[0]));
    }

    private ClassPrediction predict(float[] probs) {
        Map<String, Float> scores = new LinkedHashMap<>();
        int best = 0;
        List<String> chosen = new ArrayList<>();
        for (int l = 0; l < probs.length; l++) {
            scores.put(labels.get(l), probs[l]);
            if (probs[l] > probs[best]) {
                best = l;
            }
            if (multiLabel && probs[l] >= threshold) {
                chosen.add(labels.get(l));
            }
        }
        String label = labels.get(best);
        return new ClassPrediction(label, scores, multiLabel ? List.copyOf(chosen) : List.of(label));
    }

    /** Softmax in double precision, as float. */
    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        float[] out = new float[logits.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (Math.exp(logits[i] - max) / sum);
        }
        return out;
    }

    private static float[] sigmoid(float[] logits) {
        float[] out = new float[logits.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (1 / (1 + Math.exp(-logits[i])));
        }
        return out;
    }
}
