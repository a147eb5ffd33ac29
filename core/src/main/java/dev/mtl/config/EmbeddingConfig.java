package dev.mtl.config;

/**
 * Settings of the sentence-embedding head: pooling → optional projection → optional LayerNorm → L2.
 *
 * @param pooling how token vectors are pooled
 * @param projectionDim output size of a linear projection, or 0 for none
 * @param layerNorm whether a LayerNorm follows (the projection, or the pooled vector)
 * @param normalize whether the result is L2-normalized
 */
public record EmbeddingConfig(Pooling pooling, int projectionDim, boolean layerNorm, boolean normalize) {

    public EmbeddingConfig {
        if (pooling == null) {
            throw new IllegalArgumentException("pooling must be set; allowed: mean, cls, max");
        }
        if (projectionDim < 0) {
            throw new IllegalArgumentException("projection_dim must be >= 0 (0 = no projection), got " + projectionDim);
        }
    }

    /** sentence-transformers' setting for all-MiniLM-L6-v2: mean pooling, L2, nothing in between. */
    public static EmbeddingConfig sentenceTransformers() {
        return new EmbeddingConfig(Pooling.MEAN, 0, false, true);
    }

    /** The size of the embedding for an encoder of width {@code hidden}. */
    public int dimension(int hidden) {
        return projectionDim > 0 ? projectionDim : hidden;
    }
}
