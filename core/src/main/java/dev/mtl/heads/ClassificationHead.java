package dev.mtl.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.mtl.config.TaskConfig;
import dev.mtl.model.Dense;
import dev.mtl.model.Dropouts;
import dev.mtl.model.HfModule;

/**
 * Sentence classification (task A): an MLP on the pooled sentence vector, Linear → activation →
 * dropout → Linear → logits (HF's {@code RobertaClassificationHead} shape, names {@code dense} and
 * {@code out_proj}). Softmax over labels, or a sigmoid per label in multi-label mode.
 *
 * <p>It reads the pooled vector <em>before</em> the embedding head's projection, LayerNorm and L2
 * normalization: L2 normalization throws away the vector's length, which carries signal a classifier
 * can use, and the projection is shaped for similarity search. Reading before them also keeps every
 * classifier independent of how the embedding head is configured. Shapes: B batch, H hidden, M MLP
 * width, L labels.
 */
public final class ClassificationHead extends HfModule {

    private final Dense dense;
    private final Dense outProj;
    private final String activation;
    private final float dropout;
    private final int labels;

    public ClassificationHead(TaskConfig task, int hidden) {
        int width = task.hiddenSize() > 0 ? task.hiddenSize() : hidden;
        this.dense = module("dense", new Dense(hidden, width));
        this.outProj = module("out_proj", new Dense(width, task.labels().size()));
        this.activation = task.activation();
        this.dropout = (float) task.dropout();
        this.labels = task.labels().size();
    }

    /** pooled (B, H) → logits (B, L). */
    public NDArray apply(NDArray pooled, boolean training) {
        NDArray h = dense.apply(Dropouts.apply(pooled, dropout, training)); // (B, M)
        h = switch (activation) {
            case "relu" -> Activation.relu(h);
            case "tanh" -> Activation.tanh(h);
            default -> Activation.gelu(h);
        };
        return outProj.apply(Dropouts.apply(h, dropout, training)); // (B, L)
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), labels)};
    }
}
