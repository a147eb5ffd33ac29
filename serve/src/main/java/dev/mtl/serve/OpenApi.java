package dev.mtl.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;

/**
 * The OpenAPI 3 document served at {@code /openapi.json}: every route with its request and response
 * shapes. Written out by hand (the routes are few and their shapes are other APIs', not Java classes);
 * a test checks it names exactly the routes the server registers.
 */
final class OpenApi {

    private OpenApi() {}

    private record Op(String method, String path, String tag, String summary, String request, String response) {}

    private static final String JSON = "application/json";
    private static final String STR_OR_STRS =
            "{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"array\",\"items\":{\"type\":\"string\"}}]}";
    private static final String VECTORS =
            "{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":{\"type\":\"number\"}}}";

    private static final List<Op> OPS = List.of(
            new Op("get", "/", "demo", "The demo page (HTML).", null, null),
            new Op("get", "/demo.css", "demo", "The demo page's style sheet.", null, null),
            new Op("get", "/demo.js", "demo", "The demo page's script.", null, null),
            new Op(
                    "post",
                    "/v1/predict",
                    "mtl",
                    "Every requested task's output for each text: embedding, classification, NER spans.",
                    "{\"type\":\"object\",\"required\":[\"texts\"],\"properties\":{\"texts\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"tasks\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"enum\":[\"embedding\",\"classification\",\"ner\"]}}}}",
                    "{\"type\":\"object\",\"properties\":{\"predictions\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}}"),
            new Op(
                    "get",
                    "/v1/model",
                    "mtl",
                    "The model: backbone, tasks, labels, limits.",
                    null,
                    "{\"type\":\"object\"}"),
            new Op(
                    "post",
                    "/v1/embeddings",
                    "openai",
                    "OpenAI's embeddings API: up to --max-texts inputs (2,048 by default) as strings or token ids;"
                            + " dimensions truncates and renormalises; encoding_format float or base64.",
                    "{\"type\":\"object\",\"required\":[\"input\"],\"properties\":{\"input\":{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"array\",\"items\":{\"type\":\"string\"}},{\"type\":\"array\",\"items\":{\"type\":\"integer\"}},{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}}]},\"model\":{\"type\":\"string\"},\"dimensions\":{\"type\":\"integer\",\"minimum\":1},\"encoding_format\":{\"type\":\"string\",\"enum\":[\"float\",\"base64\"]},\"user\":{\"type\":\"string\"}}}",
                    "{\"type\":\"object\",\"properties\":{\"object\":{\"type\":\"string\"},\"data\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"object\":{\"type\":\"string\"},\"index\":{\"type\":\"integer\"},\"embedding\":{\"oneOf\":[{\"type\":\"array\",\"items\":{\"type\":\"number\"}},{\"type\":\"string\",\"format\":\"byte\"}]}}}},\"model\":{\"type\":\"string\"},\"usage\":{\"type\":\"object\",\"properties\":{\"prompt_tokens\":{\"type\":\"integer\"},\"total_tokens\":{\"type\":\"integer\"}}}}}"),
            new Op(
                    "get",
                    "/v1/models",
                    "openai",
                    "OpenAI's model list: the one served model.",
                    null,
                    "{\"type\":\"object\",\"properties\":{\"object\":{\"type\":\"string\"},\"data\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Model\"}}}}"),
            new Op(
                    "get",
                    "/v1/models/{id}",
                    "openai",
                    "One model by id; 404 (code model_not_found) for any other id.",
                    null,
                    "{\"$ref\":\"#/components/schemas/Model\"}"),
            new Op(
                    "post",
                    "/embed",
                    "tei",
                    "TEI's embed: inputs, normalize (default true), truncate (default false).",
                    "{\"type\":\"object\",\"required\":[\"inputs\"],\"properties\":{\"inputs\":" + STR_OR_STRS
                            + ",\"normalize\":{\"type\":\"boolean\",\"default\":true},\"truncate\":{\"type\":\"boolean\",\"default\":false}}}",
                    VECTORS),
            new Op(
                    "post",
                    "/predict",
                    "tei",
                    "TEI's predict on a classification head (the first, or the one named by task): labels with"
                            + " scores, highest first.",
                    "{\"type\":\"object\",\"required\":[\"inputs\"],\"properties\":{\"inputs\":{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":1},{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":1}}]},\"truncate\":{\"type\":\"boolean\"},\"task\":{\"type\":\"string\"}}}",
                    "{\"oneOf\":[{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Prediction\"}},{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Prediction\"}}}]}"),
            new Op(
                    "post",
                    "/tokenize",
                    "tei",
                    "TEI's tokenize: id, text, special, start and stop (character offsets) per token.",
                    "{\"type\":\"object\",\"required\":[\"inputs\"],\"properties\":{\"inputs\":" + STR_OR_STRS
                            + ",\"add_special_tokens\":{\"type\":\"boolean\",\"default\":true}}}",
                    "{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"text\":{\"type\":\"string\"},\"special\":{\"type\":\"boolean\"},\"start\":{\"type\":\"integer\",\"nullable\":true},\"stop\":{\"type\":\"integer\",\"nullable\":true}}}}}"),
            new Op("get", "/info", "tei", "TEI's info: model id, limits.", null, "{\"type\":\"object\"}"),
            new Op(
                    "get",
                    "/health",
                    "mtl",
                    "200 while the server can serve; 503 otherwise.",
                    null,
                    "{\"type\":\"object\"}"),
            new Op("get", "/metrics", "mtl", "Prometheus text format: server, JVM and process metrics.", null, null),
            new Op("get", "/openapi.json", "mtl", "This document.", null, "{\"type\":\"object\"}"));

    static ObjectNode document(String version) {
        ObjectNode doc = Requests.JSON.createObjectNode();
        doc.put("openapi", "3.0.3");
        doc.putObject("info").put("title", "mtl serve").put("version", version);
        ObjectNode paths = doc.putObject("paths");
        for (Op op : OPS) {
            ObjectNode path = paths.has(op.path()) ? (ObjectNode) paths.get(op.path()) : paths.putObject(op.path());
            ObjectNode o = path.putObject(op.method());
            o.putArray("tags").add(op.tag());
            o.put("summary", op.summary());
            o.put("operationId", op.method() + op.path().replaceAll("[^A-Za-z0-9]+", "_"));
            if (op.path().contains("{id}")) {
                o.putArray("parameters")
                        .addObject()
                        .put("name", "id")
                        .put("in", "path")
                        .put("required", true)
                        .putObject("schema")
                        .put("type", "string");
            }
            if (op.request() != null) {
                o.putObject("requestBody")
                        .put("required", true)
                        .putObject("content")
                        .putObject(JSON)
                        .set("schema", parse(op.request()));
            }
            ObjectNode responses = o.putObject("responses");
            ObjectNode ok = responses.putObject("200").put("description", "OK");
            if (op.response() != null) {
                ok.putObject("content").putObject(JSON).set("schema", parse(op.response()));
            }
            if (op.method().equals("post")) {
                error(responses, "400", "Bad request: malformed JSON or a field out of range", op.tag());
                error(responses, "413", "Body, batch or input too large", op.tag());
                error(responses, "503", "Queue full (Retry-After) or shutting down", op.tag());
            }
        }
        ObjectNode schemas = doc.putObject("components").putObject("schemas");
        schemas.set(
                "Model",
                parse(
                        "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"},\"object\":{\"type\":\"string\"},\"created\":{\"type\":\"integer\"},\"owned_by\":{\"type\":\"string\"}}}"));
        schemas.set(
                "Prediction",
                parse(
                        "{\"type\":\"object\",\"properties\":{\"score\":{\"type\":\"number\"},\"label\":{\"type\":\"string\"}}}"));
        schemas.set(
                "OpenAiError",
                parse(
                        "{\"type\":\"object\",\"properties\":{\"error\":{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\"},\"type\":{\"type\":\"string\"},\"param\":{\"type\":\"string\",\"nullable\":true},\"code\":{\"type\":\"string\",\"nullable\":true}}}}}"));
        schemas.set(
                "TeiError",
                parse(
                        "{\"type\":\"object\",\"properties\":{\"error\":{\"type\":\"string\"},\"error_type\":{\"type\":\"string\"}}}"));
        schemas.set("Error", parse("{\"type\":\"object\",\"properties\":{\"error\":{\"type\":\"string\"}}}"));
        return doc;
    }

    /** The error schema of the route's client family ({@link ErrorBodies}). */
    private static void error(ObjectNode responses, String status, String description, String tag) {
        String schema = switch (tag) {
            case "openai" -> "OpenAiError";
            case "tei" -> "TeiError";
            default -> "Error";
        };
        responses
                .putObject(status)
                .put("description", description)
                .putObject("content")
                .putObject(JSON)
                .putObject("schema")
                .put("$ref", "#/components/schemas/" + schema);
    }

    /** "get /v1/models/{id}" for each operation, as the server's route list spells them. */
    static List<String> operations(ObjectNode doc) {
        List<String> out = new java.util.ArrayList<>();
        doc.get("paths")
                .fields()
                .forEachRemaining(p -> p.getValue()
                        .fieldNames()
                        .forEachRemaining(m -> out.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey())));
        return out;
    }

    private static ObjectNode parse(String json) {
        try {
            return (ObjectNode) Requests.JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("bad schema literal: " + json, e);
        }
    }
}
