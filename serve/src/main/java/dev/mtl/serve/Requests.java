package dev.mtl.serve;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.config.Output;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reading and validating request bodies: content type, size, JSON syntax, and the {@code texts},
 * {@code input} and {@code tasks} fields. Every failure is an {@link ApiError} whose message names the
 * field or the limit (and the flag that sets it).
 */
final class Requests {

    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Requests() {}

    /** The body as a JSON object, after the content-type and size checks. */
    static JsonNode jsonObject(Context ctx, int maxBodyBytes) {
        String ct = ctx.contentType();
        String mediaType = ct == null ? "" : ct.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!mediaType.equals("application/json")) {
            throw new ApiError(
                    415, "Content-Type must be application/json, got " + (ct == null ? "none" : "'" + ct + "'"));
        }
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBodyBytes) {
            throw new ApiError(413, tooLarge(maxBodyBytes));
        }
        byte[] body = readAtMost(ctx, maxBodyBytes);
        if (body.length == 0) {
            throw new ApiError(400, "request body is empty: expected a JSON object");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ApiError(400, "malformed JSON" + where + reason(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ApiError(400, "could not read the request body: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw new ApiError(400, "request body must be a JSON object, got " + kind(node));
        }
        return node;
    }

    /** Jackson's first line without its "[Source: ...]" noise (the position is given separately). */
    private static String reason(String jackson) {
        if (jackson == null || jackson.isBlank()) {
            return "";
        }
        String why = jackson.lines().findFirst().orElse("");
        int cut = why.indexOf(" (start marker at");
        if (cut < 0) {
            cut = why.indexOf("[Source");
        }
        return ": " + (cut < 0 ? why : why.substring(0, cut)).strip();
    }

    private static String tooLarge(int max) {
        return "request body larger than " + max + " bytes (--max-body-bytes)";
    }

    /** Reads the body, failing (413) as soon as it passes the limit: chunked bodies have no length. */
    private static byte[] readAtMost(Context ctx, int max) {
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] bytes = in.readNBytes(max + 1);
            if (bytes.length > max) {
                throw new ApiError(413, tooLarge(max));
            }
            return bytes;
        } catch (IOException e) {
            throw new ApiError(400, "could not read the request body: " + e.getMessage());
        }
    }

    /** {@code texts} of /v1/predict: a required array of strings. */
    static List<String> texts(JsonNode body, ServeSettings s) {
        JsonNode t = body.get("texts");
        if (t == null || t.isNull()) {
            throw new ApiError(400, "'texts' is required: an array of strings");
        }
        if (!t.isArray()) {
            throw new ApiError(400, "'texts' must be an array of strings, got " + kind(t));
        }
        return strings(t, "texts", s);
    }

    /** At most {@code --max-texts} entries. */
    static void checkCount(JsonNode array, String field, ServeSettings s) {
        if (array.size() > s.maxTexts()) {
            throw ApiError.field(
                    400,
                    field,
                    "'" + field + "' has " + array.size() + " texts, limit " + s.maxTexts()
                            + " per request (--max-texts)");
        }
    }

    /** An array of strings, each within {@code --max-text-chars}. */
    static List<String> strings(JsonNode array, String field, ServeSettings s) {
        checkCount(array, field, s);
        List<String> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonNode x = array.get(i);
            String name = field + "[" + i + "]";
            if (!x.isTextual()) {
                throw ApiError.field(400, field, "'" + name + "' must be a string, got " + kind(x));
            }
            checkLength(name, x.asText(), s);
            out.add(x.asText());
        }
        return out;
    }

    static void checkLength(String name, String text, ServeSettings s) {
        // Code points, as the JSON offsets count them: an emoji is one character, not two.
        if (text.length() > s.maxTextChars() && text.codePointCount(0, text.length()) > s.maxTextChars()) {
            throw ApiError.field(
                    400,
                    name.replaceAll("\\[.*", ""),
                    "'" + name + "' has " + text.codePointCount(0, text.length()) + " characters, limit "
                            + s.maxTextChars() + " (--max-text-chars)");
        }
    }

    /** {@code tasks}: optional (default: all the model has); each must be known and served by the model. */
    static Set<Output> tasks(JsonNode body, Set<Output> available) {
        JsonNode t = body.get("tasks");
        if (t == null || t.isNull()) {
            return available;
        }
        if (!t.isArray()) {
            throw new ApiError(
                    400,
                    "'tasks' must be an array of strings, got " + kind(t) + "; valid tasks: " + Output.validNames());
        }
        if (t.isEmpty()) {
            throw new ApiError(400, "'tasks' must not be empty; valid tasks: " + Output.validNames());
        }
        Set<Output> out = EnumSet.noneOf(Output.class);
        for (int i = 0; i < t.size(); i++) {
            JsonNode x = t.get(i);
            if (!x.isTextual()) {
                throw new ApiError(400, "'tasks[" + i + "]' must be a string, got " + kind(x));
            }
            Output task;
            try {
                task = Output.parse(x.asText());
            } catch (IllegalArgumentException e) {
                // Shown JSON-escaped: a newline in the client's value must not break the one-line message.
                String shown = x.toString().substring(1, x.toString().length() - 1);
                throw new ApiError(400, "unknown task '" + shown + "'; valid tasks: " + Output.validNames());
            }
            if (!available.contains(task)) {
                throw new ApiError(
                        400,
                        "this model has no " + task.jsonName() + " head; available tasks: "
                                + available.stream().map(Output::jsonName).collect(Collectors.joining(", ")));
            }
            out.add(task);
        }
        return out;
    }

    /** JSON's name for a node's type, for messages. */
    static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "nothing";
        }
        return switch (n.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> n.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }
}
