package dev.mtl.serve;

import static dev.mtl.serve.ServeFixture.assertJsonClose;
import static dev.mtl.serve.ServeFixture.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mtl.MultiTaskModel;
import dev.mtl.Prediction;
import dev.mtl.PredictionJson;
import dev.mtl.config.Output;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each endpoint's happy path against a tiny two-head model, compared with the model called directly. */
class ApiTest {

    @TempDir
    static Path tmp;

    static ServeFixture f;
    static MultiTaskModel direct;

    /** Mixed lengths (padding matters), an emoji (code-point offsets), an empty text. */
    static final List<String> TEXTS =
            List.of("play the music", "new york 😀 play the music again and again", "", "the york, play!", "z");

    @BeforeAll
    static void start() throws Exception {
        Path model = ServeFixture.writeTinyModel(tmp);
        direct = MultiTaskModel.load(model);
        f = ServeFixture.start(model, ServeSettings.defaults());
    }

    @AfterAll
    static void stop() {
        f.close();
        direct.close();
    }

    private JsonNode directJson(List<String> texts, EnumSet<Output> tasks) {
        List<Prediction> p = direct.predict(texts, tasks);
        return ServeFixture.JSON.valueToTree(
                p.stream().map(PredictionJson::toJson).toList());
    }

    @Test
    void predictEqualsTheModelCalledDirectly() throws Exception {
        var r = f.post(
                "/v1/predict", body(Map.of("texts", TEXTS, "tasks", List.of("embedding", "classification", "ner"))));
        assertEquals(200, r.status(), r.body());
        assertTrue(r.contentType().startsWith("application/json"));
        JsonNode preds = r.json().get("predictions");
        assertEquals(TEXTS.size(), preds.size());
        assertJsonClose(directJson(TEXTS, EnumSet.allOf(Output.class)), preds, 1e-4, "predictions");
        assertEquals(
                "new york 😀 play the music again and again",
                preds.get(1).get("text").asText());
        assertEquals(32, preds.get(0).get("embedding").size());
        assertEquals(
                3,
                preds.get(0).get("classification").get("intent").get("scores").size());
    }

    @Test
    void predictReturnsOnlyTheRequestedTasks() throws Exception {
        var r = f.post("/v1/predict", body(Map.of("texts", TEXTS, "tasks", List.of("ner"))));
        assertEquals(200, r.status(), r.body());
        JsonNode preds = r.json().get("predictions");
        assertJsonClose(directJson(TEXTS, EnumSet.of(Output.NER)), preds, 1e-4, "predictions");
        for (JsonNode p : preds) {
            assertFalse(p.has("embedding"));
            assertFalse(p.has("classification"));
            assertEquals(p.get("tokens").size(), p.get("tags").size());
        }
    }

    @Test
    void predictWithoutTasksRunsEveryTaskTheModelHas() throws Exception {
        var r = f.post("/v1/predict", body(Map.of("texts", List.of("play the music"))));
        assertEquals(200, r.status(), r.body());
        JsonNode p = r.json().get("predictions").get(0);
        assertTrue(p.has("embedding") && p.has("classification") && p.has("tags") && p.has("entities"), p.toString());
    }

    @Test
    void predictOfNoTextsIsAnEmptyList() throws Exception {
        var r = f.post("/v1/predict", body(Map.of("texts", List.of())));
        assertEquals(200, r.status());
        assertEquals("{\"predictions\":[]}", r.body());
    }

    @Test
    void embeddingsHaveOpenAisShapeAndTheModelsVectors() throws Exception {
        List<String> input = List.of("play the music", "new york");
        var r = f.post("/v1/embeddings", body(Map.of("input", input, "model", "tiny-test")));
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals("list", j.get("object").asText());
        assertEquals("tiny-test", j.get("model").asText());
        List<Prediction> ref = direct.predict(input, EnumSet.of(Output.EMBEDDING));
        long tokens = 0;
        for (int i = 0; i < input.size(); i++) {
            JsonNode d = j.get("data").get(i);
            assertEquals("embedding", d.get("object").asText());
            assertEquals(i, d.get("index").asInt());
            assertJsonClose(
                    ServeFixture.JSON.valueToTree(ref.get(i).embedding()), d.get("embedding"), 1e-5, "data[" + i + "]");
            tokens += direct.backbone().tokenizer().encode(input.get(i)).getIds().length;
        }
        assertEquals(tokens, j.get("usage").get("prompt_tokens").asLong());
        assertEquals(tokens, j.get("usage").get("total_tokens").asLong());
        assertEquals(List.of("object", "data", "model", "usage"), fields(j));
    }

    /** OpenAI's base64 format: little-endian float32 bytes, the very floats of the float format. */
    @Test
    void base64EmbeddingsDecodeToTheFloatVectors() throws Exception {
        List<String> input = List.of("play the music", "new york city");
        JsonNode floats = f.post("/v1/embeddings", body(Map.of("input", input))).json();
        var r = f.post("/v1/embeddings", body(Map.of("input", input, "encoding_format", "base64")));
        assertEquals(200, r.status(), r.body());
        for (int i = 0; i < input.size(); i++) {
            JsonNode expected = floats.get("data").get(i).get("embedding");
            byte[] raw = java.util.Base64.getDecoder()
                    .decode(r.json().get("data").get(i).get("embedding").asText());
            assertEquals(expected.size() * 4, raw.length);
            java.nio.FloatBuffer fb = java.nio.ByteBuffer.wrap(raw)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer();
            for (int k = 0; k < expected.size(); k++) {
                assertEquals(expected.get(k).floatValue(), fb.get(k), 0f, "data[" + i + "][" + k + "]");
            }
        }
    }

    @Test
    void embeddingsTakeASingleStringAndEchoTheBackboneWithoutModel() throws Exception {
        var r = f.post("/v1/embeddings", body(Map.of("input", "play the music")));
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals(1, j.get("data").size());
        assertEquals(32, j.get("data").get(0).get("embedding").size());
        assertEquals("random", j.get("model").asText());
        // "play the music" is [CLS] play the music [SEP] in the tiny vocabulary.
        assertEquals(5, j.get("usage").get("prompt_tokens").asInt());
    }

    @Test
    void modelDescribesTasksLabelsAndDimensions() throws Exception {
        var r = f.get("/v1/model");
        assertEquals(200, r.status());
        JsonNode j = r.json();
        assertEquals("random", j.get("backbone").asText());
        assertEquals(32, j.get("embedding_dimension").asInt());
        assertEquals(64, j.get("max_length").asInt());
        assertEquals(
                "[\"embedding\",\"classification\",\"ner\"]",
                j.get("available_tasks").toString());
        assertEquals("classification", j.get("tasks").get("intent").get("kind").asText());
        assertEquals(
                "[\"PlayMusic\",\"GetWeather\",\"BookRestaurant\"]",
                j.get("tasks").get("intent").get("labels").toString());
        assertEquals("ner", j.get("tasks").get("slots").get("kind").asText());
        assertEquals(
                ServeFixture.TAGS.size(),
                j.get("tasks").get("slots").get("labels").size());
        assertEquals(
                ServeSettings.DEFAULT_MAX_TEXTS,
                j.get("limits").get("max_texts").asInt());
    }

    @Test
    void healthSaysOk() throws Exception {
        var r = f.get("/health");
        assertEquals(200, r.status());
        assertEquals("{\"status\":\"ok\"}", r.body());
    }

    @Test
    void metricsAreInPrometheusTextFormat() throws Exception {
        f.post("/v1/predict", body(Map.of("texts", List.of("play"))));
        long before = f.server.metrics().requests("/v1/predict", 200);
        assertEquals(
                200,
                f.post("/v1/predict", body(Map.of("texts", List.of("play the"))))
                        .status());
        f.get("/nowhere");
        var r = f.get("/metrics");
        assertEquals(200, r.status());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.contentType());
        Map<String, String> types = new java.util.HashMap<>();
        Map<String, Double> samples = new java.util.HashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ");
                types.put(p[2], p[3]);
            } else if (!line.startsWith("#") && !line.isEmpty()) {
                assertTrue(line.matches("[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[^}]*\\})? [-+0-9.eE]+|.* [+-]?(Inf|NaN)"), line);
                int cut = line.lastIndexOf(' ');
                samples.put(line.substring(0, cut), Double.parseDouble(line.substring(cut + 1)));
            }
        }
        // The server's own families, with the names and types they always had.
        assertEquals("counter", types.get("mtl_http_requests_total"));
        assertEquals("histogram", types.get("mtl_http_request_duration_seconds"));
        assertEquals("histogram", types.get("mtl_batch_requests"));
        assertEquals("histogram", types.get("mtl_batch_texts"));
        assertEquals("counter", types.get("mtl_texts_total"));
        assertEquals("counter", types.get("mtl_encoder_passes_total"));
        assertEquals("gauge", types.get("mtl_queue_depth"));
        assertEquals(before + 1, samples.get("mtl_http_requests_total{endpoint=\"/v1/predict\",status=\"200\"}"));
        assertTrue(samples.containsKey("mtl_http_requests_total{endpoint=\"other\",status=\"404\"}"), r.body());
        assertTrue(samples.get("mtl_http_request_duration_seconds_bucket{endpoint=\"/v1/predict\",le=\"+Inf\"}") >= 2);
        assertEquals(0.0, samples.get("mtl_queue_depth"));
        // The client library's JVM and process collectors.
        assertTrue(samples.get("process_resident_memory_bytes") > 1e6, r.body());
        assertTrue(samples.get("jvm_memory_used_bytes{area=\"heap\"}") > 0, r.body());
        assertTrue(samples.get("jvm_threads_current") >= 2, r.body());
        assertTrue(types.containsKey("jvm_gc_collection_seconds"), "GC family present: " + types.keySet());
        double passes = samples.get("mtl_encoder_passes_total");
        f.post("/v1/predict", body(Map.of("texts", List.of("play", "new york"))));
        assertEquals(
                passes + 1, metric(f.get("/metrics").body(), "mtl_encoder_passes_total"), "two short texts, one pass");
    }

    @Test
    void demoPageAndItsAssetsAreServedFromTheClasspath() throws Exception {
        var page = f.get("/");
        assertEquals(200, page.status());
        assertTrue(page.contentType().startsWith("text/html"));
        assertTrue(page.body().contains("<textarea id=\"text\""), page.body());
        assertFalse(page.body().contains("http://") || page.body().contains("https://"), "no external resources");
        var js = f.get("/demo.js");
        assertEquals(200, js.status());
        assertTrue(js.contentType().startsWith("text/javascript"));
        assertTrue(js.body().contains("Array.from(text)"));
        assertTrue(f.get("/demo.css").contentType().startsWith("text/css"));
    }

    private static List<String> fields(JsonNode j) {
        List<String> out = new java.util.ArrayList<>();
        j.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static double metric(String exposition, String name) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1));
            }
        }
        throw new AssertionError(name + " not in " + exposition);
    }
}
