package dev.mtl.serve;

import ai.djl.huggingface.tokenizers.Encoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mtl.MultiTaskModel;
import dev.mtl.config.Output;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;

/**
 * OpenAI's embeddings API, so OpenAI clients (the official SDKs, LangChain4j, LangChain) work
 * unchanged: {@code POST /v1/embeddings} and {@code GET /v1/models[/{id}]}. Input is a string, an
 * array of up to {@code --max-texts} strings, an array of token ids or an array of such arrays;
 * {@code dimensions} truncates and renormalises; {@code encoding_format} is float or base64.
 */
final class OpenAiRoutes {

    /** The one model's creation time for /v1/models: when this server started, in Unix seconds. */
    private final long created = System.currentTimeMillis() / 1000;

    private final MultiTaskModel model;
    private final ServeSettings settings;
    private final Runner runner;
    private final String modelId;

    OpenAiRoutes(MultiTaskModel model, ServeSettings settings, Runner runner) {
        this.model = model;
        this.settings = settings;
        this.runner = runner;
        this.modelId = model.backbone().name();
    }

    void register(Javalin app) {
        app.post("/v1/embeddings", this::embeddings);
        app.get("/v1/models", ctx -> {
            ObjectNode out = Requests.JSON.createObjectNode();
            out.put("object", "list");
            out.putArray("data").add(modelObject());
            Server.json(ctx, 200, out);
        });
        app.get("/v1/models/{id}", ctx -> {
            String id = ctx.pathParam("id");
            if (!id.equals(modelId)) {
                throw new ApiError(
                        404,
                        "no model '" + id + "'; this server serves '" + modelId + "'",
                        0,
                        "model",
                        "model_not_found");
            }
            Server.json(ctx, 200, modelObject());
        });
    }

    private ObjectNode modelObject() {
        ObjectNode m = Requests.JSON.createObjectNode();
        m.put("id", modelId);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "mtl");
        return m;
    }

    /** What {@code input} held: texts, or token ids already wrapped as encodings (texts then empty). */
    record Input(List<String> texts, Encoding[] encodings) {}

    private void embeddings(Context ctx) {
        JsonNode body = Requests.jsonObject(ctx, settings.maxBodyBytes());
        Input input = input(body);
        boolean base64 = base64(body.get("encoding_format"));
        int dim = model.embeddingDimension();
        int dims = dimensions(body.get("dimensions"), dim);
        JsonNode requestedModel = body.get("model");
        Batcher.Result r = runner.run(input.texts(), input.encodings(), EnumSet.of(Output.EMBEDDING));
        long tokens = 0;
        for (int t : r.tokens()) {
            tokens += t;
        }
        int n = input.texts().size();
        // Written as a stream, not as a tree: a tree holds a node object per float (384 per text).
        ByteArrayOutputStream buf = new ByteArrayOutputStream(256 + n * dims * (base64 ? 6 : 14));
        try (JsonGenerator g = Requests.JSON.getFactory().createGenerator(buf)) {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            ByteBuffer bytes = ByteBuffer.allocate(dims * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                float[] e = Vectors.truncate(r.predictions().get(i).embedding(), dims);
                g.writeStartObject();
                g.writeStringField("object", "embedding");
                g.writeNumberField("index", i);
                if (base64) {
                    // OpenAI's base64 format: the little-endian float32 bytes, base64-encoded.
                    bytes.clear();
                    bytes.asFloatBuffer().put(e);
                    g.writeStringField("embedding", Base64.getEncoder().encodeToString(bytes.array()));
                } else {
                    g.writeArrayFieldStart("embedding");
                    for (float x : e) {
                        g.writeNumber(x);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField(
                    "model", requestedModel != null && requestedModel.isTextual() ? requestedModel.asText() : modelId);
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", tokens);
            g.writeNumberField("total_tokens", tokens);
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        ctx.status(200).contentType(Server.JSON_TYPE).result(buf.toByteArray());
    }

    /** "float" (the default) or "base64". */
    private static boolean base64(JsonNode format) {
        if (format == null || format.isNull()) {
            return false;
        }
        if (format.isTextual() && format.asText().equals("base64")) {
            return true;
        }
        if (format.isTextual() && format.asText().equals("float")) {
            return false;
        }
        throw ApiError.field(
                400, "encoding_format", "'encoding_format' must be \"float\" or \"base64\", got " + format);
    }

    /** OpenAI's {@code dimensions}: at least 1, at most the model's dimension; absent means all. */
    static int dimensions(JsonNode d, int modelDim) {
        if (d == null || d.isNull()) {
            return modelDim;
        }
        if (!d.canConvertToInt() || !d.isIntegralNumber()) {
            throw ApiError.field(400, "dimensions", "'dimensions' must be an integer, got " + d);
        }
        int v = d.asInt();
        if (v < 1 || v > modelDim) {
            throw ApiError.field(
                    400, "dimensions", "'dimensions' must be in [1, " + modelDim + "] for this model, got " + v);
        }
        return v;
    }

    /** A string, an array of strings, an array of token ids, or an array of arrays of token ids. */
    Input input(JsonNode body) {
        JsonNode t = body.get("input");
        String expected = "a string, an array of strings, an array of token ids or an array of such arrays";
        if (t == null || t.isNull()) {
            throw ApiError.field(400, "input", "'input' is required: " + expected);
        }
        if (t.isTextual()) {
            Requests.checkLength("input", t.asText(), settings);
            return new Input(List.of(t.asText()), null);
        }
        if (!t.isArray()) {
            throw ApiError.field(400, "input", "'input' must be " + expected + ", got " + Requests.kind(t));
        }
        if (t.isEmpty()) {
            throw ApiError.field(400, "input", "'input' must not be an empty array");
        }
        if (t.get(0).isIntegralNumber()) {
            return new Input(List.of(""), new Encoding[] {ids(t, "input")});
        }
        if (!t.get(0).isArray()) {
            return new Input(Requests.strings(t, "input", settings), null);
        }
        Requests.checkCount(t, "input", settings);
        Encoding[] enc = new Encoding[t.size()];
        for (int i = 0; i < t.size(); i++) {
            String name = "input[" + i + "]";
            if (!t.get(i).isArray()) {
                throw ApiError.field(
                        400, "input", "'" + name + "' must be an array of token ids, got " + Requests.kind(t.get(i)));
            }
            if (t.get(i).isEmpty()) {
                throw ApiError.field(400, "input", "'" + name + "' must not be an empty array");
            }
            enc[i] = ids(t.get(i), name);
        }
        return new Input(new ArrayList<>(Collections.nCopies(enc.length, "")), enc);
    }

    /** Token ids of the model's vocabulary, without [CLS]/[SEP] (added here, as for text). */
    private IdEncoding ids(JsonNode array, String name) {
        int vocab = model.backbone().config().vocabSize();
        if (array.size() > settings.maxTextChars()) {
            throw ApiError.field(
                    400,
                    "input",
                    "'" + name + "' has " + array.size() + " token ids, limit " + settings.maxTextChars()
                            + " (--max-text-chars)");
        }
        long[] ids = new long[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode x = array.get(i);
            if (!x.isIntegralNumber() || x.asLong() < 0 || x.asLong() >= vocab) {
                throw ApiError.field(
                        400,
                        "input",
                        "'" + name + "[" + i + "]' must be a token id in [0, " + vocab + ") of this model's"
                                + " vocabulary, got " + x);
            }
            ids[i] = x.asLong();
        }
        var tok = model.backbone().tokenizer();
        return new IdEncoding(tok.clsId(), ids, tok.sepId());
    }
}
