package dev.mtl.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX graph under construction (nodes, initializers, inputs, outputs, metadata) and its
 * serialisation as a ModelProto. Field numbers are those of the published {@code onnx.proto}; only
 * the messages and fields written here are used.
 */
final class OnnxGraph {

    /** The opset of the standard domain: 17 is the first with LayerNormalization. */
    static final int OPSET = 17;
    /** The IR version that goes with opset 17. */
    static final int IR_VERSION = 8;
    /** ONNX Runtime's contrib operators (Attention, SkipLayerNormalization, ...). */
    static final String MS = "com.microsoft";

    // TensorProto.DataType
    static final int FLOAT = 1;
    static final int INT8 = 3;
    static final int INT32 = 6;
    static final int INT64 = 7;

    // ModelProto
    private static final int MODEL_IR_VERSION = 1;
    private static final int MODEL_PRODUCER_NAME = 2;
    private static final int MODEL_PRODUCER_VERSION = 3;
    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_OPSET_IMPORT = 8;
    private static final int MODEL_METADATA_PROPS = 14;
    // OperatorSetIdProto, StringStringEntryProto
    private static final int OPSET_DOMAIN = 1;
    private static final int OPSET_VERSION = 2;
    private static final int ENTRY_KEY = 1;
    private static final int ENTRY_VALUE = 2;
    // GraphProto
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_NAME = 2;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    // NodeProto
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int NODE_DOMAIN = 7;
    // AttributeProto and its AttributeType values
    private static final int ATTR_NAME = 1;
    private static final int ATTR_F = 2;
    private static final int ATTR_I = 3;
    private static final int ATTR_INTS = 8;
    private static final int ATTR_TYPE = 20;
    private static final int TYPE_FLOAT = 1;
    private static final int TYPE_INT = 2;
    private static final int TYPE_INTS = 7;
    // TensorProto
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_DATA_TYPE = 2;
    private static final int TENSOR_NAME = 8;
    private static final int TENSOR_RAW_DATA = 9;
    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, Dimension
    private static final int VALUE_NAME = 1;
    private static final int VALUE_TYPE = 2;
    private static final int TYPE_TENSOR = 1;
    private static final int TENSOR_TYPE_ELEM = 1;
    private static final int TENSOR_TYPE_SHAPE = 2;
    private static final int SHAPE_DIM = 1;
    private static final int DIM_VALUE = 1;
    private static final int DIM_PARAM = 2;

    /** A node attribute: an int, a float or a list of ints. */
    record Attr(String name, int type, Object value) {
        static Attr i(String name, long v) {
            return new Attr(name, TYPE_INT, v);
        }

        static Attr f(String name, double v) {
            return new Attr(name, TYPE_FLOAT, (float) v);
        }

        static Attr ints(String name, long... v) {
            return new Attr(name, TYPE_INTS, v);
        }
    }

    private final List<Proto> nodes = new ArrayList<>();
    private final List<Proto> initializers = new ArrayList<>();
    private final List<Proto> inputs = new ArrayList<>();
    private final List<Proto> outputs = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private int counter;

    /** A node of the standard domain with one output, named after {@code name}. */
    String op(String opType, String name, List<String> in, Attr... attrs) {
        return node(opType, "", name, in, 1, attrs)[0];
    }

    /** A contrib node (com.microsoft) with one output. */
    String ms(String opType, String name, List<String> in, Attr... attrs) {
        return node(opType, MS, name, in, 1, attrs)[0];
    }

    /** A node with {@code outputCount} outputs; an empty input name is an omitted optional input. */
    String[] node(String opType, String domain, String name, List<String> in, int outputCount, Attr... attrs) {
        String unique = name + "/" + opType + "_" + counter++;
        String[] out = new String[outputCount];
        Proto n = new Proto();
        in.forEach(i -> n.string(NODE_INPUT, i));
        for (int k = 0; k < outputCount; k++) {
            out[k] = unique + (outputCount == 1 ? "" : ":" + k);
            n.string(NODE_OUTPUT, out[k]);
        }
        n.string(NODE_NAME, unique).string(NODE_OP_TYPE, opType);
        for (Attr a : attrs) {
            Proto p = new Proto().string(ATTR_NAME, a.name()).int64(ATTR_TYPE, a.type());
            switch (a.type()) {
                case TYPE_INT -> p.int64(ATTR_I, (Long) a.value());
                case TYPE_FLOAT -> p.float32(ATTR_F, (Float) a.value());
                default -> {
                    for (long v : (long[]) a.value()) {
                        p.int64(ATTR_INTS, v);
                    }
                }
            }
            n.message(NODE_ATTRIBUTE, p);
        }
        if (!domain.isEmpty()) {
            n.string(NODE_DOMAIN, domain);
        }
        nodes.add(n);
        return out;
    }

    /** Renames a value by an Identity node, so that a graph output can carry a chosen name. */
    void alias(String value, String name) {
        nodes.add(new Proto()
                .string(NODE_INPUT, value)
                .string(NODE_OUTPUT, name)
                .string(NODE_NAME, name + "/Identity")
                .string(NODE_OP_TYPE, "Identity"));
    }

    String floats(String name, long[] dims, float[] data) {
        ByteBuffer b = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        return initializer(name, dims, FLOAT, b.array());
    }

    String int64s(String name, long[] dims, long[] data) {
        ByteBuffer b = ByteBuffer.allocate(data.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(data);
        return initializer(name, dims, INT64, b.array());
    }

    String int8s(String name, long[] dims, byte[] data) {
        return initializer(name, dims, INT8, data);
    }

    private String initializer(String name, long[] dims, int type, byte[] raw) {
        Proto t = new Proto(raw.length + 64 + name.length() * 3 + dims.length * 11);
        for (long d : dims) {
            t.int64(TENSOR_DIMS, d);
        }
        initializers.add(
                t.int64(TENSOR_DATA_TYPE, type).string(TENSOR_NAME, name).bytes(TENSOR_RAW_DATA, raw));
        return name;
    }

    /** A graph input; each dimension is a fixed size (Long) or a symbolic name (String). */
    void input(String name, int type, Object... dims) {
        inputs.add(valueInfo(name, type, dims));
    }

    void output(String name, int type, Object... dims) {
        outputs.add(valueInfo(name, type, dims));
    }

    void metadata(String key, String value) {
        metadata.put(key, value);
    }

    /** A ValueInfoProto with a name and an element type, its shape left to inference. */
    static Proto valueInfo(String name, int type) {
        Proto tensor = new Proto().int64(TENSOR_TYPE_ELEM, type);
        return new Proto().string(VALUE_NAME, name).message(VALUE_TYPE, new Proto().message(TYPE_TENSOR, tensor));
    }

    private static Proto valueInfo(String name, int type, Object... dims) {
        Proto shape = new Proto();
        for (Object d : dims) {
            shape.message(
                    SHAPE_DIM,
                    d instanceof String s ? new Proto().string(DIM_PARAM, s) : new Proto().int64(DIM_VALUE, (Long) d));
        }
        Proto tensor = new Proto().int64(TENSOR_TYPE_ELEM, type).message(TENSOR_TYPE_SHAPE, shape);
        return new Proto().string(VALUE_NAME, name).message(VALUE_TYPE, new Proto().message(TYPE_TENSOR, tensor));
    }

    /** The ModelProto: IR version, opset imports (standard 17, com.microsoft 1), graph, metadata. */
    byte[] toModel(String graphName, String producerVersion) {
        // Sized up front: the initializers (the weights) are nearly all of it, and a growing buffer
        // would hold two copies of them at once.
        long size = 1024 + graphName.length() * 3L;
        for (List<Proto> part : List.of(nodes, initializers, inputs, outputs)) {
            for (Proto p : part) {
                size += p.size() + 16;
            }
        }
        if (size > Integer.MAX_VALUE - 1024) {
            throw new IllegalStateException("the graph is " + size + " bytes; protobuf messages end at 2 GB");
        }
        Proto g = new Proto((int) size);
        nodes.forEach(n -> g.message(GRAPH_NODE, n));
        g.string(GRAPH_NAME, graphName);
        initializers.forEach(t -> g.message(GRAPH_INITIALIZER, t));
        inputs.forEach(v -> g.message(GRAPH_INPUT, v));
        outputs.forEach(v -> g.message(GRAPH_OUTPUT, v));
        int metadataSize = metadata.entrySet().stream()
                .mapToInt(e -> 16 + 3 * (e.getKey().length() + e.getValue().length()))
                .sum();
        Proto m = new Proto((int) Math.min(Integer.MAX_VALUE - 8, (long) g.size() + 1024 + metadataSize))
                .int64(MODEL_IR_VERSION, IR_VERSION)
                .string(MODEL_PRODUCER_NAME, "mtl")
                .string(MODEL_PRODUCER_VERSION, producerVersion)
                .message(MODEL_GRAPH, g)
                .message(
                        MODEL_OPSET_IMPORT, new Proto().string(OPSET_DOMAIN, "").int64(OPSET_VERSION, OPSET))
                .message(
                        MODEL_OPSET_IMPORT, new Proto().string(OPSET_DOMAIN, MS).int64(OPSET_VERSION, 1));
        metadata.forEach((k, v) ->
                m.message(MODEL_METADATA_PROPS, new Proto().string(ENTRY_KEY, k).string(ENTRY_VALUE, v)));
        return m.toByteArray();
    }
}
