package dev.mtl.serve;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mtl.MultiTaskModel;
import dev.mtl.Prediction;
import dev.mtl.config.Output;
import dev.mtl.config.TaskConfig;
import dev.mtl.heads.ClassPrediction;
import dev.mtl.tokenize.TextTokenizer;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Hugging Face Text Embeddings Inference's routes with its request and response shapes and status
 * codes, so TEI clients work unchanged: {@code /embed}, {@code /predict}, {@code /tokenize},
 * {@code /info}. Batch size over {@code --max-texts} and an input over the model's maximum length
 * without {@code truncate} are 413 with {@code error_type} Validation, as in TEI; a field of the wrong
 * type is 422, as TEI's JSON extractor answers.
 *
 * <p>Tokenizing here, on request threads, is safe: the Hugging Face tokenizer's encode does not change
 * the tokenizer. Inputs are then passed on as tokens, so the inference thread does not tokenize again.
 */
final class TeiRoutes {

    private final MultiTaskModel model;
    private final ServeSettings settings;
    private final Runner runner;
    private final TextTokenizer tokenizer;
    private final int maxInput;

    TeiRoutes(MultiTaskModel model, ServeSettings settings, Runner runner) {
        this.model = model;
        this.settings = settings;
        this.runner = runner;
        this.tokenizer = model.backbone().tokenizer();
        this.maxInput = model.config().maxLength();
    }

    void register(Javalin app) {
        app.post("/embed", this::embed);
        app.post("/predict", this::predict);
        app.post("/tokenize", this::tokenize);
        app.get("/info", ctx -> Server.json(ctx, 200, info()));
    }

    private void embed(Context ctx) {
        JsonNode body = Requests.jsonObject(ctx, settings.maxBodyBytes());
        List<String> texts = inputs(body.get("inputs"));
        boolean normalize = flag(body, "normalize", true);
        Encoding[] enc = encode(texts, flag(body, "truncate", false));
        Batcher.Result r = run(texts, enc, Output.EMBEDDING);
        ArrayNode out = Requests.JSON.createArrayNode();
        for (Prediction p : r.predictions()) {
            float[] v = normalize ? Vectors.normalize(p.embedding()) : p.embedding();
            ArrayNode a = out.addArray();
            for (float x : v) {
                a.add(x);
            }
        }
        Server.json(ctx, 200, out);
    }

    /**
     * TEI's predict input: a string, or [string] (one input), or [[string], ...] (a batch). TEI reads
     * [string, string] as a sentence pair; the classification heads here read one text, so a pair is
     * refused.
     */
    private void predict(Context ctx) {
        JsonNode body = Requests.jsonObject(ctx, settings.maxBodyBytes());
        String task = task(body.get("task"));
        JsonNode in = body.get("inputs");
        boolean batch = in != null && in.isArray() && !in.isEmpty() && in.get(0).isArray();
        List<String> texts = new ArrayList<>();
        if (batch) {
            checkBatch(in.size());
            for (int i = 0; i < in.size(); i++) {
                JsonNode x = in.get(i);
                if (!x.isArray() || x.size() != 1 || !x.get(0).isTextual()) {
                    throw unprocessable("'inputs[" + i + "]' must be [string]; sentence pairs are not supported");
                }
                texts.add(x.get(0).asText());
            }
        } else if (in != null && in.isTextual()) {
            texts.add(in.asText());
        } else if (in != null && in.isArray() && in.size() == 1 && in.get(0).isTextual()) {
            texts.add(in.get(0).asText());
        } else {
            throw unprocessable("'inputs' must be a string, [string] or a batch [[string], ...] (sentence pairs"
                    + " are not supported), got " + Requests.kind(in));
        }
        Encoding[] enc = encode(texts, flag(body, "truncate", false));
        Batcher.Result r = run(texts, enc, Output.CLASSIFICATION);
        ArrayNode out = Requests.JSON.createArrayNode();
        for (Prediction p : r.predictions()) {
            ArrayNode labels = batch ? out.addArray() : out;
            ClassPrediction c = p.classification().get(task);
            // TEI's order: highest score first.
            c.scores().entrySet().stream()
                    .sorted(Map.Entry.<String, Float>comparingByValue().reversed())
                    .forEach(e -> labels.addObject().put("score", e.getValue()).put("label", e.getKey()));
        }
        Server.json(ctx, 200, out);
    }

    /** A full queue is 429 with error_type Overloaded here, as TEI answers it (mtl's routes say 503). */
    private Batcher.Result run(List<String> texts, Encoding[] enc, Output output) {
        try {
            return runner.run(texts, enc, EnumSet.of(output));
        } catch (ApiError e) {
            if (e.status == 503 && e.retryAfterSeconds > 0) {
                throw new ApiError(429, e.getMessage(), e.retryAfterSeconds);
            }
            throw e;
        }
    }

    /** The classification head to answer with: {@code task} if given, else the model's first. */
    private String task(JsonNode t) {
        List<String> heads = model.tasks().entrySet().stream()
                .filter(e -> e.getValue().kind() == TaskConfig.Kind.CLASSIFICATION)
                .map(Map.Entry::getKey)
                .toList();
        if (heads.isEmpty()) {
            // TEI's answer when the model is not a classifier: 424, error_type Backend.
            throw new ApiError(424, "this model has no classification head");
        }
        if (t == null || t.isNull()) {
            return heads.get(0);
        }
        if (!t.isTextual() || !heads.contains(t.asText())) {
            throw unprocessable("'task' must be one of this model's classification heads " + heads + ", got " + t);
        }
        return t.asText();
    }

    private void tokenize(Context ctx) {
        JsonNode body = Requests.jsonObject(ctx, settings.maxBodyBytes());
        List<String> texts = inputs(body.get("inputs"));
        boolean special = flag(body, "add_special_tokens", true);
        ArrayNode out = Requests.JSON.createArrayNode();
        for (String text : texts) {
            Encoding e = tokenizer.encode(text);
            ArrayNode tokens = out.addArray();
            long[] ids = e.getIds();
            CharSpan[] spans = e.getCharTokenSpans();
            for (int i = 0; i < ids.length; i++) {
                boolean isSpecial = e.getSpecialTokenMask()[i] == 1;
                if (isSpecial && !special) {
                    continue;
                }
                ObjectNode t = tokens.addObject();
                t.put("id", ids[i]);
                t.put("text", e.getTokens()[i]);
                t.put("special", isSpecial);
                if (isSpecial || spans[i] == null) {
                    t.putNull("start");
                    t.putNull("stop");
                } else {
                    t.put("start", spans[i].getStart());
                    t.put("stop", spans[i].getEnd());
                }
            }
        }
        Server.json(ctx, 200, out);
    }

    private ObjectNode info() {
        ObjectNode o = Requests.JSON.createObjectNode();
        o.put("model_id", model.backbone().name());
        o.putNull("model_sha");
        o.put("model_dtype", "float32");
        ObjectNode type = o.putObject("model_type");
        type.putObject("embedding").put("pooling", model.pooler().mode().name().toLowerCase(Locale.ROOT));
        o.put("max_concurrent_requests", settings.queueCapacity());
        o.put("max_input_length", maxInput);
        o.put("max_batch_tokens", settings.maxBatchTokens());
        o.putNull("max_batch_requests");
        o.put("max_client_batch_size", settings.maxTexts());
        o.put("auto_truncate", false);
        o.put("tokenization_workers", 1);
        o.put("version", "mtl");
        o.putNull("sha");
        o.putNull("docker_label");
        return o;
    }

    /** TEI's embed and tokenize input: a string or an array of strings. */
    private List<String> inputs(JsonNode in) {
        if (in != null && in.isTextual()) {
            Requests.checkLength("inputs", in.asText(), settings);
            return List.of(in.asText());
        }
        if (in == null || !in.isArray() || in.isEmpty()) {
            throw unprocessable("'inputs' must be a string or a non-empty array of strings, got " + Requests.kind(in));
        }
        checkBatch(in.size());
        List<String> out = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            if (!in.get(i).isTextual()) {
                throw unprocessable("'inputs[" + i + "]' must be a string, got " + Requests.kind(in.get(i)));
            }
            Requests.checkLength("inputs[" + i + "]", in.get(i).asText(), settings);
            out.add(in.get(i).asText());
        }
        return out;
    }

    private void checkBatch(int n) {
        if (n > settings.maxTexts()) {
            throw new ApiError(
                    413, "batch size " + n + " > maximum allowed batch size " + settings.maxTexts() + " (--max-texts)");
        }
    }

    /** Each text's tokens; one over the model's maximum is cut there with {@code truncate}, else 413. */
    private Encoding[] encode(List<String> texts, boolean truncate) {
        Encoding[] out = new Encoding[texts.size()];
        for (int i = 0; i < out.length; i++) {
            Encoding e = tokenizer.encode(texts.get(i));
            long[] ids = e.getIds();
            if (ids.length > maxInput) {
                if (!truncate) {
                    throw new ApiError(
                            413,
                            "`inputs` must have less than " + maxInput + " tokens. Given: " + ids.length
                                    + " (send \"truncate\": true to cut it)");
                }
                e = new IdEncoding(ids[0], Arrays.copyOfRange(ids, 1, maxInput - 1), ids[ids.length - 1]);
            }
            out[i] = e;
        }
        return out;
    }

    private static boolean flag(JsonNode body, String name, boolean dflt) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw unprocessable("'" + name + "' must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    private static ApiError unprocessable(String message) {
        return new ApiError(422, message);
    }
}
