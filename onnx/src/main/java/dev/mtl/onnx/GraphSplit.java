package dev.mtl.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A model's graph cut in two: the nodes that some outputs need (the shared encoder, pooling and the
 * embedding) and the rest (the task tower and the heads), which reads the values it needs from the
 * first as its inputs. ONNX Runtime runs every node of a graph whatever outputs are fetched, so an
 * embedding-only call on the first part skips the tower; a call for the heads runs both parts, and the
 * weights are still held once.
 *
 * @param shared the ModelProto computing {@code sharedOutputs} and every value in {@code crossing}
 * @param tasks the ModelProto of the remaining nodes, with the crossing values and the original graph
 *     inputs they read as its inputs
 * @param crossing values computed by {@code shared} and read by {@code tasks}
 * @param taskInputs the original graph inputs that {@code tasks} reads directly
 */
record GraphSplit(byte[] shared, byte[] tasks, List<String> crossing, List<String> taskInputs) {

    // ModelProto.graph; GraphProto fields; NodeProto, AttributeProto, TensorProto and ValueInfoProto names
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int GRAPH_VALUE_INFO = 13;
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int ATTR_NAME = 1;
    private static final int ATTR_I = 3;
    private static final int TENSOR_NAME = 8;
    private static final int VALUE_NAME = 1;

    private record Node(ByteString raw, List<String> inputs, List<String> outputs, String opType, long castTo) {}

    private record Named(ByteString raw, String name) {}

    /**
     * The split of {@code model} after the nodes that {@code sharedOutputs} need, or empty when there
     * is nothing left for a second part or the graph holds control flow (whose subgraphs read values
     * that the cut cannot see).
     */
    static Optional<GraphSplit> of(byte[] model, Set<String> sharedOutputs) {
        try {
            return split(model, sharedOutputs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<GraphSplit> split(byte[] model, Set<String> sharedOutputs) throws IOException {
        List<Map.Entry<Integer, ByteString>> modelFields = fields(UnsafeByteOperations.unsafeWrap(model));
        ByteString graph = null;
        for (Map.Entry<Integer, ByteString> f : modelFields) {
            if (f.getKey() == MODEL_GRAPH) {
                graph = f.getValue();
            }
        }
        if (graph == null) {
            return Optional.empty();
        }
        List<Node> nodes = new ArrayList<>();
        List<Named> initializers = new ArrayList<>();
        List<Named> inputs = new ArrayList<>();
        List<Named> outputs = new ArrayList<>();
        List<Map.Entry<Integer, ByteString>> rest = new ArrayList<>();
        for (Map.Entry<Integer, ByteString> f : fields(graph)) {
            switch (f.getKey()) {
                case GRAPH_NODE -> nodes.add(node(f.getValue()));
                case GRAPH_INITIALIZER -> initializers.add(named(f.getValue(), TENSOR_NAME));
                case GRAPH_INPUT -> inputs.add(named(f.getValue(), VALUE_NAME));
                case GRAPH_OUTPUT -> outputs.add(named(f.getValue(), VALUE_NAME));
                case GRAPH_VALUE_INFO -> {} // optional shape hints; each part infers its own
                default -> rest.add(f);
            }
        }
        if (nodes.stream().anyMatch(n -> Set.of("If", "Loop", "Scan").contains(n.opType()))) {
            return Optional.empty();
        }
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String o : nodes.get(i).outputs()) {
                producer.put(o, i);
            }
        }
        boolean[] shared = new boolean[nodes.size()];
        Deque<String> wanted = new ArrayDeque<>(sharedOutputs);
        while (!wanted.isEmpty()) {
            Integer p = producer.get(wanted.pop());
            if (p != null && !shared[p]) {
                shared[p] = true;
                wanted.addAll(nodes.get(p).inputs());
            }
        }
        Set<String> graphInputs = new HashSet<>();
        inputs.forEach(i -> graphInputs.add(i.name()));
        Set<String> crossing = new LinkedHashSet<>();
        Set<String> taskInputs = new LinkedHashSet<>();
        boolean anyTask = false;
        for (int i = 0; i < nodes.size(); i++) {
            if (shared[i]) {
                continue;
            }
            anyTask = true;
            for (String in : nodes.get(i).inputs()) {
                Integer p = producer.get(in);
                if (p != null && shared[p]) {
                    crossing.add(in);
                } else if (p == null && graphInputs.contains(in)) {
                    taskInputs.add(in);
                }
            }
        }
        if (!anyTask) {
            return Optional.empty();
        }
        Map<String, Integer> types = new HashMap<>();
        for (String c : crossing) {
            Node n = nodes.get(producer.get(c));
            // Only a Cast changes the element type in mtl's graphs between the encoder's layers.
            types.put(c, n.opType().equals("Cast") ? (int) n.castTo() : OnnxGraph.FLOAT);
        }

        Graph first = new Graph();
        Graph second = new Graph();
        for (int i = 0; i < nodes.size(); i++) {
            (shared[i] ? first : second)
                    .add(GRAPH_NODE, nodes.get(i).raw(), nodes.get(i).inputs());
        }
        for (Named t : initializers) {
            first.addIfRead(GRAPH_INITIALIZER, t);
            second.addIfRead(GRAPH_INITIALIZER, t);
        }
        for (Named in : inputs) {
            first.addIfRead(GRAPH_INPUT, in);
            if (taskInputs.contains(in.name())) {
                second.add(GRAPH_INPUT, in.raw(), List.of());
            }
        }
        for (String c : crossing) {
            ByteString info = UnsafeByteOperations.unsafeWrap(
                    OnnxGraph.valueInfo(c, types.get(c)).toByteArray());
            first.add(GRAPH_OUTPUT, info, List.of());
            second.add(GRAPH_INPUT, info, List.of());
        }
        for (Named o : outputs) {
            Integer p = producer.get(o.name());
            (p != null && shared[p] ? first : second).add(GRAPH_OUTPUT, o.raw(), List.of());
        }
        rest.forEach(f -> {
            first.add(f.getKey(), f.getValue(), List.of());
            second.add(f.getKey(), f.getValue(), List.of());
        });
        return Optional.of(new GraphSplit(
                first.model(modelFields), second.model(modelFields), List.copyOf(crossing), List.copyOf(taskInputs)));
    }

    /** One part's GraphProto fields in order, and the value names its nodes read. */
    private static final class Graph {
        private final List<Map.Entry<Integer, ByteString>> fields = new ArrayList<>();
        private final Set<String> read = new HashSet<>();

        void add(int field, ByteString raw, List<String> reads) {
            fields.add(Map.entry(field, raw));
            read.addAll(reads);
        }

        void addIfRead(int field, Named value) {
            if (read.contains(value.name())) {
                add(field, value.raw(), List.of());
            }
        }

        /** The ModelProto: {@code modelFields} with this graph in place of the original, written once. */
        byte[] model(List<Map.Entry<Integer, ByteString>> modelFields) throws IOException {
            long graphSize = size(fields);
            long size = 0;
            for (Map.Entry<Integer, ByteString> f : modelFields) {
                size += f.getKey() == MODEL_GRAPH
                        ? CodedOutputStream.computeTagSize(MODEL_GRAPH)
                                + CodedOutputStream.computeUInt32SizeNoTag((int) graphSize)
                                + graphSize
                        : size(List.of(f));
            }
            if (size > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("the graph is " + size + " bytes; protobuf messages end at 2 GB");
            }
            byte[] bytes = new byte[(int) size];
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            for (Map.Entry<Integer, ByteString> f : modelFields) {
                if (f.getKey() == MODEL_GRAPH) {
                    out.writeTag(MODEL_GRAPH, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                    out.writeUInt32NoTag((int) graphSize);
                    write(out, fields);
                } else {
                    write(out, List.of(f));
                }
            }
            out.checkNoSpaceLeft();
            return bytes;
        }
    }

    /**
     * A message's fields as (number, raw bytes); a length-delimited field's bytes are its payload,
     * any other field's its whole encoding (tag included), to be copied back as it was.
     */
    private static List<Map.Entry<Integer, ByteString>> fields(ByteString message) throws IOException {
        CodedInputStream in = message.newCodedInput();
        in.enableAliasing(true); // payloads are views of the model's bytes, not copies of them
        in.setSizeLimit(Integer.MAX_VALUE);
        List<Map.Entry<Integer, ByteString>> out = new ArrayList<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                out.add(Map.entry(field, in.readBytes()));
            } else {
                ByteArrayOutputStream whole = new ByteArrayOutputStream();
                CodedOutputStream copy = CodedOutputStream.newInstance(whole);
                in.skipField(tag, copy);
                copy.flush();
                out.add(Map.entry(-field, ByteString.copyFrom(whole.toByteArray())));
            }
        }
        return out;
    }

    private static long size(List<Map.Entry<Integer, ByteString>> fields) {
        long size = 0;
        for (Map.Entry<Integer, ByteString> f : fields) {
            size += f.getKey() < 0 ? f.getValue().size() : CodedOutputStream.computeBytesSize(f.getKey(), f.getValue());
        }
        return size;
    }

    private static void write(CodedOutputStream out, List<Map.Entry<Integer, ByteString>> fields) throws IOException {
        for (Map.Entry<Integer, ByteString> f : fields) {
            if (f.getKey() < 0) {
                out.writeRawBytes(f.getValue()); // a varint or fixed field, tag and value as read
            } else {
                out.writeBytes(f.getKey(), f.getValue());
            }
        }
    }

    private static Node node(ByteString raw) throws IOException {
        List<String> in = new ArrayList<>();
        List<String> out = new ArrayList<>();
        String opType = "";
        long castTo = OnnxGraph.FLOAT;
        for (Map.Entry<Integer, ByteString> f : fields(raw)) {
            switch (f.getKey()) {
                case NODE_INPUT -> in.add(f.getValue().toStringUtf8());
                case NODE_OUTPUT -> out.add(f.getValue().toStringUtf8());
                case NODE_OP_TYPE -> opType = f.getValue().toStringUtf8();
                case NODE_ATTRIBUTE -> castTo = toAttribute(f.getValue(), castTo);
                default -> {}
            }
        }
        in.removeIf(String::isEmpty); // an omitted optional input
        return new Node(raw, in, out, opType, castTo);
    }

    /** The value of an attribute named {@code to} (a Cast's target type), else {@code otherwise}. */
    private static long toAttribute(ByteString attribute, long otherwise) throws IOException {
        String name = "";
        Long value = null;
        for (Map.Entry<Integer, ByteString> f : fields(attribute)) {
            if (f.getKey() == ATTR_NAME) {
                name = f.getValue().toStringUtf8();
            } else if (f.getKey() == -ATTR_I) {
                CodedInputStream v = f.getValue().newCodedInput();
                v.readTag();
                value = v.readInt64();
            }
        }
        return name.equals("to") && value != null ? value : otherwise;
    }

    private static Named named(ByteString raw, int nameField) throws IOException {
        for (Map.Entry<Integer, ByteString> f : fields(raw)) {
            if (f.getKey() == nameField) {
                return new Named(raw, f.getValue().toStringUtf8());
            }
        }
        return new Named(raw, "");
    }
}
