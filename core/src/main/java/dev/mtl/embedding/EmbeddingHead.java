package dev.mtl.embedding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.Output;
import dev.mtl.heads.Head;
import dev.mtl.model.Dense;
import dev.mtl.model.LayerNormModule;
import dev.mtl.model.Scalars;
import java.util.List;

/**
 * The sentence-embedding head, after the shared {@link Pooler} (sentence-transformers' Dense →
 * LayerNorm → Normalize): the optional projection and LayerNorm, then L2 normalization. It reads the
 * pooled vector, so a long text's windows can be pooled and combined before it runs. Its loss pulls
 * each embedding towards a target vector (cosine distance), which is how training keeps the
 * embedding near a reference model's. Shapes: B batch, H hidden, E embedding size.
 */
public final class EmbeddingHead extends Head<float[], float[]> {

    /** The head's name among a model's outputs; its parameters are saved under {@code embedding.}. */
    public static final String NAME = "embedding";
    /** torch.nn.functional.normalize's eps: the norm is clamped to at least this. */
    public static final float L2_EPS = 1e-12f;

    private final EmbeddingConfig config;
    private final Dense projection;
    private final LayerNormModule layerNorm;
    private final int dimension;

    public EmbeddingHead(EmbeddingConfig config, int hidden, double layerNormEps) {
        super(NAME);
        this.config = config;
        this.dimension = config.dimension(hidden);
        // A square projection starts as the identity: added to a trained sentence model, it keeps the
        // model's embedding until training moves it.
        this.projection = config.projectionDim() > 0
                ? module("projection", new Dense(hidden, dimension, dimension == hidden))
                : null;
        this.layerNorm = config.layerNorm() ? module("LayerNorm", new LayerNormModule(dimension, layerNormEps)) : null;
    }

    public EmbeddingConfig config() {
        return config;
    }

    public int dimension() {
        return dimension;
    }

    @Override
    public Input input() {
        return Input.SENTENCE;
    }

    @Override
    public Output output() {
        return Output.EMBEDDING;
    }

    /** pooled (B, H) → embedding (B, E): projection, LayerNorm, L2, as configured. */
    @Override
    public NDArray forward(NDArray pooled, boolean training) {
        NDArray x = pooled;
        if (projection != null) {
            x = projection.apply(x);
        }
        if (layerNorm != null) {
            x = layerNorm.apply(x);
        }
        if (config.normalize()) {
            x = l2Normalize(x);
        }
        return x;
    }

    /** The mean cosine distance 1 − cos(e, t) of each embedding to its target vector. */
    @Override
    public NDArray loss(NDArray embeddings, List<float[]> targets) {
        int b = targets.size();
        float[] flat = new float[b * dimension];
        for (int i = 0; i < b; i++) {
            if (targets.get(i).length != dimension) {
                throw new IllegalArgumentException(
                        "target vector of size " + targets.get(i).length + " for embeddings of size " + dimension);
            }
            System.arraycopy(targets.get(i), 0, flat, i * dimension, dimension);
        }
        NDArray t = l2Normalize(embeddings.getManager().create(flat, new Shape(b, dimension))); // (B, E)
        NDArray cos = l2Normalize(embeddings).mul(t).sum(new int[] {1}); // (B)
        NDArray one = Scalars.like(cos, 1);
        return one.sub(cos).mean();
    }

    @Override
    public Decoder<float[]> decoder() {
        return (rows, input) -> rows[0];
    }

    /** Row-wise x / max(‖x‖₂, eps), as torch.nn.functional.normalize. */
    public static NDArray l2Normalize(NDArray x) {
        NDArray norm = x.norm(new int[] {-1}, true).clip(L2_EPS, Float.MAX_VALUE); // (B, 1)
        return x.div(norm);
    }
}
