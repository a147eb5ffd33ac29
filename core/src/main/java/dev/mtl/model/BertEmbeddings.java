package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.mtl.config.BertConfig;

/**
 * Word + position + token-type embeddings, then LayerNorm and dropout ({@code BertEmbeddings} in
 * modeling_bert.py). Shapes: B batch, T tokens, H hidden.
 */
public final class BertEmbeddings extends HfModule {

    private final Param words;
    private final Param positions;
    private final Param tokenTypes;
    private final LayerNormModule layerNorm;
    private final float dropout;
    private final int hidden;
    /** Word-table rows looked up in training since the last {@link #drainWordRows}; null: not tracked. */
    private java.util.BitSet wordRows;

    public BertEmbeddings(BertConfig c) {
        this.hidden = c.hiddenSize();
        this.words = weight("word_embeddings.weight", new Shape(c.vocabSize(), c.hiddenSize()));
        this.positions = weight("position_embeddings.weight", new Shape(c.maxPositionEmbeddings(), c.hiddenSize()));
        this.tokenTypes = weight("token_type_embeddings.weight", new Shape(c.typeVocabSize(), c.hiddenSize()));
        this.layerNorm = module("LayerNorm", new LayerNormModule(c.hiddenSize(), c.layerNormEps()));
        this.dropout = (float) c.hiddenDropoutProb();
    }

    /**
     * @param ids token ids (B, T), int64, in the per-batch manager
     * @param typeIds token type ids (B, T), int64
     * @return (B, T, H)
     */
    public NDArray apply(NDArray ids, NDArray typeIds, boolean training) {
        NDManager batch = ids.getManager();
        long t = ids.getShape().get(1);
        // Position ids are created in the per-batch manager: slicing the table would put the result in
        // the model's long-lived manager.
        NDArray positionIds = batch.arange(0, (int) t, 1, DataType.INT64);
        NDArray x = training ? wordLookup(ids) : lookup(ids, words); // (B, T, H)
        x = x.addi(lookup(typeIds, tokenTypes));
        x = x.addi(lookup(positionIds, positions)); // (T, H) broadcast over B
        x = layerNorm.apply(x);
        return Dropouts.apply(x, dropout, training);
    }

    /**
     * Tracks (or stops tracking) which word-table rows training looks up, so that an optimizer can
     * visit only those rows instead of scanning the whole 30,522-row gradient.
     */
    public void trackWordRows(boolean on) {
        wordRows = on ? new java.util.BitSet() : null;
    }

    /** The word-table rows looked up in training since the last call (empty when not tracked). */
    public java.util.BitSet drainWordRows() {
        if (wordRows == null) {
            return new java.util.BitSet();
        }
        java.util.BitSet out = wordRows;
        wordRows = new java.util.BitSet();
        return out;
    }

    /**
     * The word lookup in training. Once the table has a dense gradient, the lookup's backward yields a
     * sparse one (the rows of this batch), which PyTorch adds into the dense gradient in place: the
     * dense backward instead zero-fills a fresh table-sized tensor (30,522 × 384 for MiniLM) and adds
     * all of it, every micro-batch. Into a zeroed gradient both add the same rows in the same order
     * (the same bits); with gradient accumulation, a later micro-batch's rows are added one by one
     * instead of summed first, so a repeated id can differ in the last bits. The first backward stays
     * dense so that the gradient PyTorch keeps is dense; the optimizer reads it as one.
     */
    private NDArray wordLookup(NDArray ids) {
        if (wordRows != null) {
            for (long id : ids.toLongArray()) {
                wordRows.set(Math.toIntExact(id));
            }
        }
        NDArray table = value(words);
        boolean sparse = sparseBackward(table);
        return ids.getNDArrayInternal()
                .embedding(ids, table, sparse ? SparseFormat.COO : SparseFormat.DENSE)
                .singletonOrThrow();
    }

    /** Whether a lookup of {@code table} now gets a sparse gradient: once PyTorch holds a dense one for it. */
    static boolean sparseBackward(NDArray table) {
        return table.hasGradient() && hasDenseGradient(table);
    }

    /** Whether PyTorch already holds a dense float gradient for {@code a} (false on other engines). */
    private static boolean hasDenseGradient(NDArray a) {
        if (!(a instanceof ai.djl.pytorch.engine.PtNDArray pt)) {
            return false;
        }
        try (ai.djl.pytorch.engine.PtNDArray g = ai.djl.pytorch.jni.JniUtils.getGradient(pt)) {
            return g != null && NativeViews.floats(g) != null;
        }
    }

    private static NDArray lookup(NDArray ids, Param table) {
        return ids.getNDArrayInternal()
                .embedding(ids, value(table), SparseFormat.DENSE)
                .singletonOrThrow();
    }
}
