package dev.mtl.serve;

import static dev.mtl.serve.ServeFixture.body;
import static java.net.http.HttpResponse.BodyHandlers.ofString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mtl.MultiTaskModel;
import dev.mtl.Prediction;
import dev.mtl.config.Output;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TEI's routes with TEI's shapes and statuses, and the OpenAPI document against the served routes. */
class TeiAndOpenApiTest {

    @TempDir
    static Path tmp;

    static ServeFixture f;
    static MultiTaskModel direct;

    @BeforeAll
    static void start() throws Exception {
        Path dir = ServeFixture.writeTinyModel(tmp);
        f = ServeFixture.start(dir, ServeSettings.defaults().withLimits(3, 10_000, 1 << 20));
        direct = MultiTaskModel.load(dir);
    }

    @AfterAll
    static void stop() {
        f.close();
        direct.close();
    }

    private static float[] unit(float[] v) {
        return Vectors.normalize(v);
    }

    @Test
    void embedReturnsAListOfVectorsNormalisedUnlessAskedNotTo() throws Exception {
        List<String> texts = List.of("play the music", "new york");
        float[][] ref = direct.embed(texts, direct.defaultOptions(), n -> {});
        JsonNode r = f.post("/embed", body(Map.of("inputs", texts))).json();
        JsonNode raw = f.post("/embed", body(Map.of("inputs", texts, "normalize", false)))
                .json();
        assertEquals(2, r.size());
        for (int i = 0; i < 2; i++) {
            float[] u = unit(ref[i]);
            for (int k = 0; k < u.length; k++) {
                assertEquals(u[k], r.get(i).get(k).floatValue(), 1e-5);
                assertEquals(ref[i][k], raw.get(i).get(k).floatValue(), 1e-5);
            }
        }
        JsonNode single = f.post("/embed", body(Map.of("inputs", "new york"))).json();
        assertEquals(1, single.size(), "a single input is still a list of one vector");
        assertEquals(r.get(1).get(0).floatValue(), single.get(0).get(0).floatValue(), 1e-5);
    }

    @Test
    void embedRefusesLikeTei() throws Exception {
        var batch = f.post("/embed", body(Map.of("inputs", List.of("a", "b", "c", "d"))));
        assertEquals(413, batch.status());
        assertEquals("batch size 4 > maximum allowed batch size 3 (--max-texts)", batch.error());
        assertEquals("Validation", batch.json().get("error_type").asText());

        String longText = "play the music ".repeat(40); // 120 words, over the model's 64 tokens
        var tooLong = f.post("/embed", body(Map.of("inputs", longText)));
        assertEquals(413, tooLong.status(), tooLong.body());
        assertTrue(tooLong.error().startsWith("`inputs` must have less than 64 tokens. Given: "), tooLong.body());
        var cut = f.post("/embed", body(Map.of("inputs", longText, "truncate", true)));
        assertEquals(200, cut.status(), cut.body());
        // Truncated means the first 62 content tokens between [CLS] and [SEP]: what the model gives for them.
        Encoding e = direct.backbone().tokenizer().encode(longText);
        List<String> words = List.of(longText.strip().split(" "));
        String prefix = String.join(" ", words.subList(0, 62)); // every word here is one token
        assertEquals(64, direct.backbone().tokenizer().encode(prefix).getIds().length);
        assertTrue(e.getIds().length > 64);
        float[] ref = unit(direct.embed(List.of(prefix), direct.defaultOptions(), n -> {})[0]);
        for (int k = 0; k < ref.length; k++) {
            assertEquals(ref[k], cut.json().get(0).get(k).floatValue(), 1e-5);
        }

        var wrongType = f.post("/embed", body(Map.of("inputs", "x", "normalize", "yes")));
        assertEquals(422, wrongType.status());
        assertEquals("'normalize' must be true or false, got \"yes\"", wrongType.error());
    }

    @Test
    void aFullQueueIsOverloaded429AsInTei() throws Exception {
        try (ServeFixture g = ServeFixture.start(
                tmp.resolve("model"), ServeSettings.defaults().withBatching(4096, 1, 1))) {
            g.server.batcher().pause();
            var first = g.http.sendAsync(g.postRequest("/embed", body(Map.of("inputs", "a"))), ofString());
            while (g.server.batcher().queueDepth() < 1) {
                Thread.sleep(5);
            }
            var r = g.post("/embed", body(Map.of("inputs", "b")));
            assertEquals(429, r.status(), r.body());
            assertEquals("Overloaded", r.json().get("error_type").asText());
            assertTrue(r.error().startsWith("queue full"), r.body());
            g.server.batcher().resume();
            assertEquals(200, first.get().statusCode());
        }
    }

    @Test
    void predictGivesLabelsWithScoresHighestFirst() throws Exception {
        List<String> texts = List.of("play the music", "new york");
        List<Prediction> ref = direct.predict(texts, EnumSet.of(Output.CLASSIFICATION));
        JsonNode batch = f.post(
                        "/predict", body(Map.of("inputs", List.of(List.of(texts.get(0)), List.of(texts.get(1))))))
                .json();
        assertEquals(2, batch.size());
        for (int i = 0; i < 2; i++) {
            Map<String, Float> scores =
                    ref.get(i).classification().get("intent").scores();
            JsonNode labels = batch.get(i);
            assertEquals(scores.size(), labels.size());
            for (int k = 0; k < labels.size(); k++) {
                JsonNode l = labels.get(k);
                assertEquals(scores.get(l.get("label").asText()), l.get("score").floatValue(), 1e-5);
                if (k > 0) {
                    assertTrue(labels.get(k - 1).get("score").floatValue()
                            >= l.get("score").floatValue());
                }
            }
        }
        JsonNode single =
                f.post("/predict", body(Map.of("inputs", texts.get(1)))).json();
        assertEquals(batch.get(1), single, "a single input is one list of labels");
        var named = f.post("/predict", body(Map.of("inputs", "x", "task", "slots")));
        assertEquals(422, named.status());
        assertTrue(named.error().contains("[intent]"), named.body());
        var pair = f.post("/predict", body(Map.of("inputs", List.of("a", "b"))));
        assertEquals(422, pair.status());
        assertTrue(pair.error().contains("sentence pairs are not supported"), pair.body());
    }

    @Test
    void tokenizeGivesTeisTokenObjects() throws Exception {
        JsonNode r = f.post("/tokenize", body(Map.of("inputs", "play music"))).json();
        JsonNode tokens = r.get(0);
        Encoding e = direct.backbone().tokenizer().encode("play music");
        assertEquals(e.getIds().length, tokens.size());
        assertEquals("[CLS]", tokens.get(0).get("text").asText());
        assertTrue(tokens.get(0).get("special").asBoolean());
        assertTrue(tokens.get(0).get("start").isNull());
        JsonNode play = tokens.get(1);
        assertEquals(e.getIds()[1], play.get("id").asLong());
        assertEquals("play", play.get("text").asText());
        assertFalse(play.get("special").asBoolean());
        assertEquals(0, play.get("start").asInt());
        assertEquals(4, play.get("stop").asInt());
        assertEquals(5, tokens.get(2).get("start").asInt());
        JsonNode plain = f.post("/tokenize", body(Map.of("inputs", List.of("play music"), "add_special_tokens", false)))
                .json()
                .get(0);
        assertEquals(2, plain.size());
        assertEquals("play", plain.get(0).get("text").asText());
    }

    @Test
    void infoHasTeisFields() throws Exception {
        JsonNode info = f.get("/info").json();
        assertEquals(direct.backbone().name(), info.get("model_id").asText());
        assertEquals(64, info.get("max_input_length").asInt());
        assertEquals(
                ServeSettings.DEFAULT_MAX_BATCH_TOKENS,
                info.get("max_batch_tokens").asInt());
        assertEquals(3, info.get("max_client_batch_size").asInt());
        assertTrue(info.get("model_type").has("embedding"));
    }

    /** Every route served is documented, and every documented route is served. */
    @Test
    void openApiDocumentsExactlyTheServedRoutes() throws Exception {
        var r = f.get("/openapi.json");
        assertEquals(200, r.status());
        ObjectNode doc = (ObjectNode) r.json();
        assertTrue(doc.get("openapi").asText().startsWith("3."));
        Set<String> documented = new HashSet<>(OpenApi.operations(doc));
        Set<String> served = f.server.servedRoutes();
        assertTrue(served.size() >= 15, served.toString());
        Set<String> undocumented = new HashSet<>(served);
        undocumented.removeAll(documented);
        Set<String> unserved = new HashSet<>(documented);
        unserved.removeAll(served);
        assertEquals(Set.of(), undocumented, "served but not documented");
        assertEquals(Set.of(), unserved, "documented but not served");
        for (String op : documented) {
            String[] mp = op.split(" ");
            JsonNode o = doc.get("paths").get(mp[1]).get(mp[0].toLowerCase());
            assertTrue(o.get("responses").has("200"), op);
            if (mp[0].equals("POST")) {
                assertTrue(o.has("requestBody"), op);
            }
        }
    }
}
