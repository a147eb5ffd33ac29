package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mtl.weights.Tensor;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The one explicit table from checkpoint key to parameter. Loading is strict: a missing key, an
 * unexpected key or a wrong shape fails, and the message names the key and both shapes (nanoGPT's
 * {@code from_pretrained} asserts the same).
 */
public final class ParameterTable {

    private final Map<String, HfModule.Slot> slots;

    private ParameterTable(Map<String, HfModule.Slot> slots) {
        this.slots = Collections.unmodifiableMap(slots);
    }

    /** The table of {@code module}'s parameters, keys prefixed with {@code prefix}. */
    public static ParameterTable of(HfModule module, String prefix) {
        Map<String, HfModule.Slot> m = new LinkedHashMap<>();
        module.collect(prefix, m);
        return new ParameterTable(m);
    }

    /** Several tables side by side (encoder and heads); keys must not collide. */
    public static ParameterTable concat(List<ParameterTable> tables) {
        Map<String, HfModule.Slot> m = new LinkedHashMap<>();
        for (ParameterTable t : tables) {
            for (var e : t.slots.entrySet()) {
                if (m.put(e.getKey(), e.getValue()) != null) {
                    throw new IllegalArgumentException("duplicate parameter key " + e.getKey());
                }
            }
        }
        return new ParameterTable(m);
    }

    public Map<String, HfModule.Slot> slots() {
        return slots;
    }

    public long parameterCount() {
        return slots.values().stream().mapToLong(s -> s.shape().size()).sum();
    }

    /**
     * Fills every parameter from {@code tensors}, which must hold exactly this table's keys.
     *
     * @param source named in error messages (the weight file)
     * @throws WeightLoadException naming the first offending key
     */
    public void load(Map<String, Tensor> tensors, NDManager manager, String source) {
        List<String> missing = new ArrayList<>();
        for (String key : slots.keySet()) {
            if (!tensors.containsKey(key)) {
                missing.add(key);
            }
        }
        if (!missing.isEmpty()) {
            String key = missing.get(0);
            throw new WeightLoadException(source + ": missing key '" + key + "' (expected shape "
                    + slots.get(key).shape() + ")" + more(missing.size()));
        }
        List<String> unexpected = new ArrayList<>(new TreeSet<>(tensors.keySet()));
        unexpected.removeAll(slots.keySet());
        if (!unexpected.isEmpty()) {
            String key = unexpected.get(0);
            throw new WeightLoadException(source + ": unexpected key '" + key + "' (shape "
                    + Arrays.toString(tensors.get(key).shape()) + ") is not a parameter of this model"
                    + more(unexpected.size()));
        }
        for (var e : slots.entrySet()) {
            Tensor t = tensors.get(e.getKey());
            Shape expected = e.getValue().shape();
            if (!Arrays.equals(t.shape(), expected.getShape())) {
                throw new WeightLoadException(source + ": wrong shape for '" + e.getKey() + "': file has "
                        + t.shapeString() + ", model expects " + Arrays.toString(expected.getShape()));
            }
        }
        for (var e : slots.entrySet()) {
            Tensor t = tensors.get(e.getKey());
            set(e.getValue().parameter(), manager, t.data(), e.getValue().shape());
        }
    }

    /** Initialises every parameter that has no value yet with its own initializer (BERT's scheme). */
    public void initializeMissing(NDManager manager) {
        for (HfModule.Slot s : slots.values()) {
            Parameter p = s.parameter();
            if (!p.isInitialized()) {
                NDArray a = s.initializer().initialize(manager, s.shape(), DataType.FLOAT32);
                p.setArray(a);
            }
        }
    }

    /** Copies every parameter to Java memory, keyed as in the checkpoint. */
    public Map<String, Tensor> toTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : slots.entrySet()) {
            NDArray a = e.getValue().parameter().getArray();
            out.put(e.getKey(), new Tensor(e.getKey(), a.getShape().getShape(), a.toFloatArray()));
        }
        return out;
    }

    private static void set(Parameter p, NDManager manager, float[] data, Shape shape) {
        if (p.isInitialized()) {
            p.getArray().set(FloatBuffer.wrap(data)); // in place: optimizer state stays attached
        } else {
            p.setArray(manager.create(data, shape));
        }
    }

    private static String more(int n) {
        return n > 1 ? " and " + (n - 1) + " more" : "";
    }
}
