package dev.mtl.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/**
 * The one place that writes error bodies. The shape follows the client family a path belongs to, so
 * each client's own error parsing works: OpenAI's {@code {"error": {"message", "type", "param",
 * "code"}}} on the OpenAI routes, Text Embeddings Inference's {@code {"error", "error_type"}} on the
 * TEI routes, and mtl's {@code {"error": "..."}} everywhere else. Messages are one line.
 */
public final class ErrorBodies {

    /** Which clients a path serves, and so which error shape they parse. */
    public enum Family {
        OPENAI,
        TEI,
        MTL
    }

    /** TEI's routes (its /health and /metrics are shared with mtl's own and keep mtl's shape). */
    private static final Set<String> TEI = Set.of("/embed", "/predict", "/tokenize", "/info");

    private ErrorBodies() {}

    /**
     * The family of a request path. Everything under {@code /v1/} is OpenAI's except mtl's own
     * {@code /v1/predict} and {@code /v1/model}, whose clients (the demo page among them) read
     * {@code {"error": "..."}}.
     */
    public static Family family(String path) {
        if (path == null) {
            return Family.MTL;
        }
        if (TEI.contains(path)) {
            return Family.TEI;
        }
        if (path.startsWith("/v1/") && !path.equals("/v1/predict") && !path.equals("/v1/model")) {
            return Family.OPENAI;
        }
        return Family.MTL;
    }

    /** The error body for a request to {@code path}; {@code param} and {@code code} may be null. */
    public static ObjectNode body(String path, int status, String message, String param, String code) {
        ObjectNode o = Requests.JSON.createObjectNode();
        switch (family(path)) {
            case OPENAI -> {
                ObjectNode e = o.putObject("error");
                e.put("message", message);
                e.put("type", openAiType(status));
                e.put("param", param);
                e.put("code", code != null ? code : openAiCode(status));
            }
            case TEI -> {
                o.put("error", message);
                o.put("error_type", teiType(status));
            }
            case MTL -> o.put("error", message);
        }
        return o;
    }

    public static byte[] bytes(String path, int status, String message) {
        try {
            return Requests.JSON.writeValueAsBytes(body(path, status, message, null, null));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree of strings always serialises
        }
    }

    /** OpenAI's error types: the request's fault, the key's, the rate limit's, or the server's. */
    static String openAiType(int status) {
        if (status == 401 || status == 403) {
            return "authentication_error";
        }
        if (status == 429) {
            return "rate_limit_error";
        }
        return status >= 500 ? "server_error" : "invalid_request_error";
    }

    private static String openAiCode(int status) {
        return switch (status) {
            case 401 -> "invalid_api_key";
            case 503 -> "overloaded";
            case 504 -> "timeout";
            default -> null;
        };
    }

    /** TEI's ErrorType names: Validation (413, 422 and other 4xx), Overloaded, Unhealthy, Backend. */
    static String teiType(int status) {
        if (status == 429) {
            return "Overloaded";
        }
        if (status == 503) {
            return "Unhealthy";
        }
        return status >= 500 || status == 424 ? "Backend" : "Validation";
    }
}
