package dev.mtl.embedding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.model.Dense;
import dev.mtl.model.HfModule;
import dev.mtl.model.LayerNormModule;

/**
 * The sentence-embedding head as a short pipeline (sentence-transformers' Pooling → Dense → Normalize):
 * {@link #pool} turns the last hidden state into one vector per sequence, {@link #finish} applies the
 * optional projection and LayerNorm and the L2 normalization. The two halves are separate so that the
 * pooled vectors of a long text's windows can be combined in between. Shapes: B batch, T tokens, H
 * hidden, E embedding size.
 */
public final class EmbeddingHead extends HfModule {

    /** sentence-transformers clamps the token count so an all-padding row cannot divide by zero. */
    public static final float MIN_TOKEN_COUNT = 1e-9f;
    /** sentence-transformers sets padded positions to this before max pooling. */
    public static final float MAX_POOL_PAD = -1e9f;
    /** torch.nn.functional.normalize's eps: the norm is clamped to at least this. */
    public static final float L2_EPS = 1e-12f;

    private final EmbeddingConfig config;
    private final Dense projection;
    private final LayerNormModule layerNorm;
    private final int hidden;

    public EmbeddingHead(EmbeddingConfig config, int hidden, double layerNormEps) {
        this.config = config;
        this.hidden = hidden;
        int dim = config.dimension(hidden);
        this.projection = config.projectionDim() > 0 ? module("projection", new Dense(hidden, dim)) : null;
        this.layerNorm = config.layerNorm() ? module("LayerNorm", new LayerNormModule(dim, layerNormEps)) : null;
    }

    public EmbeddingConfig config() {
        return config;
    }

    /** (B, T, H) and 0/1 mask (B, T) → pooled (B, H). */
    public NDArray pool(NDArray hiddenStates, NDArray mask) {
        NDArray m = mask.toType(DataType.FLOAT32, false).expandDims(-1); // (B, T, 1)
        return switch (config.pooling()) {
            case CLS -> hiddenStates.get(new NDIndex(":, 0, :")); // (B, H)
            case MEAN ->
                hiddenStates
                        .mul(m)
                        .sum(new int[] {1}) // (B, H)
                        .divi(m.sum(new int[] {1}).clip(MIN_TOKEN_COUNT, Float.MAX_VALUE)); // (B, 1) broadcast
            case MAX -> hiddenStates.add(m.neg().addi(1f).muli(MAX_POOL_PAD)).max(new int[] {1}); // (B, H)
        };
    }

    /** pooled (B, H) → embedding (B, E): projection, LayerNorm, L2, as configured. */
    public NDArray finish(NDArray pooled) {
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

    /** Row-wise x / max(‖x‖₂, eps), as torch.nn.functional.normalize. */
    public static NDArray l2Normalize(NDArray x) {
        NDArray norm = x.norm(new int[] {-1}, true).clip(L2_EPS, Float.MAX_VALUE); // (B, 1)
        return x.div(norm);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(finish(pool(inputs.get(0), inputs.get(1))));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.dimension(hidden))};
    }
}
