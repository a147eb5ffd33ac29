package dev.mtl.onnx;

import static dev.mtl.onnx.OnnxGraph.Attr;
import static dev.mtl.onnx.OnnxGraph.MS;

import dev.mtl.config.BertConfig;
import dev.mtl.interop.ModelParts;
import dev.mtl.weights.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The BERT encoder as ONNX Runtime's fused operators, one node per block of work: the embeddings as
 * EmbedLayerNormalization, each self-attention as Attention (FP32) or QAttention (int8), each
 * residual + LayerNorm as SkipLayerNormalization with the dense bias folded in, the FFN's bias + GELU
 * as BiasGelu (FP32) or FastGelu (int8); a quantized FFN with {@link WideChannels} as two
 * FFNs side by side, the widest channels in FP32 and the rest in int8. ONNX Runtime would fuse most
 * of a plain-operator graph the same way, but only when its pattern matcher recognises it; emitting
 * the fused operators makes the fast path certain. Shapes: B batch, T tokens, H hidden, I
 * intermediate.
 */
final class EncoderGraph {

    private final OnnxGraph g;
    private final Map<String, Tensor> w;
    private final BertConfig c;
    private final ExportOptions options;
    private final Map<String, int[]> wideChannels;
    private final boolean exposeFfnInputs;

    EncoderGraph(OnnxGraph g, Map<String, Tensor> weights, BertConfig config, ExportOptions options) {
        this(g, weights, config, options, Map.of(), false);
    }

    /**
     * @param wideChannels per layer prefix ({@code encoder.layer.i.}), FFN intermediate channels computed
     *     in FP32 when the FFN is quantized ({@link WideChannels})
     * @param exposeFfnInputs add each layer's FFN down-projection input (B, T, I) as a graph output named
     *     {@link #ffnInputName}, for calibration
     */
    EncoderGraph(
            OnnxGraph g,
            Map<String, Tensor> weights,
            BertConfig config,
            ExportOptions options,
            Map<String, int[]> wideChannels,
            boolean exposeFfnInputs) {
        this.g = g;
        this.w = weights;
        this.c = config;
        this.options = options;
        this.wideChannels = wideChannels;
        this.exposeFfnInputs = exposeFfnInputs;
    }

    /** The calibration output of the layer whose weights are named {@code prefix} ({@code encoder.layer.i.}). */
    static String ffnInputName(String prefix) {
        return "calibration.ffn_input." + prefix;
    }

    /** Prefixes of the encoder's layers and then of the task tower's, as {@link WideChannels} keys them. */
    static List<String> layerPrefixes(BertConfig c, int towerLayers) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            out.add("encoder.layer." + i + ".");
        }
        for (int i = 0; i < towerLayers; i++) {
            out.add(ModelParts.taskTowerLayer(i));
        }
        return out;
    }

    /**
     * @param ids (B, T) int64; @param types (B, T) int64; @param mask32 (B, T) int32 0/1, right-padded
     * @return the last hidden state (B, T, H)
     */
    String build(String ids, String types, String mask32) {
        return build(ids, types, mask32, 0)[0];
    }

    /**
     * As {@link #build(String, String, String)}, with a task tower of {@code tower} layers on the input
     * of the encoder's top {@code tower} layers.
     *
     * @return the last hidden state and the task tower's output (B, T, H), or only the former
     */
    String[] build(String ids, String types, String mask32, int tower) {
        String ids32 = g.op("Cast", "embeddings", List.of(ids), Attr.i("to", OnnxGraph.INT32));
        String types32 = g.op("Cast", "embeddings", List.of(types), Attr.i("to", OnnxGraph.INT32));
        String e = "embeddings.";
        String x = g.node(
                        "EmbedLayerNormalization",
                        MS,
                        "embeddings",
                        List.of(
                                ids32,
                                types32,
                                weight(e + "word_embeddings.weight"),
                                weight(e + "position_embeddings.weight"),
                                weight(e + "token_type_embeddings.weight"),
                                weight(e + "LayerNorm.weight"),
                                weight(e + "LayerNorm.bias"),
                                mask32),
                        2,
                        Attr.f("epsilon", c.layerNormEps()))[0]; // (B, T, H)
        List<String> prefixes = layerPrefixes(c, tower);
        int layers = c.numHiddenLayers();
        String belowTop = x;
        for (int i = 0; i < layers; i++) {
            if (i == layers - tower) {
                belowTop = x;
            }
            x = layer(prefixes.get(i), x, mask32);
        }
        if (tower == 0) {
            return new String[] {x};
        }
        String t = belowTop;
        for (int i = layers; i < prefixes.size(); i++) {
            t = layer(prefixes.get(i), t, mask32);
        }
        return new String[] {x, t};
    }

    /** One post-LN layer, weights named {@code p} ({@code encoder.layer.i.}): (B, T, H) → (B, T, H). */
    private String layer(String p, String x, String mask32) {
        String attention = attention(p + "attention.self.", x, mask32); // (B, T, H)
        String a = skipLayerNorm(p + "attention.output.", matMul(attention, p + "attention.output.dense"), x);
        int[] wide = wideChannels.getOrDefault(p, new int[0]);
        if (wide.length > 0
                && options.quantizes(p + "output.dense")
                && c.hiddenAct().equals("gelu")) {
            return skipLayerNorm(p + "output.", splitFeedForward(p, a, wide), a);
        }
        String h = matMul(a, p + "intermediate.dense"); // (B, T, I)
        String bias = weight(p + "intermediate.dense.bias");
        h = c.hiddenAct().equals("gelu")
                ? g.ms(
                        gelu(options.quantizes(p + "intermediate.dense") || options.quantizes(p + "output.dense")),
                        p + "intermediate",
                        List.of(h, bias))
                : g.op("Relu", p + "intermediate", List.of(g.op("Add", p + "intermediate", List.of(h, bias))));
        if (exposeFfnInputs) {
            g.alias(h, ffnInputName(p));
            g.output(ffnInputName(p), OnnxGraph.FLOAT, "batch", "sequence", (long) c.intermediateSize());
        }
        return skipLayerNorm(p + "output.", matMul(h, p + "output.dense"), a);
    }

    /**
     * The FFN without its output bias, (B, T, H) → (B, T, H), with the intermediate channels {@code
     * wide} (whose GELU outputs reach far beyond the rest) in FP32 and all others int8: one scale per
     * batch for the down-projection's input then spans the narrow channels only.
     */
    private String splitFeedForward(String p, String a, int[] wide) {
        int hidden = c.hiddenSize();
        int width = c.intermediateSize();
        Set<Integer> isWide = Arrays.stream(wide).boxed().collect(Collectors.toSet());
        int[] narrow =
                IntStream.range(0, width).filter(j -> !isWide.contains(j)).toArray();
        float[] up = tensor(p + "intermediate.dense.weight").data(); // (I out, H in)
        float[] upBias = tensor(p + "intermediate.dense.bias").data();
        float[] down = tensor(p + "output.dense.weight").data(); // (H out, I in)
        List<String> parts = new ArrayList<>();
        for (int[] channels : List.of(narrow, wide)) {
            int n = channels.length;
            float[] upT = new float[hidden * n]; // (H, n)
            float[] bias = new float[n];
            float[] downT = new float[n * hidden]; // (n, H)
            for (int k = 0; k < n; k++) {
                int j = channels[k];
                bias[k] = upBias[j];
                for (int h = 0; h < hidden; h++) {
                    upT[h * n + k] = up[j * hidden + h];
                    downT[k * hidden + h] = down[h * width + j];
                }
            }
            boolean fp32 = channels == wide;
            String name = p + (fp32 ? "ffn.wide" : "ffn.narrow");
            String h = fp32 ? floatMatMul(a, name + ".up", upT, hidden, n) : matMul(a, name + ".up", upT, hidden, n);
            boolean int8 = !fp32 && (options.quantizes(name + ".up") || options.quantizes(name + ".down"));
            h = g.ms(gelu(int8), name, List.of(h, g.floats(name + ".up.bias", new long[] {n}, bias)));
            parts.add(
                    fp32
                            ? floatMatMul(h, name + ".down", downT, n, hidden)
                            : matMul(h, name + ".down", downT, n, hidden));
        }
        return g.op("Add", p + "ffn", parts);
    }

    /**
     * Bias + GELU: exact (erf), or next to an int8 product its tanh approximation, FastGelu: at most
     * 4.7e-4 off, far under the product's own error, and a faster kernel.
     */
    private static String gelu(boolean nextToInt8) {
        return nextToInt8 ? "FastGelu" : "BiasGelu";
    }

    /** LayerNorm(x + residual + dense bias) under {@code prefix}: dense.bias, LayerNorm.weight/bias. */
    private String skipLayerNorm(String prefix, String x, String residual) {
        return g.ms(
                "SkipLayerNormalization",
                prefix + "LayerNorm",
                List.of(
                        x,
                        residual,
                        weight(prefix + "LayerNorm.weight"),
                        weight(prefix + "LayerNorm.bias"),
                        weight(prefix + "dense.bias")),
                Attr.f("epsilon", c.layerNormEps()));
    }

    /**
     * Self-attention with the query, key and value projections packed into one (H, 3H) product. The
     * operators scale the scores by 1/√D themselves (their default), on unscaled projections.
     */
    private String attention(String p, String x, String mask32) {
        int hidden = c.hiddenSize();
        float[] packed = new float[hidden * 3 * hidden]; // (H, 3H): [Wq^T | Wk^T | Wv^T]
        float[] bias = new float[3 * hidden];
        String[] parts = {"query", "key", "value"};
        for (int j = 0; j < 3; j++) {
            Tensor wj = tensor(p + parts[j] + ".weight"); // (H out, H in)
            for (int out = 0; out < hidden; out++) {
                for (int in = 0; in < hidden; in++) {
                    packed[in * 3 * hidden + j * hidden + out] = wj.data()[out * hidden + in];
                }
            }
            System.arraycopy(tensor(p + parts[j] + ".bias").data(), 0, bias, j * hidden, hidden);
        }
        String qkvBias = g.floats(p + "qkv.bias", new long[] {3L * hidden}, bias);
        Attr heads = Attr.i("num_heads", c.numAttentionHeads());
        if (!options.quantizes(p + "qkv")) {
            String weight = g.floats(p + "qkv.weight", new long[] {hidden, 3L * hidden}, packed);
            return g.ms("Attention", p + "attention", List.of(x, weight, qkvBias, mask32), heads);
        }
        // QAttention runs the quantized projection per head straight into the layout attention reads,
        // where a DynamicQuantizeMatMul + Split + MultiHeadAttention chain reorders it twice.
        String[] w8 = int8Weight(p + "qkv", packed, hidden, 3 * hidden);
        String[] x8 = g.node("DynamicQuantizeLinear", "", p + "qkv", List.of(x), 3); // u8, scale, zero point
        return g.ms(
                "QAttention",
                p + "attention",
                List.of(x8[0], w8[0], qkvBias, x8[1], w8[1], mask32, x8[2]),
                heads); // (B, T, H)
    }

    /** x (…, in) times the transposed Linear weight {@code key.weight} (out, in), without its bias. */
    String matMul(String x, String key) {
        Tensor t = tensor(key + ".weight");
        int out = (int) t.shape()[0];
        int in = (int) t.shape()[1];
        return matMul(x, key, t.transpose2d(key).data(), in, out);
    }

    /** x (…, in) times {@code weight} (in, out): int8 unless the options keep {@code key} in FP32. */
    private String matMul(String x, String key, float[] weight, int in, int out) {
        return options.quantizes(key) ? quantizedMatMul(x, key, weight, in, out) : floatMatMul(x, key, weight, in, out);
    }

    private String floatMatMul(String x, String key, float[] weight, int in, int out) {
        return g.op("MatMul", key, List.of(x, g.floats(key + ".weight_t", new long[] {in, out}, weight)));
    }

    private String quantizedMatMul(String x, String key, float[] weight, int in, int out) {
        String[] w8 = int8Weight(key, weight, in, out);
        return g.ms("DynamicQuantizeMatMul", key, List.of(x, w8[0], w8[1]));
    }

    /** {@code weight} (in, out) as int8 initializers: the weights and their per-column scales. */
    private String[] int8Weight(String key, float[] weight, int in, int out) {
        Int8Weights q = Int8Weights.quantize(weight, in, out, options.qmax());
        return new String[] {
            g.int8s(key + ".weight_int8", new long[] {in, out}, q.data()),
            g.floats(key + ".weight_scale", new long[] {out}, q.scales())
        };
    }

    private String weight(String key) {
        Tensor t = tensor(key);
        return g.floats(key, t.shape(), t.data());
    }

    private Tensor tensor(String key) {
        Tensor t = w.get(key);
        if (t == null) {
            throw new IllegalArgumentException("the model has no parameter " + key);
        }
        return t;
    }
}
