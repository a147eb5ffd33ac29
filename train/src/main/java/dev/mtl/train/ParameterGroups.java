package dev.mtl.train;

import ai.djl.ndarray.NDArray;
import dev.mtl.MultiTaskModel;
import dev.mtl.model.Param;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which parameters train in an epoch, and how: freezing (the whole encoder, the embeddings, the
 * lowest layers, named heads, or ULMFiT's gradual unfreezing from the top), the learning-rate scale
 * (heads: head_lr/lr; encoder layer i of L: layer_decay^(L−i); embeddings: layer_decay^(L+1)) and the
 * weight decay (none on biases, LayerNorm weights and CRF transitions). Layer i of a task tower of k
 * layers is a copy of encoder layer L−k+i and trains, and freezes, as that layer.
 */
final class ParameterGroups {

    /** The word-embedding table's key: {@code optimizer.lazy_embeddings} applies to it alone. */
    static final String WORD_EMBEDDINGS = "embeddings.word_embeddings.weight";

    private static final String LAYER_PREFIX = "encoder.layer.";
    private static final String TOWER_PREFIX = MultiTaskModel.TASK_TOWER_PREFIX + "layer.";

    private final Map<String, Param> params;
    private final OptimizerConfig optimizer;
    private final FreezeConfig freeze;
    private final int layers;
    private final int towerLayers;

    ParameterGroups(MultiTaskModel model, OptimizerConfig optimizer, FreezeConfig freeze) {
        this(
                model.parameters().params(),
                model.backbone().config().numHiddenLayers(),
                model.config().taskLayers(),
                optimizer,
                freeze);
    }

    ParameterGroups(Map<String, Param> params, int layers, OptimizerConfig optimizer, FreezeConfig freeze) {
        this(params, layers, 0, optimizer, freeze);
    }

    ParameterGroups(
            Map<String, Param> params, int layers, int towerLayers, OptimizerConfig optimizer, FreezeConfig freeze) {
        this.params = params;
        this.optimizer = optimizer;
        this.freeze = freeze;
        this.layers = layers;
        this.towerLayers = towerLayers;
    }

    /** Marks every parameter trainable or frozen for {@code epoch}; returns the trainable ones. */
    List<AdamW.Group> forEpoch(int epoch) {
        List<AdamW.Group> groups = new ArrayList<>();
        for (var e : params.entrySet()) {
            String key = e.getKey();
            NDArray w = e.getValue().array();
            boolean trainable = !frozen(key, epoch);
            w.setRequiresGradient(trainable);
            if (!trainable) {
                continue;
            }
            float scale = lrScale(key);
            boolean noDecay = key.endsWith(".bias") || key.contains("LayerNorm") || key.contains("crf.");
            boolean lazy = optimizer.lazyEmbeddings() && key.equals(WORD_EMBEDDINGS);
            groups.add(new AdamW.Group(key, w, scale, noDecay ? 0f : (float) optimizer.weightDecay(), lazy));
        }
        return groups;
    }

    /** The learning rate of {@code key} as a multiple of {@code optimizer.lr}. */
    float lrScale(String key) {
        if (isHead(key)) {
            return (float) (optimizer.headLr() / optimizer.lr());
        }
        int layer = layerOf(key);
        return (float) Math.pow(optimizer.layerDecay(), layer >= 0 ? layers - layer : layers + 1);
    }

    /** Whether {@code key} is frozen in {@code epoch}. */
    boolean frozen(String key, int epoch) {
        if (key.startsWith(MultiTaskModel.HEADS_PREFIX)) {
            int start = MultiTaskModel.HEADS_PREFIX.length();
            return freeze.heads().contains(key.substring(start, key.indexOf('.', start)));
        }
        if (key.startsWith(MultiTaskModel.EMBEDDING_PREFIX)) {
            return false;
        }
        if (freeze.encoder()) {
            return true;
        }
        int layer = layerOf(key); // -1: the embeddings
        if (freeze.gradualUnfreeze() && layer < layers - 1 - epoch) {
            return true; // ULMFiT: epoch 0 trains the heads and the top layer, each later epoch one more
        }
        if (layer < 0) {
            return freeze.embeddings() || freeze.layers() > 0;
        }
        return layer < freeze.layers();
    }

    private static boolean isHead(String key) {
        return key.startsWith(MultiTaskModel.HEADS_PREFIX) || key.startsWith(MultiTaskModel.EMBEDDING_PREFIX);
    }

    /** The encoder layer that {@code key} belongs to, or is a task tower's copy of; -1 for the embeddings. */
    private int layerOf(String key) {
        if (key.startsWith(TOWER_PREFIX)) {
            return layers - towerLayers + index(key, TOWER_PREFIX);
        }
        return key.startsWith(LAYER_PREFIX) ? index(key, LAYER_PREFIX) : -1;
    }

    private static int index(String key, String prefix) {
        return Integer.parseInt(key.substring(prefix.length(), key.indexOf('.', prefix.length())));
    }
}
