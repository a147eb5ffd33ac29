package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.mtl.config.BertConfig;

/**
 * Word + position + token-type embeddings, then LayerNorm and dropout ({@code BertEmbeddings} in
 * modeling_bert.py). Shapes: B batch, T tokens, H hidden.
 */
public final class BertEmbeddings extends HfModule {

    private final Parameter words;
    private final Parameter positions;
    private final Parameter tokenTypes;
    private final LayerNormModule layerNorm;
    private final float dropout;
    private final int hidden;

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
        NDArray x = lookup(ids, words); // (B, T, H)
        x = x.addi(lookup(typeIds, tokenTypes));
        x = x.addi(lookup(positionIds, positions)); // (T, H) broadcast over B
        x = layerNorm.apply(x);
        return Dropouts.apply(x, dropout, training);
    }

    private static NDArray lookup(NDArray ids, Parameter table) {
        return ids.getNDArrayInternal().embedding(ids, value(table), SparseFormat.DENSE).singletonOrThrow();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(inputs.get(0), inputs.get(1), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(hidden)};
    }
}
