package dev.mtl.embedding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.mtl.config.EmbeddingLoss;
import dev.mtl.config.Output;
import dev.mtl.config.TaskConfig;
import dev.mtl.heads.Head;
import dev.mtl.tokenize.Alignment;
import java.util.List;

/**
 * An embedding task: a training objective on the shared {@link EmbeddingHead}, through the encoder. It
 * has no parameters of its own; its forward is the embedding head's, and its loss is the task's
 * {@link EmbeddingLoss}. The rows of a batch are laid out by text: for pairs, the B first texts, then
 * their B second texts (then B hard negatives), so row i and row B + i form pair i. Targets: a pair's
 * score, a positive pair's nothing (its place in the batch), a labelled text's label index.
 */
public final class EmbeddingTaskHead extends Head<Object, float[]> {

    private final EmbeddingHead shared;
    private final EmbeddingLoss loss;
    private final float scale;
    private final float margin;
    private final boolean symmetric;
    private final List<String> labels;

    public EmbeddingTaskHead(TaskConfig task, EmbeddingHead shared) {
        super(task.name());
        this.shared = shared;
        this.loss = task.loss();
        this.scale = task.scale().floatValue();
        this.margin = task.margin().floatValue();
        this.symmetric = task.symmetric();
        this.labels = task.labels();
    }

    public EmbeddingLoss lossKind() {
        return loss;
    }

    @Override
    public Input input() {
        return Input.SENTENCE;
    }

    @Override
    public Output output() {
        return Output.EMBEDDING;
    }

    @Override
    public NDArray forward(NDArray pooled, boolean training) {
        return shared.forward(pooled, training);
    }

    /** @param embeddings (k·B, E): k texts per example, laid out by text */
    @Override
    public NDArray loss(NDArray embeddings, List<Object> targets) {
        int b = targets.size();
        long rows = embeddings.getShape().get(0);
        return switch (loss) {
            case COSENT ->
                EmbeddingLosses.cosent(rows(embeddings, 0, b), rows(embeddings, 1, b), scores(targets), scale);
            case COSINE_MSE ->
                EmbeddingLosses.cosineMse(rows(embeddings, 0, b), rows(embeddings, 1, b), scores(targets));
            case MNRL ->
                EmbeddingLosses.multipleNegativesRanking(
                        rows(embeddings, 0, b),
                        rows(embeddings, 1, b),
                        rows == 3L * b ? rows(embeddings, 2, b) : null,
                        scale,
                        symmetric);
            case SUPCON -> EmbeddingLosses.supervisedContrastive(embeddings, labelIndices(targets), 1 / scale);
            case TRIPLET -> EmbeddingLosses.batchHardTriplet(embeddings, labelIndices(targets), margin);
        };
    }

    /** The k-th text of every example: rows [k·B, (k+1)·B). */
    private static NDArray rows(NDArray embeddings, int k, int b) {
        return embeddings.get(new NDIndex("{}:{}", (long) k * b, (long) (k + 1) * b)); // (B, E)
    }

    private static float[] scores(List<Object> targets) {
        float[] s = new float[targets.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = (Float) targets.get(i);
        }
        return s;
    }

    private static int[] labelIndices(List<Object> targets) {
        int[] y = new int[targets.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = (Integer) targets.get(i);
        }
        return y;
    }

    /** A scored pair's score, a labelled text's label index; a positive pair has no target. */
    @Override
    public Object target(List<String> gold, Alignment input) {
        return switch (loss.data()) {
            case POSITIVE_PAIRS -> Boolean.TRUE;
            case SCORED_PAIRS -> {
                float score = Float.parseFloat(gold.get(0));
                if (loss == EmbeddingLoss.COSINE_MSE && Math.abs(score) > 1) {
                    throw new IllegalArgumentException("score " + score + " is outside [-1, 1], the range of a cosine "
                            + "(cosine_mse compares them; scale the scores, or use cosent)");
                }
                yield score;
            }
            case LABELLED_TEXTS -> {
                if (gold.size() != 1) {
                    throw new IllegalArgumentException(
                            gold.size() + " labels " + gold + " for embedding task '" + name() + "' (needs one)");
                }
                int i = labels.indexOf(gold.get(0));
                if (i < 0) {
                    throw new IllegalArgumentException(
                            "label '" + gold.get(0) + "' is not one of task '" + name() + "' labels");
                }
                yield i;
            }
        };
    }

    @Override
    public Decoder<float[]> decoder() {
        return (rows, input) -> rows[0];
    }
}
