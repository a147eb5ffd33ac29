package dev.mtl.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.weights.SafeTensors;
import dev.mtl.weights.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * sentence-transformers' modules after the Transformer, read from a directory the way
 * sentence-transformers reads them (modules.json in order, each module's config.json and
 * model.safetensors under its own parameter names) and computed in plain Java: an independent
 * reference for what that library would output given the encoder's token vectors.
 */
public final class SentenceTransformersChain {

    /** torch.nn.LayerNorm's default epsilon, which sentence-transformers' LayerNorm module uses. */
    public static final float TORCH_LAYER_NORM_EPS = 1e-5f;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String pooling;
    private final List<UnaryOperator<float[]>> steps;
    private final List<String> types;

    private SentenceTransformersChain(String pooling, List<UnaryOperator<float[]>> steps, List<String> types) {
        this.pooling = pooling;
        this.steps = steps;
        this.types = types;
    }

    /** Reads {@code dir}'s modules.json; the LayerNorm module uses {@code layerNormEps}. */
    public static SentenceTransformersChain read(Path dir, float layerNormEps) throws IOException {
        JsonNode modules = JSON.readTree(dir.resolve("modules.json").toFile());
        if (!modules.get(0).get("type").asText().equals("sentence_transformers.models.Transformer")
                || !modules.get(0).get("path").asText().isEmpty()) {
            throw new IOException("module 0 must be the Transformer at the root: " + modules.get(0));
        }
        String pooling = null;
        List<UnaryOperator<float[]>> steps = new ArrayList<>();
        List<String> types = new ArrayList<>();
        for (int i = 1; i < modules.size(); i++) {
            JsonNode m = modules.get(i);
            if (m.get("idx").asInt() != i || !m.get("name").asText().equals(String.valueOf(i))) {
                throw new IOException("module " + i + " has idx/name " + m);
            }
            String type = m.get("type").asText().replace("sentence_transformers.models.", "");
            Path p = dir.resolve(m.get("path").asText());
            types.add(type);
            switch (type) {
                case "Pooling" ->
                    pooling = poolingMode(JSON.readTree(p.resolve("config.json").toFile()));
                case "Dense" -> steps.add(dense(p));
                case "LayerNorm" -> steps.add(layerNorm(p, layerNormEps));
                case "Normalize" -> steps.add(SentenceTransformersChain::normalize);
                default -> throw new IOException("unexpected module type " + type);
            }
        }
        if (pooling == null || !types.get(0).equals("Pooling")) {
            throw new IOException("the first module after the Transformer must be Pooling: " + types);
        }
        return new SentenceTransformersChain(pooling, steps, types);
    }

    /** The module types after the Transformer, in order. */
    public List<String> types() {
        return types;
    }

    /** One text's token vectors (its real tokens, [CLS] and [SEP] included) → its sentence embedding. */
    public float[] apply(float[][] tokens) {
        float[] x = pool(tokens);
        for (UnaryOperator<float[]> s : steps) {
            x = s.apply(x);
        }
        return x;
    }

    private float[] pool(float[][] tokens) {
        int h = tokens[0].length;
        float[] out = new float[h];
        switch (pooling) {
            case "cls" -> System.arraycopy(tokens[0], 0, out, 0, h);
            case "max" -> {
                Arrays.fill(out, Float.NEGATIVE_INFINITY);
                for (float[] t : tokens) {
                    for (int j = 0; j < h; j++) {
                        out[j] = Math.max(out[j], t[j]);
                    }
                }
            }
            default -> {
                double[] sum = new double[h];
                for (float[] t : tokens) {
                    for (int j = 0; j < h; j++) {
                        sum[j] += t[j];
                    }
                }
                for (int j = 0; j < h; j++) {
                    out[j] = (float) (sum[j] / tokens.length);
                }
            }
        }
        return out;
    }

    /** Exactly one mode flag set, as our export writes. */
    private static String poolingMode(JsonNode c) throws IOException {
        List<String> on = new ArrayList<>();
        for (String mode : List.of("cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens")) {
            if (c.path("pooling_mode_" + mode).asBoolean(false)) {
                on.add(mode);
            }
        }
        if (on.size() != 1 || on.get(0).equals("mean_sqrt_len_tokens")) {
            throw new IOException("pooling modes set: " + on);
        }
        return switch (on.get(0)) {
            case "cls_token" -> "cls";
            case "max_tokens" -> "max";
            default -> "mean";
        };
    }

    private static UnaryOperator<float[]> dense(Path p) throws IOException {
        JsonNode c = JSON.readTree(p.resolve("config.json").toFile());
        if (!c.get("activation_function").asText().equals("torch.nn.modules.linear.Identity")) {
            throw new IOException("activation " + c.get("activation_function"));
        }
        int in = c.get("in_features").asInt();
        int out = c.get("out_features").asInt();
        Map<String, Tensor> w = SafeTensors.read(p.resolve("model.safetensors"));
        exactKeys(w, c.get("bias").asBoolean() ? List.of("linear.weight", "linear.bias") : List.of("linear.weight"));
        float[] weight = shaped(w, "linear.weight", out, in);
        float[] bias = c.get("bias").asBoolean() ? shaped(w, "linear.bias", out) : new float[out];
        return x -> {
            float[] y = new float[out];
            for (int o = 0; o < out; o++) {
                double s = bias[o];
                for (int i = 0; i < in; i++) {
                    s += (double) weight[o * in + i] * x[i];
                }
                y[o] = (float) s;
            }
            return y;
        };
    }

    private static UnaryOperator<float[]> layerNorm(Path p, float eps) throws IOException {
        int d = JSON.readTree(p.resolve("config.json").toFile())
                .get("dimension")
                .asInt();
        Map<String, Tensor> w = SafeTensors.read(p.resolve("model.safetensors"));
        exactKeys(w, List.of("norm.weight", "norm.bias"));
        float[] gamma = shaped(w, "norm.weight", d);
        float[] beta = shaped(w, "norm.bias", d);
        return x -> {
            double mean = 0;
            for (float v : x) {
                mean += v;
            }
            mean /= d;
            double var = 0;
            for (float v : x) {
                var += (v - mean) * (v - mean);
            }
            var /= d; // biased, as torch
            double inv = 1 / Math.sqrt(var + eps);
            float[] y = new float[d];
            for (int i = 0; i < d; i++) {
                y[i] = (float) ((x[i] - mean) * inv * gamma[i] + beta[i]);
            }
            return y;
        };
    }

    /** torch.nn.functional.normalize: x / max(‖x‖, 1e-12). */
    private static float[] normalize(float[] x) {
        double n = 0;
        for (float v : x) {
            n += (double) v * v;
        }
        double d = Math.max(Math.sqrt(n), 1e-12);
        float[] y = new float[x.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) (x[i] / d);
        }
        return y;
    }

    /** The tensor {@code key}, failing unless the file has it with exactly {@code shape}. */
    private static float[] shaped(Map<String, Tensor> w, String key, long... shape) throws IOException {
        Tensor t = w.get(key);
        if (t == null || !Arrays.equals(t.shape(), shape)) {
            throw new IOException(key + ": expected shape " + Arrays.toString(shape) + ", file has "
                    + (t == null ? "no such key" : t.shapeString()) + " (keys " + w.keySet() + ")");
        }
        return t.data();
    }

    /** load_state_dict(strict=True): the file's keys are exactly the module's parameters. */
    private static void exactKeys(Map<String, Tensor> w, List<String> keys) throws IOException {
        if (!w.keySet().equals(new java.util.HashSet<>(keys))) {
            throw new IOException("weights have keys " + w.keySet() + ", the module expects " + keys);
        }
    }

    /** The largest absolute difference between two equal-shaped sets of vectors. */
    public static double maxAbsDiff(float[][] a, float[][] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != b[i].length) {
                throw new IllegalArgumentException("row " + i + ": " + a[i].length + " vs " + b[i].length);
            }
            for (int j = 0; j < a[i].length; j++) {
                max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return max;
    }
}
