package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mtl.config.BertConfig;
import dev.mtl.weights.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Private copies of the encoder's top layers that the classification and NER heads read instead of
 * the shared ones: the sentence embedding keeps the shared stack, so the task heads can move their top
 * layers without moving the embedding. Parameters {@code layer.0..k-1}, each a {@link BertLayer}
 * named as the encoder's; a new tower starts as a copy of the encoder's top {@code k} layers.
 */
public final class TaskTower extends HfModule {

    private final List<BertLayer> layers;

    public TaskTower(BertConfig config, int size) {
        if (size < 1 || size > config.numHiddenLayers()) {
            throw new IllegalArgumentException("task_layers must be between 1 and the encoder's "
                    + config.numHiddenLayers() + " layers, got " + size);
        }
        List<BertLayer> ls = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            ls.add(module("layer." + i, new BertLayer(config)));
        }
        this.layers = Collections.unmodifiableList(ls);
    }

    /** Sets each layer to a copy of its counterpart among {@code encoder}'s top layers. */
    public void copyTopLayers(BertModel encoder, NDManager manager) {
        int first = encoder.layers().size() - layers.size();
        Map<String, Tensor> copy = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            copy.putAll(ParameterTable.of(encoder.layers().get(first + i), "layer." + i + ".")
                    .toTensors());
        }
        ParameterTable.of(this, "").load(copy, manager, "the encoder's top layers");
    }

    /** The input of the encoder's top layers (B, T, H) and the additive mask → the tower's output (B, T, H). */
    public NDArray apply(NDArray belowTop, NDArray additiveMask, boolean training) {
        NDArray x = belowTop;
        for (BertLayer layer : layers) {
            x = layer.apply(x, additiveMask, training);
        }
        return x;
    }
}
