package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mtl.weights.Tensor;
import dev.mtl.weights.TensorData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

    private final Map<String, Param> params;

    private ParameterTable(Map<String, Param> params) {
        this.params = Collections.unmodifiableMap(params);
    }

    /** The table of {@code module}'s parameters, keys prefixed with {@code prefix}. */
    public static ParameterTable of(HfModule module, String prefix) {
        Map<String, Param> m = new LinkedHashMap<>();
        module.collect(prefix, m);
        return new ParameterTable(m);
    }

    /** Several tables side by side (encoder and heads); keys must not collide. */
    public static ParameterTable concat(List<ParameterTable> tables) {
        Map<String, Param> m = new LinkedHashMap<>();
        for (ParameterTable t : tables) {
            for (var e : t.params.entrySet()) {
                if (m.put(e.getKey(), e.getValue()) != null) {
                    throw new IllegalArgumentException("duplicate parameter key " + e.getKey());
                }
            }
        }
        return new ParameterTable(m);
    }

    /** Checkpoint key → parameter, in the model's order. */
    public Map<String, Param> params() {
        return params;
    }

    public long parameterCount() {
        return params.values().stream().mapToLong(p -> p.shape().size()).sum();
    }

    /**
     * Fills every parameter from {@code tensors}, which must hold exactly this table's keys.
     *
     * @param source named in error messages (the weight file)
     * @throws WeightLoadException naming the first offending key
     */
    public void load(Map<String, ? extends TensorData> tensors, NDManager manager, String source) {
        List<String> missing = new ArrayList<>();
        for (String key : params.keySet()) {
            if (!tensors.containsKey(key)) {
                missing.add(key);
            }
        }
        if (!missing.isEmpty()) {
            String key = missing.get(0);
            throw new WeightLoadException(source + ": missing key '" + key + "' (expected shape "
                    + params.get(key).shape() + ")" + more(missing.size()));
        }
        List<String> unexpected = new ArrayList<>(new TreeSet<>(tensors.keySet()));
        unexpected.removeAll(params.keySet());
        if (!unexpected.isEmpty()) {
            String key = unexpected.get(0);
            throw new WeightLoadException(source + ": unexpected key '" + key + "' (shape "
                    + Arrays.toString(tensors.get(key).shape()) + ") is not a parameter of this model"
                    + more(unexpected.size()));
        }
        for (var e : params.entrySet()) {
            TensorData t = tensors.get(e.getKey());
            Shape expected = e.getValue().shape();
            if (!Arrays.equals(t.shape(), expected.getShape())) {
                throw new WeightLoadException(source + ": wrong shape for '" + e.getKey() + "': file has "
                        + Arrays.toString(t.shape()) + ", model expects " + Arrays.toString(expected.getShape()));
            }
        }
        ByteBuffer chunk = ByteBuffer.allocateDirect(4 * CHUNK).order(ByteOrder.nativeOrder());
        for (var e : params.entrySet()) {
            try {
                set(e.getValue(), manager, tensors.get(e.getKey()), chunk);
            } catch (IOException x) {
                throw new UncheckedIOException(x);
            }
        }
    }

    /** Values per copy into native memory: 4 MB of float32, whatever the tensor's size. */
    private static final int CHUNK = 1 << 20;

    /** Initialises every parameter that has no value yet with its own initializer (BERT's scheme). */
    public void initializeMissing(NDManager manager) {
        for (Param p : params.values()) {
            if (!p.isInitialized()) {
                p.set(p.initializer().initialize(manager, p.shape(), DataType.FLOAT32));
            }
        }
    }

    /** Copies every parameter to Java memory, keyed as in the checkpoint. */
    public Map<String, Tensor> toTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : params.entrySet()) {
            NDArray a = e.getValue().array();
            out.put(e.getKey(), new Tensor(e.getKey(), a.getShape().getShape(), a.toFloatArray()));
        }
        return out;
    }

    /**
     * Copies {@code t} into the parameter chunk by chunk through {@code chunk} (direct memory), so no
     * tensor passes whole through the Java heap. An initialised parameter is written in place.
     */
    private static void set(Param p, NDManager manager, TensorData t, ByteBuffer chunk) throws IOException {
        long n = t.count();
        NDArray target = p.isInitialized() ? p.array() : manager.zeros(p.shape());
        try (NDManager scratch = manager.newSubManager()) {
            NDArray flat = target.reshape(n); // a view of target's storage: writes to it land in target
            flat.attach(scratch);
            for (long lo = 0; lo < n; lo += CHUNK) {
                int len = (int) Math.min(CHUNK, n - lo);
                chunk.clear();
                FloatBuffer values = chunk.asFloatBuffer();
                values.limit(len);
                t.read(lo, values);
                chunk.limit(4 * len);
                try (NDArray piece = manager.create(chunk, new Shape(len), DataType.FLOAT32)) {
                    flat.set(new NDIndex().addSliceDim(lo, lo + len), piece);
                }
            }
        }
        if (!p.isInitialized()) {
            p.set(target);
        }
    }

    private static String more(int n) {
        return n > 1 ? " and " + (n - 1) + " more" : "";
    }
}
