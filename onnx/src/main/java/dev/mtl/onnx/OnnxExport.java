package dev.mtl.onnx;

import static dev.mtl.onnx.OnnxGraph.Attr;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.MultiTaskModel;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.TaskConfig;
import dev.mtl.embedding.EmbeddingHead;
import dev.mtl.embedding.Pooler;
import dev.mtl.heads.ClassificationHead;
import dev.mtl.heads.Head;
import dev.mtl.heads.TokenClassificationHead;
import dev.mtl.weights.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * A whole model as one ONNX graph (opset 17 and ONNX Runtime's com.microsoft operators): inputs
 * {@code input_ids}, {@code attention_mask}, {@code token_type_ids}, all (batch, sequence) int64 with
 * both axes dynamic and the mask right-padded; outputs {@code embedding} (after pooling, projection,
 * LayerNorm and L2 as configured), {@code pooled} (the vector every sentence head reads) and, per task,
 * {@code <task>.logits} (batch, labels) or {@code <task>.emissions} (batch, sequence, tags). The
 * metadata carries the model's config, each task's labels and a CRF's transitions, so that another
 * runtime can decode exactly as mtl does.
 */
public final class OnnxExport {

    /** The graph's file name in a model directory. */
    public static final String FILE = "model.onnx";

    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String TOKEN_TYPE_IDS = "token_type_ids";
    public static final String EMBEDDING = "embedding";
    public static final String POOLED = "pooled";
    /** The task tower's pooled vector (what classification heads read), in a graph with a task tower. */
    public static final String TASK_POOLED = "task_pooled";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BATCH = "batch";
    private static final String SEQUENCE = "sequence";

    private OnnxExport() {}

    /** The graph output that carries {@code head}'s output. */
    public static String outputName(Head<?, ?> head) {
        if (head instanceof ClassificationHead) {
            return head.name() + ".logits";
        }
        if (head instanceof TokenClassificationHead) {
            return head.name() + ".emissions";
        }
        return EMBEDDING; // the embedding head, and embedding tasks, which train it
    }

    /** Writes {@code file} atomically (a temporary sibling, then a rename). */
    public static void write(MultiTaskModel model, ExportOptions options, Path file) throws IOException {
        byte[] bytes = toBytes(model, options);
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temp, bytes);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Declares the graph's three (B, T) int64 inputs; returns the attention mask as int32. */
    static String inputs(OnnxGraph g) {
        for (String input : List.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS)) {
            g.input(input, OnnxGraph.INT64, BATCH, SEQUENCE);
        }
        return g.op("Cast", "mask", List.of(ATTENTION_MASK), Attr.i("to", OnnxGraph.INT32));
    }

    public static byte[] toBytes(MultiTaskModel model, ExportOptions options) {
        Map<String, Tensor> w = model.parameters().toTensors();
        OnnxGraph g = new OnnxGraph();
        String mask32 = inputs(g);
        Map<String, int[]> wide = options.quantization() == ExportOptions.Quantization.INT8
                        && !options.calibration().isEmpty()
                ? WideChannels.find(model, w, options.calibration(), WideChannels.PER_LAYER)
                : Map.of();
        int tower = model.config().taskLayers();
        String[] states = new EncoderGraph(g, w, model.backbone().config(), options, wide, false)
                .build(INPUT_IDS, TOKEN_TYPE_IDS, mask32, tower);
        String hidden = states[0]; // (B, T, H)
        String taskHidden = tower > 0 ? states[1] : hidden; // what classification and NER heads read
        String pooled = pool(g, model.pooler(), hidden, "pooling");
        String taskPooled = pooled;
        if (tower > 0) {
            taskPooled = pool(g, model.pooler(), taskHidden, "task_pooling");
            g.alias(taskPooled, TASK_POOLED);
            g.output(TASK_POOLED, OnnxGraph.FLOAT, BATCH, (long)
                    model.backbone().config().hiddenSize());
        }
        g.alias(pooled, POOLED);
        g.output(
                POOLED, OnnxGraph.FLOAT, BATCH, (long) model.backbone().config().hiddenSize());
        g.alias(embedding(g, w, model, pooled), EMBEDDING);
        g.output(EMBEDDING, OnnxGraph.FLOAT, BATCH, (long) model.embeddingDimension());
        for (Head<?, ?> h : model.heads().values()) {
            String p = MultiTaskModel.HEADS_PREFIX + h.name() + ".";
            if (h instanceof ClassificationHead c) {
                TaskConfig task = model.tasks().get(h.name());
                String x = linear(g, w, p + "dense", taskPooled);
                x = switch (task.activation()) {
                    case "relu" -> g.op("Relu", p + "dense", List.of(x));
                    case "tanh" -> g.op("Tanh", p + "dense", List.of(x));
                    default -> g.ms("Gelu", p + "dense", List.of(x));
                };
                g.alias(linear(g, w, p + "out_proj", x), outputName(h));
                g.output(
                        outputName(h), OnnxGraph.FLOAT, BATCH, (long) c.labels().size());
            } else if (h instanceof TokenClassificationHead t) {
                g.alias(linear(g, w, p + "classifier", taskHidden), outputName(h));
                g.output(outputName(h), OnnxGraph.FLOAT, BATCH, SEQUENCE, (long)
                        t.tags().size());
            }
        }
        OnnxMetadata.write(g, model, w, options);
        return g.toModel("mtl", OnnxMetadata.FORMAT_VERSION);
    }

    /** hidden (B, T, H) → (B, H), as {@link Pooler}: masked mean, [CLS], or masked maximum; nodes named {@code n}. */
    private static String pool(OnnxGraph g, Pooler pooler, String hidden, String n) {
        String mask = g.op("Cast", n, List.of(ATTENTION_MASK), Attr.i("to", OnnxGraph.FLOAT)); // (B, T)
        String one = g.int64s(n + ".axis_1", new long[] {1}, new long[] {1});
        String m = g.op("Unsqueeze", n, List.of(mask, g.int64s(n + ".axis_2", new long[] {1}, new long[] {2})));
        return switch (pooler.mode()) {
            case CLS ->
                g.op(
                        "Gather",
                        n,
                        List.of(hidden, g.int64s(n + ".first", new long[] {}, new long[] {0})),
                        Attr.i("axis", 1));
            case MEAN -> {
                String sum = g.op(
                        "ReduceSum",
                        n,
                        List.of(g.op("Mul", n, List.of(hidden, m)), one),
                        Attr.i("keepdims", 0)); // (B, H)
                String count = g.op("ReduceSum", n, List.of(m, one), Attr.i("keepdims", 0)); // (B, 1)
                String floor = scalar(g, n + ".min_count", Pooler.MIN_TOKEN_COUNT);
                yield g.op("Div", n, List.of(sum, g.op("Clip", n, List.of(count, floor))));
            }
            case MAX -> {
                String padded = g.op(
                        "Mul",
                        n,
                        List.of(
                                g.op("Sub", n, List.of(scalar(g, n + ".one", 1f), m)),
                                scalar(g, n + ".pad", Pooler.MAX_POOL_PAD))); // (B, T, 1)
                yield g.op(
                        "ReduceMax",
                        n,
                        List.of(g.op("Add", n, List.of(hidden, padded))),
                        Attr.ints("axes", 1),
                        Attr.i("keepdims", 0));
            }
        };
    }

    /** pooled (B, H) → (B, E): projection, LayerNorm, L2, as the embedding head is configured. */
    private static String embedding(OnnxGraph g, Map<String, Tensor> w, MultiTaskModel model, String pooled) {
        EmbeddingConfig c = model.embeddingHead().config();
        String p = MultiTaskModel.EMBEDDING_PREFIX;
        String x = pooled;
        if (c.projectionDim() > 0) {
            x = linear(g, w, p + "projection", x);
        }
        if (c.layerNorm()) {
            x = g.op(
                    "LayerNormalization",
                    p + "LayerNorm",
                    List.of(x, initializer(g, w, p + "LayerNorm.weight"), initializer(g, w, p + "LayerNorm.bias")),
                    Attr.i("axis", -1),
                    Attr.f("epsilon", model.backbone().config().layerNormEps()));
        }
        if (c.normalize()) {
            String norm = g.op("ReduceL2", p + "normalize", List.of(x), Attr.ints("axes", -1), Attr.i("keepdims", 1));
            String floor = scalar(g, p + "normalize.eps", EmbeddingHead.L2_EPS);
            x = g.op("Div", p + "normalize", List.of(x, g.op("Clip", p + "normalize", List.of(norm, floor))));
        }
        return x;
    }

    /** x (…, in) → (…, out) by the Linear {@code key} (FP32: heads are small). */
    private static String linear(OnnxGraph g, Map<String, Tensor> w, String key, String x) {
        Tensor t = w.get(key + ".weight");
        String mm = g.op(
                "MatMul",
                key,
                List.of(
                        x,
                        g.floats(
                                key + ".weight_t",
                                t.shape().length == 2 ? new long[] {t.shape()[1], t.shape()[0]} : t.shape(),
                                t.transpose2d(key).data())));
        return g.op("Add", key, List.of(mm, initializer(g, w, key + ".bias")));
    }

    private static String initializer(OnnxGraph g, Map<String, Tensor> w, String key) {
        Tensor t = w.get(key);
        if (t == null) {
            throw new IllegalArgumentException("the model has no parameter " + key);
        }
        return g.floats(key, t.shape(), t.data());
    }

    private static String scalar(OnnxGraph g, String name, float v) {
        return g.floats(name, new long[] {}, new float[] {v});
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
