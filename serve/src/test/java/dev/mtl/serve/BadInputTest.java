package dev.mtl.serve;

import static dev.mtl.serve.ServeFixture.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mtl.config.Output;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad request gets its status and a one-line {"error": ...} naming the field or limit; the server lives on. */
class BadInputTest {

    @TempDir
    static Path tmp;

    static ServeFixture f;

    static final int MAX_TEXTS = 4;
    static final int MAX_CHARS = 50;
    static final int MAX_BODY = 1000;

    @BeforeAll
    static void start() throws Exception {
        f = ServeFixture.start(
                ServeFixture.writeTinyModel(tmp), ServeSettings.defaults().withLimits(MAX_TEXTS, MAX_CHARS, MAX_BODY));
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @AfterEach
    void serverIsStillHealthy() throws Exception {
        assertEquals(200, f.get("/health").status());
    }

    static Stream<Arguments> badPosts() {
        String tooLong = "a".repeat(MAX_CHARS + 1);
        return Stream.of(
                Arguments.of(
                        "/v1/predict",
                        "{\"texts\": [\"a\",",
                        400,
                        "malformed JSON at line 1, column 16: Unexpected end-of-input within/between Array entries"),
                Arguments.of("/v1/predict", "{\"texts\": [\"a\"]} {}", 400, null),
                Arguments.of("/v1/predict", "[1, 2]", 400, "request body must be a JSON object, got an array"),
                Arguments.of("/v1/predict", "", 400, "request body is empty: expected a JSON object"),
                Arguments.of("/v1/predict", "{}", 400, "'texts' is required: an array of strings"),
                Arguments.of(
                        "/v1/predict",
                        "{\"texts\": \"play\"}",
                        400,
                        "'texts' must be an array of strings, got a string"),
                Arguments.of(
                        "/v1/predict", "{\"texts\": [\"play\", 3]}", 400, "'texts[1]' must be a string, got a number"),
                Arguments.of(
                        "/v1/predict",
                        body(Map.of("texts", List.of("a", "b", "c", "d", "e"))),
                        400,
                        "'texts' has 5 texts, limit 4 per request (--max-texts)"),
                Arguments.of(
                        "/v1/predict",
                        body(Map.of("texts", List.of("ok", tooLong))),
                        400,
                        "'texts[1]' has 51 characters, limit 50 (--max-text-chars)"),
                Arguments.of(
                        "/v1/predict",
                        body(Map.of("texts", List.of("x"), "tasks", List.of("ner", "sentiment"))),
                        400,
                        "unknown task 'sentiment'; valid tasks: embedding, classification, ner"),
                Arguments.of(
                        "/v1/predict",
                        body(Map.of("texts", List.of("x"), "tasks", "ner")),
                        400,
                        "'tasks' must be an array of strings, got a string; valid tasks: embedding, classification, ner"),
                Arguments.of(
                        "/v1/predict",
                        body(Map.of("texts", List.of("x"), "tasks", List.of())),
                        400,
                        "'tasks' must not be empty; valid tasks: embedding, classification, ner"),
                Arguments.of(
                        "/v1/embeddings",
                        "{\"model\": \"m\"}",
                        400,
                        "'input' is required: a string, an array of strings, an array of token ids or an array of such arrays"),
                Arguments.of(
                        "/v1/embeddings",
                        "{\"input\": 42}",
                        400,
                        "'input' must be a string, an array of strings, an array of token ids or an array of such arrays, got a number"),
                Arguments.of("/v1/embeddings", "{\"input\": []}", 400, "'input' must not be an empty array"),
                Arguments.of(
                        "/v1/embeddings",
                        "{\"input\": [[1, \"a\"]]}",
                        400,
                        "'input[0][1]' must be a token id in [0, 66) of this model's vocabulary, got \"a\""),
                Arguments.of(
                        "/v1/embeddings",
                        "{\"input\": [5, 66]}",
                        400,
                        "'input[1]' must be a token id in [0, 66) of this model's vocabulary, got 66"),
                Arguments.of(
                        "/v1/embeddings",
                        "{\"input\": [[5], \"x\"]}",
                        400,
                        "'input[1]' must be an array of token ids, got a string"),
                Arguments.of(
                        "/v1/embeddings",
                        "{\"input\": \"x\", \"dimensions\": 0}",
                        400,
                        "'dimensions' must be in [1, 32] for this model, got 0"),
                Arguments.of(
                        "/v1/embeddings",
                        "{\"input\": \"x\", \"dimensions\": 33}",
                        400,
                        "'dimensions' must be in [1, 32] for this model, got 33"),
                Arguments.of(
                        "/v1/embeddings",
                        body(Map.of("input", tooLong)),
                        400,
                        "'input' has 51 characters, limit 50 (--max-text-chars)"),
                Arguments.of(
                        "/v1/embeddings",
                        "{\"input\": \"x\", \"encoding_format\": \"int8\"}",
                        400,
                        "'encoding_format' must be \"float\" or \"base64\", got \"int8\""));
    }

    @ParameterizedTest
    @MethodSource("badPosts")
    void badBodyIsRejectedWithItsMessage(String path, String body, int status, String message) throws Exception {
        var r = f.post(path, body);
        assertEquals(status, r.status(), r.body());
        String error = r.error();
        if (message != null) {
            assertEquals(message, error);
        } else {
            assertTrue(
                    error.startsWith("malformed JSON at line 1, column ") && error.contains("Trailing token"), error);
        }
        assertFalse(error.contains("Exception") || error.contains("\tat "), "no stack trace: " + error);
    }

    @Test
    void lengthLimitCountsCodePointsNotUtf16Units() throws Exception {
        String emoji = "😀".repeat(MAX_CHARS); // 50 code points, 100 UTF-16 units
        var r = f.post("/v1/predict", body(Map.of("texts", List.of(emoji), "tasks", List.of("embedding"))));
        assertEquals(200, r.status(), r.body());
    }

    @Test
    void wrongOrMissingContentTypeIs415() throws Exception {
        var r = f.post("/v1/predict", "text/plain", "{\"texts\": [\"x\"]}");
        assertEquals(415, r.status());
        assertEquals("Content-Type must be application/json, got 'text/plain'", r.error());
        var none = f.post("/v1/embeddings", null, "{\"input\": \"x\"}");
        assertEquals(415, none.status());
        assertEquals("Content-Type must be application/json, got none", none.error());
        var withCharset = f.post("/v1/embeddings", "application/json; charset=utf-8", "{\"input\": \"x\"}");
        assertEquals(200, withCharset.status(), withCharset.body());
    }

    @Test
    void bodyOverTheLimitIs413WithOrWithoutContentLength() throws Exception {
        String big = body(Map.of("texts", List.of("a".repeat(MAX_BODY))));
        var r = f.post("/v1/predict", big);
        assertEquals(413, r.status());
        assertEquals("request body larger than 1000 bytes (--max-body-bytes)", r.error());
        // A chunked body declares no length: the limit is enforced while reading.
        HttpRequest chunked = HttpRequest.newBuilder(f.uri("/v1/predict"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes())))
                .build();
        var c = f.send(chunked);
        assertEquals(413, c.status());
        assertEquals("request body larger than 1000 bytes (--max-body-bytes)", c.error());
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405() throws Exception {
        var r = f.get("/v2/predict");
        assertEquals(404, r.status());
        assertEquals("no such endpoint: GET /v2/predict", r.error());
        var m = f.get("/v1/predict");
        assertEquals(405, m.status());
        assertEquals("method GET not allowed on /v1/predict", m.error());
    }

    @Test
    void aTaskTheModelLacksIsRejectedListingTheAvailableOnes() {
        JsonNode body =
                ServeFixture.JSON.createObjectNode().set("tasks", ServeFixture.JSON.valueToTree(List.of("ner")));
        ApiError e = assertThrows(
                ApiError.class, () -> Requests.tasks(body, EnumSet.of(Output.EMBEDDING, Output.CLASSIFICATION)));
        assertEquals(400, e.status);
        assertEquals("this model has no ner head; available tasks: embedding, classification", e.getMessage());
    }
}
