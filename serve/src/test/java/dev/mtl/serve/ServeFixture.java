package dev.mtl.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.huggingface.tokenizers.Encoding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.MultiTaskModel;
import dev.mtl.TestModels;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/** A tiny two-head model on disk, a server on a free port, and an HTTP client for the tests. */
final class ServeFixture implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> TAGS = TestModels.TAGS;

    final Server server;
    final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private ServeFixture(Server server) {
        this.server = server;
    }

    /** Writes a tiny random model with an {@code intent} classifier and a {@code slots} tagger. */
    static Path writeTinyModel(Path tmp) throws IOException {
        return TestModels.writeTwoHeadModel(tmp);
    }

    static ServeFixture start(Path modelDir, ServeSettings settings) throws IOException {
        return new ServeFixture(Server.start(MultiTaskModel.load(modelDir), settings.withPort(0)));
    }

    /** A server whose tokenizer is {@code wrap} applied to the model's: tests make it fail on chosen texts. */
    static ServeFixture start(Path modelDir, ServeSettings settings, UnaryOperator<Function<String, Encoding>> wrap)
            throws IOException {
        MultiTaskModel m = MultiTaskModel.load(modelDir);
        return new ServeFixture(
                Server.start(m, settings.withPort(0), wrap.apply(m.backbone().tokenizer()::encode)));
    }

    record Response(int status, String contentType, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        /**
         * The one-line error message, after checking the body has exactly the fields of one of the
         * three shapes: mtl's {"error"}, TEI's {"error", "error_type"}, OpenAI's {"error": {"message",
         * "type", "param", "code"}}.
         */
        String error() {
            assertTrue(contentType.startsWith("application/json"), contentType);
            JsonNode j = json();
            JsonNode e = j.get("error");
            String msg;
            if (e != null && e.isObject()) {
                assertEquals(1, j.size(), "only an error object: " + body);
                assertEquals(List.of("message", "type", "param", "code"), names(e), body);
                assertTrue(e.get("type").isTextual(), body);
                msg = e.get("message").asText();
            } else if (j.has("error_type")) {
                assertEquals(2, j.size(), "error and error_type: " + body);
                assertTrue(j.get("error_type").isTextual(), body);
                msg = e.asText();
            } else {
                assertEquals(1, j.size(), "only an error field: " + body);
                msg = e.asText();
            }
            assertEquals(1, msg.lines().count(), "one line: " + msg);
            return msg;
        }
    }

    Response get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET().build());
    }

    Response post(String path, String json) throws IOException, InterruptedException {
        return post(path, "application/json", json);
    }

    Response post(String path, String contentType, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return send(b.build());
    }

    HttpRequest postRequest(String path, String json) {
        return HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
    }

    Response send(HttpRequest r) throws IOException, InterruptedException {
        HttpResponse<String> res = http.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Response(
                res.statusCode(), res.headers().firstValue("Content-Type").orElse(""), res.body());
    }

    URI uri(String path) {
        return URI.create(server.url() + path);
    }

    static String body(Map<String, ?> fields) {
        try {
            return JSON.writeValueAsString(fields);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Equal JSON, numbers within {@code tol} (a merged batch pads differently: last-bit differences). */
    static void assertJsonClose(JsonNode expected, JsonNode actual, double tol, String path) {
        if (expected.isNumber()) {
            if (!actual.isNumber() || Math.abs(expected.asDouble() - actual.asDouble()) > tol) {
                fail(path + ": expected " + expected + ", got " + actual);
            }
            return;
        }
        assertEquals(expected.getNodeType(), actual.getNodeType(), path);
        if (expected.isArray()) {
            assertEquals(expected.size(), actual.size(), path + " size");
            for (int i = 0; i < expected.size(); i++) {
                assertJsonClose(expected.get(i), actual.get(i), tol, path + "[" + i + "]");
            }
        } else if (expected.isObject()) {
            List<String> e = names(expected);
            assertEquals(e, names(actual), path + " fields");
            for (String f : e) {
                assertJsonClose(expected.get(f), actual.get(f), tol, path + "." + f);
            }
        } else {
            assertEquals(expected, actual, path);
        }
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    @Override
    public void close() {
        server.close();
    }
}
