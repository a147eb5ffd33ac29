package dev.mtl.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** Each client family gets the error shape its own client parses, chosen by the path alone. */
class ErrorBodiesTest {

    @Test
    void openAiRoutesGetOpenAisErrorObject() throws Exception {
        JsonNode b = ServeFixture.JSON.readTree(
                ErrorBodies.bytes("/v1/embeddings", 400, "'dimensions' must be >= 1, got 0"));
        JsonNode e = b.get("error");
        assertEquals("'dimensions' must be >= 1, got 0", e.get("message").asText());
        assertEquals("invalid_request_error", e.get("type").asText());
        assertTrue(e.has("param") && e.get("param").isNull());
        assertTrue(e.has("code") && e.get("code").isNull());
        JsonNode withParam = ErrorBodies.body("/v1/embeddings", 400, "bad", "dimensions", null);
        assertEquals("dimensions", withParam.get("error").get("param").asText());
        assertEquals(
                "server_error",
                ErrorBodies.body("/v1/models", 503, "x", null, null)
                        .get("error")
                        .get("type")
                        .asText());
        assertEquals(
                "invalid_api_key",
                ErrorBodies.body("/v1/no-such", 401, "x", null, null)
                        .get("error")
                        .get("code")
                        .asText());
    }

    @Test
    void teiRoutesGetErrorAndErrorType() {
        JsonNode b = ErrorBodies.body("/embed", 413, "batch size 40 > maximum allowed batch size 32", null, null);
        assertEquals(
                "batch size 40 > maximum allowed batch size 32", b.get("error").asText());
        assertEquals("Validation", b.get("error_type").asText());
        assertEquals(2, b.size());
        assertEquals(
                "Overloaded",
                ErrorBodies.body("/predict", 429, "x", null, null)
                        .get("error_type")
                        .asText());
        assertEquals(
                "Backend",
                ErrorBodies.body("/tokenize", 500, "x", null, null)
                        .get("error_type")
                        .asText());
    }

    @Test
    void mtlsOwnRoutesKeepThePlainShape() {
        for (String path : new String[] {"/v1/predict", "/v1/model", "/health", "/", "/v2/x", null}) {
            JsonNode b = ErrorBodies.body(path, 400, "msg", "texts", null);
            assertEquals(1, b.size(), String.valueOf(path));
            assertEquals("msg", b.get("error").asText());
        }
    }
}
