package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import dev.mtl.config.BertConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The BERT encoder without pooler: embeddings, then {@code encoder.layer.0..L-1}. Input: token ids,
 * token type ids and the 0/1 attention mask, all (B, T) int64; output: the last hidden state
 * (B, T, H). Heads live elsewhere and read this output.
 */
public final class BertModel extends HfModule {

    private final BertConfig config;
    private final BertEmbeddings embeddings;
    private final List<BertLayer> layers;
    private final AtomicLong forwardCount = new AtomicLong();

    public BertModel(BertConfig config) {
        this.config = config;
        this.embeddings = module("embeddings", new BertEmbeddings(config));
        Layers encoder = module("encoder", new Layers());
        List<BertLayer> ls = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            ls.add(encoder.add(i, new BertLayer(config)));
        }
        this.layers = Collections.unmodifiableList(ls);
    }

    /** @return the last hidden state (B, T, H) */
    public NDArray apply(NDArray ids, NDArray typeIds, NDArray mask, boolean training) {
        return apply(ids, typeIds, mask, 0, training).last();
    }

    /**
     * What one pass leaves for the heads: the last hidden state, the input of the top {@code top} layers
     * (B, T, H; the last state itself when {@code top} is 0) and the additive attention mask (B, 1, 1, T).
     */
    public record States(NDArray last, NDArray belowTop, NDArray additiveMask) {}

    /** As {@link #apply(NDArray, NDArray, NDArray, boolean)}, keeping the input of the top {@code top} layers. */
    public States apply(NDArray ids, NDArray typeIds, NDArray mask, int top, boolean training) {
        return apply(ids, typeIds, mask, top, ids.getShape().get(0), 1f, training);
    }

    /**
     * As {@link #apply(NDArray, NDArray, NDArray, int, boolean)}, with the top {@code top} layers run for
     * the batch's first {@code rows} rows only: {@code last} then has {@code rows} rows (the rest of the
     * batch is never computed; with {@code top} 0 it has all of them), {@code belowTop} and the mask keep all.
     * In training, {@code pull} (0 to 1) scales the gradient that flows from the top layers into the layers
     * below them (a task tower's base; {@code belowTop} keeps the whole gradient); the values are unchanged.
     */
    public States apply(NDArray ids, NDArray typeIds, NDArray mask, int top, long rows, float pull, boolean training) {
        if (top < 0 || top > layers.size()) {
            throw new IllegalArgumentException("top " + top + " of " + layers.size() + " layers");
        }
        long batch = ids.getShape().get(0);
        if (rows < 1 || rows > batch) {
            throw new IllegalArgumentException("rows " + rows + " of a batch of " + batch);
        }
        if (!(pull >= 0 && pull <= 1)) {
            throw new IllegalArgumentException("pull " + pull + " outside [0, 1]");
        }
        forwardCount.incrementAndGet();
        NDArray additive = AttentionMask.additive(mask); // (B, 1, 1, T)
        NDArray x = embeddings.apply(ids, typeIds, training); // (B, T, H)
        NDArray belowTop = top == layers.size() ? x : null;
        NDArray layerMask = additive;
        for (int i = 0; i < layers.size(); i++) {
            if (i == layers.size() - top && rows < batch) {
                x = x.get("0:" + rows); // (rows, T, H)
                layerMask = additive.get("0:" + rows);
            }
            if (i == layers.size() - top && top > 0 && pull < 1 && training) {
                x = scaleGradient(x, pull);
            }
            x = layers.get(i).apply(x, layerMask, training);
            if (i == layers.size() - 1 - top) {
                belowTop = x;
            }
        }
        return new States(x, belowTop, additive);
    }

    /** x's values (x − d is exactly 0), with the gradient flowing back into x scaled by {@code pull}. */
    static NDArray scaleGradient(NDArray x, float pull) {
        NDArray d = x.stopGradient();
        return pull == 0 ? d : d.add(x.sub(d).mul(pull));
    }

    public BertConfig config() {
        return config;
    }

    public BertEmbeddings embeddings() {
        return embeddings;
    }

    public List<BertLayer> layers() {
        return layers;
    }

    /** How many times the encoder has run (the server exports it; every head shares one pass). */
    public long forwardCount() {
        return forwardCount.get();
    }

    /** {@code encoder.layer.N}: a naming level only. */
    static final class Layers extends HfModule {
        BertLayer add(int i, BertLayer layer) {
            return module("layer." + i, layer);
        }
    }
}
