package dev.mtl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mtl.config.Output;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load generator of {@code mtl bench serve}: a closed loop of concurrent HTTP clients, each
 * sending its next request as soon as the last is answered. Posts to /v1/embeddings for an
 * embedding-only model, else to /v1/predict with every task the model has. Times and counts answers;
 * what the answers mean is the caller's ({@link Check}).
 */
final class ServeLoad {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    /** Failed requests printed in full per call; the rest are only counted. */
    private static final int ERRORS_SHOWN = 5;

    /** Looks at an answer with status 200 to request {@code request} of the plan. */
    interface Check {
        void accept(int request, byte[] body) throws IOException;
    }

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http;
    private final URI uri;
    private final int clients;
    private final boolean embedOnly;
    private final Set<Output> tasks;
    private final String encodingFormat;

    ServeLoad(HttpClient http, URI uri, int clients, boolean embedOnly, Set<Output> tasks, String encodingFormat) {
        this.http = http;
        this.uri = uri;
        this.clients = clients;
        this.embedOnly = embedOnly;
        this.tasks = tasks;
        this.encodingFormat = encodingFormat;
    }

    /**
     * Sends every request of the plan from {@code clients} threads; returns the texts answered with 200.
     *
     * @param check looks at each answer with status 200; null for none
     * @param latencies filled with each request's nanoseconds, by its index in the plan
     * @param errors counts the requests without a 200 answer
     * @param statuses counts answers by HTTP status (-1: no answer)
     */
    long fire(
            List<List<String>> plan,
            Check check,
            long[] latencies,
            AtomicInteger errors,
            Map<Integer, Integer> statuses)
            throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicLong okTexts = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        for (int c = 0; c < clients; c++) {
            pool.execute(() -> {
                int r;
                while ((r = next.getAndIncrement()) < plan.size()) {
                    long t = System.nanoTime();
                    try {
                        HttpRequest req = HttpRequest.newBuilder(uri)
                                .header("Content-Type", "application/json")
                                .timeout(REQUEST_TIMEOUT)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body(plan.get(r))))
                                .build();
                        HttpResponse<byte[]> res = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
                        latencies[r] = System.nanoTime() - t;
                        statuses.merge(res.statusCode(), 1, Integer::sum);
                        if (res.statusCode() == 200) {
                            okTexts.addAndGet(plan.get(r).size());
                            if (check != null) {
                                check.accept(r, res.body());
                            }
                        } else if (errors.getAndIncrement() < ERRORS_SHOWN) {
                            System.err.println(
                                    "HTTP " + res.statusCode() + ": " + new String(res.body(), StandardCharsets.UTF_8));
                        }
                    } catch (IOException | InterruptedException e) {
                        latencies[r] = System.nanoTime() - t;
                        statuses.merge(-1, 1, Integer::sum);
                        if (errors.getAndIncrement() < ERRORS_SHOWN) {
                            System.err.println("request failed: " + e);
                        }
                    }
                }
            });
        }
        pool.shutdown();
        if (!pool.awaitTermination(1, TimeUnit.HOURS)) {
            throw new IllegalStateException("benchmark did not finish within an hour");
        }
        return okTexts.get();
    }

    private byte[] body(List<String> texts) throws IOException {
        ObjectNode o = json.createObjectNode();
        ArrayNode a = o.putArray(embedOnly ? "input" : "texts");
        texts.forEach(a::add);
        if (embedOnly) {
            o.put("encoding_format", encodingFormat);
        } else {
            ArrayNode t = o.putArray("tasks");
            tasks.forEach(x -> t.add(x.jsonName()));
        }
        return json.writeValueAsBytes(o);
    }

    /** The server's /metrics page as text. */
    String metrics() throws IOException, InterruptedException {
        URI metrics = uri.resolve("/metrics");
        return http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** The value of an unlabelled Prometheus sample in {@code text}; 0 if it is not there. */
    static double metric(String text, String name) {
        return text.lines()
                .filter(l -> l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
                .findFirst()
                .orElse(0);
    }

    /** An embedding from a response: a float array or OpenAI's base64 (little-endian float32). */
    static float[] vector(JsonNode e) {
        if (e.isTextual()) {
            FloatBuffer fb = ByteBuffer.wrap(Base64.getDecoder().decode(e.asText()))
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        }
        float[] out = new float[e.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = e.get(k).floatValue();
        }
        return out;
    }
}
