package dev.mtl.weights;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the parts of an ONNX model we need to recover weights: the graph's float initializers and its
 * nodes (name, op type, inputs, outputs). It is not an ONNX runtime and ignores everything else.
 *
 * <p>Parsing uses protobuf-java's {@link CodedInputStream} for the wire format, with the field numbers
 * of {@code onnx.proto} below, so no generated classes (and no protoc step) are needed.
 */
public final class OnnxInitializers {

    // onnx.proto field numbers.
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_DATA_TYPE = 2;
    private static final int TENSOR_FLOAT_DATA = 4;
    private static final int TENSOR_NAME = 8;
    private static final int TENSOR_RAW_DATA = 9;
    private static final int ONNX_FLOAT = 1;
    private static final int WIRETYPE_LENGTH_DELIMITED = 2;

    /** One graph node. */
    public record Node(String name, String opType, List<String> inputs, List<String> outputs) {}

    /** The float initializers by name (non-float ones, such as int64 position ids, are skipped) and the nodes. */
    public record Graph(Map<String, Tensor> initializers, List<Node> nodes) {}

    private OnnxInitializers() {}

    public static Graph parse(byte[] model, String source) throws IOException {
        try {
            CodedInputStream in = CodedInputStream.newInstance(model);
            in.setSizeLimit(Integer.MAX_VALUE);
            in.setRecursionLimit(64);
            Graph graph = null;
            while (!in.isAtEnd()) {
                int tag = in.readTag();
                if (tag >>> 3 == MODEL_GRAPH && (tag & 7) == WIRETYPE_LENGTH_DELIMITED) {
                    graph = parseGraph(in.readBytes().newCodedInput());
                } else {
                    in.skipField(tag);
                }
            }
            if (graph == null) {
                throw new IOException(source + ": ONNX model has no graph");
            }
            return graph;
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IOException(source + ": corrupt or truncated ONNX file (" + e.getMessage() + ")");
        }
    }

    private static Graph parseGraph(CodedInputStream in) throws IOException {
        in.setSizeLimit(Integer.MAX_VALUE);
        Map<String, Tensor> inits = new LinkedHashMap<>();
        List<Node> nodes = new ArrayList<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = tag >>> 3;
            if (field == GRAPH_NODE) {
                nodes.add(parseNode(in.readBytes().newCodedInput()));
            } else if (field == GRAPH_INITIALIZER) {
                Tensor t = parseTensor(in.readBytes().newCodedInput());
                if (t != null) {
                    inits.put(t.name(), t);
                }
            } else {
                in.skipField(tag);
            }
        }
        return new Graph(inits, nodes);
    }

    private static Node parseNode(CodedInputStream in) throws IOException {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String name = "";
        String op = "";
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (tag >>> 3) {
                case NODE_INPUT -> inputs.add(in.readString());
                case NODE_OUTPUT -> outputs.add(in.readString());
                case NODE_NAME -> name = in.readString();
                case NODE_OP_TYPE -> op = in.readString();
                default -> in.skipField(tag);
            }
        }
        return new Node(name, op, inputs, outputs);
    }

    /** Returns null for tensors that are not float32 (they are never weights we load). */
    private static Tensor parseTensor(CodedInputStream in) throws IOException {
        in.setSizeLimit(Integer.MAX_VALUE);
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = "";
        byte[] raw = null;
        List<Float> floats = new ArrayList<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (tag >>> 3) {
                case TENSOR_DIMS -> {
                    if ((tag & 7) == WIRETYPE_LENGTH_DELIMITED) { // packed
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (in.getBytesUntilLimit() > 0) {
                            dims.add(in.readInt64());
                        }
                        in.popLimit(limit);
                    } else {
                        dims.add(in.readInt64());
                    }
                }
                case TENSOR_DATA_TYPE -> dataType = in.readInt32();
                case TENSOR_NAME -> name = in.readString();
                case TENSOR_RAW_DATA -> raw = in.readByteArray();
                case TENSOR_FLOAT_DATA -> {
                    if ((tag & 7) == WIRETYPE_LENGTH_DELIMITED) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (in.getBytesUntilLimit() > 0) {
                            floats.add(in.readFloat());
                        }
                        in.popLimit(limit);
                    } else {
                        floats.add(in.readFloat());
                    }
                }
                default -> in.skipField(tag);
            }
        }
        if (dataType != ONNX_FLOAT) {
            return null;
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        float[] data;
        if (raw != null) {
            data = new float[raw.length / 4];
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
        } else {
            data = new float[floats.size()];
            for (int i = 0; i < data.length; i++) {
                data[i] = floats.get(i);
            }
        }
        return new Tensor(name, shape, data);
    }
}
