package dev.mtl.serve;

import static dev.mtl.serve.ServeFixture.assertJsonClose;
import static dev.mtl.serve.ServeFixture.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mtl.MultiTaskModel;
import dev.mtl.PredictionJson;
import dev.mtl.config.Output;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dynamic batching under concurrency, queue overflow, timeouts and graceful shutdown. */
class BatchingTest {

    @TempDir
    static Path tmp;

    static Path model;

    @BeforeAll
    static void writeModel() throws Exception {
        model = ServeFixture.writeTinyModel(tmp);
    }

    /** Distinct texts from the tiny vocabulary's words, so that different texts give different outputs. */
    static List<String> distinctTexts(int n, long seed) {
        List<String> words = new ArrayList<>(List.of("the", "play", "music", "new", "york", "!", ","));
        for (char c = 'a'; c <= 'z'; c++) {
            words.add(String.valueOf(c));
        }
        Random rnd = new Random(seed);
        Set<String> out = new LinkedHashSet<>();
        while (out.size() < n) {
            int len = 1 + rnd.nextInt(12);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < len; i++) {
                sb.append(i == 0 ? "" : " ").append(words.get(rnd.nextInt(words.size())));
            }
            out.add(sb.toString());
        }
        return new ArrayList<>(out);
    }

    @Test
    void concurrentCallersEachGetTheirOwnResultsAndRequestsAreMerged() throws Exception {
        int threads = 16;
        int perThread = 20;
        List<String> texts = distinctTexts(threads * perThread * 3, 7);
        Map<String, JsonNode> expected = new HashMap<>();
        try (MultiTaskModel direct = MultiTaskModel.load(model)) {
            var preds = direct.predict(texts, EnumSet.allOf(Output.class));
            for (int i = 0; i < texts.size(); i++) {
                expected.put(texts.get(i), PredictionJson.toJson(preds.get(i)));
            }
        }
        // A generous wait so that requests from 16 threads meet in the queue even on a busy machine.
        try (ServeFixture f = ServeFixture.start(model, ServeSettings.defaults().withBatching(4096, 20, 256))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    int checked = 0;
                    for (int r = 0; r < perThread; r++) {
                        // 1-3 texts per request, each text used by exactly one request.
                        int base = (thread * perThread + r) * 3;
                        List<String> mine = texts.subList(base, base + 1 + (thread + r) % 3);
                        // Alternate task subsets so merged batches mix them.
                        List<String> tasks =
                                r % 2 == 0 ? List.of("embedding", "classification", "ner") : List.of("ner");
                        var res = f.post("/v1/predict", body(Map.of("texts", mine, "tasks", tasks)));
                        assertEquals(200, res.status(), res.body());
                        JsonNode preds = res.json().get("predictions");
                        assertEquals(mine.size(), preds.size());
                        for (int i = 0; i < mine.size(); i++) {
                            JsonNode want = expected.get(mine.get(i)).deepCopy();
                            if (tasks.size() == 1) {
                                ((com.fasterxml.jackson.databind.node.ObjectNode) want)
                                        .remove(List.of("embedding", "classification"));
                            }
                            assertJsonClose(
                                    want, preds.get(i), 1e-4, "thread " + thread + " request " + r + " text " + i);
                            checked++;
                        }
                    }
                    return checked;
                }));
            }
            int checked = 0;
            for (Future<Integer> d : done) {
                checked += d.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertTrue(checked >= threads * perThread, "checked " + checked);
            Metrics m = f.server.metrics();
            assertTrue(m.batchesMergingMoreThan(1) > 0, "some forward passes merged several requests");
            assertTrue(m.batches() < threads * perThread, "fewer passes than requests: " + m.batches());
        }
    }

    /**
     * A request over the token budget is split into batches of at most the budget (never refused, never
     * one giant batch), and its vectors are the model's, in order.
     */
    @Test
    void requestOverTheTokenBudgetIsSplitIntoBatchesWithinIt() throws Exception {
        int budget = 64;
        try (ServeFixture f = ServeFixture.start(model, ServeSettings.defaults().withBatching(budget, 1, 16));
                MultiTaskModel direct = MultiTaskModel.load(model)) {
            List<String> texts = distinctTexts(25, 7);
            int total = 0;
            int expectedParts = 0;
            int used = budget + 1;
            for (String t : texts) {
                int n = direct.backbone().tokenizer().encode(t).getIds().length;
                total += n;
                if (used + n > budget) {
                    expectedParts++;
                    used = 0;
                }
                used += n;
            }
            assertTrue(total > 3 * budget, "the request is well over the budget: " + total);
            Metrics m = f.server.metrics();
            long batches = m.batches();
            long passes = m.encoderPasses();
            var r = f.post("/v1/embeddings", body(Map.of("input", texts)));
            assertEquals(200, r.status(), r.body());
            assertEquals(expectedParts, m.batches() - batches, "one batch per budget-sized part");
            assertTrue(m.encoderPasses() - passes >= expectedParts, "at least a forward pass per part");
            float[][] ref = direct.embed(texts, direct.defaultOptions(), n -> {});
            for (int i = 0; i < texts.size(); i++) {
                assertJsonClose(
                        ServeFixture.JSON.valueToTree(ref[i]),
                        r.json().get("data").get(i).get("embedding"),
                        1e-5,
                        "data[" + i + "]");
            }
        }
    }

    @Test
    void fullQueueIs503() throws Exception {
        try (ServeFixture f = ServeFixture.start(model, ServeSettings.defaults().withBatching(4096, 1, 2))) {
            f.server.batcher().pause();
            String req = body(Map.of("texts", List.of("play the music")));
            List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                waiting.add(f.http.sendAsync(f.postRequest("/v1/predict", req), HttpResponse.BodyHandlers.ofString()));
            }
            awaitQueueDepth(f, 2);
            var r = f.post("/v1/predict", req);
            assertEquals(503, r.status());
            assertEquals("queue full: 2 requests waiting (--queue 2); retry later", r.error());
            f.server.batcher().resume();
            for (var w : waiting) {
                assertEquals(200, w.get(30, TimeUnit.SECONDS).statusCode());
            }
            assertEquals(1, f.server.metrics().requests("/v1/predict", 503));
        }
    }

    @Test
    void aRequestWaitingLongerThanTheTimeoutIs504AndTheServerRecovers() throws Exception {
        try (ServeFixture f = ServeFixture.start(model, ServeSettings.defaults().withTimeouts(300, 5000))) {
            f.server.batcher().pause();
            long t0 = System.nanoTime();
            var r = f.post("/v1/embeddings", body(Map.of("input", "play the music")));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(504, r.status());
            assertEquals("no result within 300 ms (--timeout-ms)", r.error());
            assertTrue(ms >= 300 && ms < 5000, ms + " ms");
            f.server.batcher().resume();
            assertEquals(
                    200,
                    f.post("/v1/embeddings", body(Map.of("input", "play the music")))
                            .status());
        }
    }

    @Test
    void shutdownFinishesRequestsInFlightThenRefusesConnections() throws Exception {
        ServeFixture f = ServeFixture.start(model, ServeSettings.defaults().withTimeouts(30_000, 10_000));
        f.server.batcher().pause();
        var inFlight = f.http.sendAsync(
                f.postRequest("/v1/predict", body(Map.of("texts", List.of("new york")))),
                HttpResponse.BodyHandlers.ofString());
        awaitQueueDepth(f, 1);
        var afterClose = f.postRequest("/v1/predict", body(Map.of("texts", List.of("x"))));
        CompletableFuture<Void> closing = CompletableFuture.runAsync(f::close);
        Thread.sleep(200);
        assertFalse(closing.isDone(), "close waits for the request in flight");
        f.server.batcher().resume();
        HttpResponse<String> r = inFlight.get(30, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(
                "new york",
                ServeFixture.JSON
                        .readTree(r.body())
                        .get("predictions")
                        .get(0)
                        .get("text")
                        .asText());
        closing.get(30, TimeUnit.SECONDS);
        assertFalse(f.server.batcher().isAlive(), "inference thread stopped");
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class,
                () -> f.http.sendAsync(afterClose, HttpResponse.BodyHandlers.ofString())
                        .get(10, TimeUnit.SECONDS));
        assertTrue(
                e.getCause() instanceof ConnectException || e.getCause() instanceof java.io.IOException, e.toString());
    }

    private static void awaitQueueDepth(ServeFixture f, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (f.server.batcher().queueDepth() < n) {
            assertTrue(System.nanoTime() < deadline, "queue never reached " + n);
            Thread.sleep(5);
        }
    }
}
