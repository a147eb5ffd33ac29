package dev.mtl.serve;

import static dev.mtl.serve.ServeFixture.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failures inside the inference thread: a request whose tokenizing or forward pass throws is answered
 * at once with a 500 naming the failure, the requests batched with it are still served, and an
 * {@link Error} takes the server out of service (503 everywhere, /health included) instead of being
 * swallowed.
 */
class FailureTest {

    @TempDir
    static Path tmp;

    static Path model;

    /** Far longer than any answer here may take: a request that waits for it was dropped. */
    static final int TIMEOUT_MS = 20_000;

    static final long PROMPT_MS = 10_000;

    @BeforeAll
    static void writeModel() throws Exception {
        model = ServeFixture.writeTinyModel(tmp);
    }

    /** Tokenizing "boom" throws; "poison" gets a token id past the vocabulary, so the forward pass throws. */
    static Function<String, Encoding> faulty(Function<String, Encoding> real) {
        return text -> {
            if (text.contains("boom")) {
                throw new IllegalStateException("tokenizer failed on purpose");
            }
            if (text.contains("oom")) {
                throw new OutOfMemoryError("simulated");
            }
            Encoding e = real.apply(text);
            if (text.contains("poison")) {
                e.getIds()[1] = 1_000_000; // the embedding lookup fails inside the forward pass
            }
            return e;
        };
    }

    private static ServeFixture start() throws Exception {
        return ServeFixture.start(
                model,
                ServeSettings.defaults().withBatching(4096, 50, 64).withTimeouts(TIMEOUT_MS, 5000),
                FailureTest::faulty);
    }

    /** Queues the bodies while the inference thread is paused, so that they meet in one batch. */
    private static List<HttpResponse<String>> oneBatch(ServeFixture f, List<String> bodies) throws Exception {
        f.server.batcher().pause();
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (String b : bodies) {
            sent.add(f.http.sendAsync(f.postRequest("/v1/predict", b), HttpResponse.BodyHandlers.ofString()));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (f.server.batcher().queueDepth() < bodies.size()) {
            assertTrue(System.nanoTime() < deadline, "requests never reached the queue");
            Thread.sleep(5);
        }
        long t0 = System.nanoTime();
        f.server.batcher().resume();
        List<HttpResponse<String>> out = new ArrayList<>();
        for (var s : sent) {
            out.add(s.get(TIMEOUT_MS * 2L, TimeUnit.MILLISECONDS));
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < PROMPT_MS, "answered within " + PROMPT_MS + " ms, took " + ms);
        return out;
    }

    private static String texts(String... t) {
        return body(Map.of("texts", List.of(t)));
    }

    private static String error(HttpResponse<String> r) throws Exception {
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        return ServeFixture.JSON.readTree(r.body()).get("error").asText();
    }

    @Test
    void aRequestWhoseTokenizingThrowsGets500AndItsBatchIsServed() throws Exception {
        try (ServeFixture f = start()) {
            var r = oneBatch(f, List.of(texts("play music"), texts("new", "boom york"), texts("the york")));
            assertEquals(200, r.get(0).statusCode(), r.get(0).body());
            assertEquals(500, r.get(1).statusCode(), r.get(1).body());
            assertEquals("prediction failed: IllegalStateException: tokenizer failed on purpose", error(r.get(1)));
            assertEquals(200, r.get(2).statusCode(), r.get(2).body());
            assertEquals(
                    "the york",
                    ServeFixture.JSON
                            .readTree(r.get(2).body())
                            .get("predictions")
                            .get(0)
                            .get("text")
                            .asText());
            assertEquals(200, f.get("/health").status());
        }
    }

    @Test
    void aRequestWhoseForwardPassThrowsGets500AndTheOthersInItsBatchAreServed() throws Exception {
        try (ServeFixture f = start()) {
            var r = oneBatch(f, List.of(texts("play music"), texts("poison"), texts("new york", "the")));
            assertEquals(200, r.get(0).statusCode(), r.get(0).body());
            assertEquals(500, r.get(1).statusCode(), r.get(1).body());
            String msg = error(r.get(1));
            assertTrue(msg.startsWith("prediction failed: "), msg);
            assertEquals(1, msg.lines().count(), msg);
            assertEquals(200, r.get(2).statusCode(), r.get(2).body());
            assertEquals(
                    2,
                    ServeFixture.JSON
                            .readTree(r.get(2).body())
                            .get("predictions")
                            .size());
            assertEquals(200, f.post("/v1/predict", texts("play")).status());
        }
    }

    @Test
    void anErrorTakesTheServerOutOfService() throws Exception {
        try (ServeFixture f = start()) {
            var r = oneBatch(f, List.of(texts("play music"), texts("oom")));
            for (var x : r) {
                assertEquals(503, x.statusCode(), x.body());
                assertTrue(error(x).contains("OutOfMemoryError"), x.body());
            }
            var health = f.get("/health");
            assertEquals(503, health.status());
            assertTrue(health.error().startsWith("unhealthy: "), health.body());
            var after = f.post("/v1/predict", texts("play"));
            assertEquals(503, after.status());
            assertTrue(after.error().contains("OutOfMemoryError"), after.body());
        }
    }
}
