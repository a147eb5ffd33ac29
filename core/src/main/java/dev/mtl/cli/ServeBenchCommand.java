package dev.mtl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mtl.Engines;
import dev.mtl.MultiTaskModel;
import dev.mtl.config.Task;
import dev.mtl.serve.ServeSettings;
import dev.mtl.serve.Server;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAccumulator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mtl serve-bench}: the server under load, in one process. Measures the offline throughput of
 * the same model on the same texts first (one thread, one big call: the ceiling), then starts the
 * server on a free port and fires requests of 1–8 texts from concurrent HTTP clients; reports errors,
 * latency percentiles, throughput and its ratio to offline, how many requests each forward pass
 * merged, and resident memory before and after. A benchmark, not a test: it prints numbers.
 */
@Command(name = "serve-bench", mixinStandardHelpOptions = true,
        description = "Benchmark mtl serve in-process: concurrent HTTP clients vs offline throughput on the same texts.")
final class ServeBenchCommand implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--model", defaultValue = "default", description = "Model directory, or 'default' for the embedded model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--clients", defaultValue = "32", description = "Concurrent HTTP clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--requests", defaultValue = "10000", description = "Requests in the measured run (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--max-texts", defaultValue = "8", description = "Texts per request: uniform in 1..N (default: ${DEFAULT-VALUE}).")
    int maxTexts;

    @Option(names = "--data", defaultValue = "data", description = "Directory with snips/test/seq.in and trec/TREC_10.label (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--max-batch-tokens", defaultValue = "" + ServeSettings.DEFAULT_MAX_BATCH_TOKENS, description = "As for mtl serve.")
    int maxBatchTokens;

    @Option(names = "--max-wait-ms", defaultValue = "" + ServeSettings.DEFAULT_MAX_WAIT_MS, description = "As for mtl serve.")
    int maxWaitMs;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for the request mix (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--verbose", description = "Show stack traces on errors.")
    boolean verbose;

    private final ObjectMapper json = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        if (clients < 1 || requests < 1 || maxTexts < 1) {
            throw new IllegalArgumentException("--clients, --requests and --max-texts must be >= 1");
        }
        List<String> pool = texts();
        Random rnd = new Random(seed);
        List<List<String>> plan = new ArrayList<>(requests);
        for (int r = 0; r < requests; r++) {
            int n = 1 + rnd.nextInt(maxTexts);
            plan.add(IntStream.range(0, n).mapToObj(i -> pool.get(rnd.nextInt(pool.size()))).toList());
        }
        List<String> all = plan.stream().flatMap(List::stream).toList();
        System.err.printf(Locale.ROOT, "serve-bench: %d requests, %d texts (%.2f per request) from %d distinct; %d clients; %d cores%n",
                requests, all.size(), all.size() / (double) requests, pool.size(), clients,
                Runtime.getRuntime().availableProcessors());

        MultiTaskModel m = model.equals("default") ? MultiTaskModel.loadDefault() : MultiTaskModel.load(Path.of(model));
        Set<Task> tasks = m.availableTasks();
        boolean embedOnly = tasks.equals(Set.of(Task.EMBEDDING));
        long rssLoaded = rssKb();

        // Offline ceiling: the same texts in one call on this thread (sorted by length inside, little padding).
        Engines.inferenceMode();
        runOffline(m, all.subList(0, Math.min(256, all.size())), embedOnly, tasks); // warm-up
        long t0 = System.nanoTime();
        float[][] offline = runOffline(m, all, embedOnly, tasks);
        double offlineSec = (System.nanoTime() - t0) / 1e9;
        double offlineRate = all.size() / offlineSec;
        System.err.printf(Locale.ROOT, "offline %s: %.1f s, %.0f texts/s%n", embedOnly ? "embed" : "predict", offlineSec, offlineRate);

        ServeSettings settings = ServeSettings.defaults().withPort(0).withBatching(maxBatchTokens, maxWaitMs, 4 * clients + 64)
                .withLimits(Math.max(maxTexts, ServeSettings.DEFAULT_MAX_TEXTS), ServeSettings.DEFAULT_MAX_TEXT_CHARS,
                        ServeSettings.DEFAULT_MAX_BODY_BYTES);
        long rssBefore = rssKb();
        try (Server server = Server.start(m, settings)) {
            String path = embedOnly ? "/v1/embeddings" : "/v1/predict";
            URI uri = URI.create(server.url() + path);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            // Warm-up: JIT, connections, the first batches; not measured.
            fire(http, uri, plan.subList(0, Math.min(requests, 4 * clients)), embedOnly, tasks, null, new long[requests],
                    new AtomicInteger());

            long[] latencies = new long[requests];
            AtomicInteger errors = new AtomicInteger();
            DoubleAccumulator maxDiff = new DoubleAccumulator(Math::max, 0);
            int[] offsets = new int[requests];
            for (int r = 1; r < requests; r++) {
                offsets[r] = offsets[r - 1] + plan.get(r - 1).size();
            }
            long start = System.nanoTime();
            long okTexts = fire(http, uri, plan, embedOnly, tasks, embedOnly ? (r, body) -> {
                // Every 10th answer: compare with the offline vectors (the server must not change results).
                if (r % 10 == 0) {
                    JsonNode data = json.readTree(body).get("data");
                    for (int i = 0; i < data.size(); i++) {
                        JsonNode v = data.get(i).get("embedding");
                        float[] ref = offline[offsets[r] + i];
                        for (int k = 0; k < ref.length; k++) {
                            maxDiff.accumulate(Math.abs(v.get(k).floatValue() - ref[k]));
                        }
                    }
                }
            } : null, latencies, errors);
            double wall = (System.nanoTime() - start) / 1e9;
            long rssAfter = rssKb();
            String metrics = get(http, URI.create(server.url() + "/metrics"));
            double perBatch = metric(metrics, "mtl_batch_requests_sum") / Math.max(1, metric(metrics, "mtl_batch_requests_count"));
            double textsPerBatch = metric(metrics, "mtl_batch_texts_sum") / Math.max(1, metric(metrics, "mtl_batch_texts_count"));

            long[] sorted = latencies.clone();
            Arrays.sort(sorted);
            double rate = okTexts / wall;
            System.out.printf(Locale.ROOT, "requests        %d (%d texts), %d clients, endpoint %s%n", requests, all.size(), clients, path);
            System.out.printf(Locale.ROOT, "errors          %d%n", errors.get());
            System.out.printf(Locale.ROOT, "latency         p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    pct(sorted, 50), pct(sorted, 99), sorted[sorted.length - 1] / 1e6);
            System.out.printf(Locale.ROOT, "throughput      %.0f texts/s (%.0f requests/s) over %.1f s%n", rate, requests / wall, wall);
            System.out.printf(Locale.ROOT, "offline         %.0f texts/s on the same texts; served/offline = %.2f%n", offlineRate, rate / offlineRate);
            System.out.printf(Locale.ROOT, "batching        %.1f requests, %.1f texts per forward pass on average%n", perBatch, textsPerBatch);
            if (embedOnly) {
                System.out.printf(Locale.ROOT, "parity          max |served - offline| = %.2e over every 10th response%n", maxDiff.get());
            }
            System.out.printf(Locale.ROOT, "RSS             %d MB after load, %d MB before serving, %d MB after; growth %+.1f%%%n",
                    rssLoaded / 1024, rssBefore / 1024, rssAfter / 1024, 100.0 * (rssAfter - rssBefore) / rssBefore);
        }
        return 0;
    }

    private static float[][] runOffline(MultiTaskModel m, List<String> texts, boolean embedOnly, Set<Task> tasks) {
        if (embedOnly) {
            return m.embed(texts, m.defaultOptions(), n -> {});
        }
        return m.predict(texts, tasks, m.defaultOptions(), n -> {}).stream().map(p -> p.embedding()).toArray(float[][]::new);
    }

    interface Check {
        void accept(int request, byte[] body) throws IOException;
    }

    /** Sends every request of the plan from {@code clients} threads; returns the texts answered with 200. */
    private long fire(HttpClient http, URI uri, List<List<String>> plan, boolean embedOnly, Set<Task> tasks, Check check,
            long[] latencies, AtomicInteger errors) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicLong okTexts = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        for (int c = 0; c < clients; c++) {
            pool.execute(() -> {
                int r;
                while ((r = next.getAndIncrement()) < plan.size()) {
                    long t = System.nanoTime();
                    try {
                        HttpRequest req = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                                .timeout(Duration.ofSeconds(60))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body(plan.get(r), embedOnly, tasks))).build();
                        HttpResponse<byte[]> res = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
                        latencies[r] = System.nanoTime() - t;
                        if (res.statusCode() == 200) {
                            okTexts.addAndGet(plan.get(r).size());
                            if (check != null) {
                                check.accept(r, res.body());
                            }
                        } else {
                            if (errors.getAndIncrement() < 5) {
                                System.err.println("HTTP " + res.statusCode() + ": " + new String(res.body(), StandardCharsets.UTF_8));
                            }
                        }
                    } catch (IOException | InterruptedException e) {
                        latencies[r] = System.nanoTime() - t;
                        if (errors.getAndIncrement() < 5) {
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

    private byte[] body(List<String> texts, boolean embedOnly, Set<Task> tasks) throws IOException {
        ObjectNode o = json.createObjectNode();
        ArrayNode a = o.putArray(embedOnly ? "input" : "texts");
        texts.forEach(a::add);
        if (!embedOnly) {
            ArrayNode t = o.putArray("tasks");
            tasks.forEach(x -> t.add(x.jsonName()));
        }
        return json.writeValueAsBytes(o);
    }

    private static String get(HttpClient http, URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static double metric(String text, String name) {
        return text.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
                .findFirst().orElse(0);
    }

    private static double pct(long[] sorted, double p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    /** SNIPS test utterances and TREC test questions (label prefix dropped), de-duplicated. */
    private List<String> texts() throws IOException {
        Path snips = data.resolve("snips/test/seq.in");
        Path trec = data.resolve("trec/TREC_10.label");
        for (Path p : List.of(snips, trec)) {
            if (!Files.isRegularFile(p)) {
                throw new NoSuchFileException(p + ": no such file (set --data to the repository's data directory)");
            }
        }
        List<String> out = new ArrayList<>(Files.readAllLines(snips, StandardCharsets.UTF_8));
        // TREC lines are "LABEL:fine question ..."; the label is the first space-separated field.
        for (String l : Files.readAllLines(trec, StandardCharsets.ISO_8859_1)) {
            int sp = l.indexOf(' ');
            out.add(sp < 0 ? l : l.substring(sp + 1));
        }
        return out.stream().map(String::strip).filter(s -> !s.isEmpty()).distinct().collect(Collectors.toList());
    }

    /** Resident set size of this process from /proc/self/status, in kB (0 where there is no /proc). */
    private static long rssKb() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: report 0
        }
        return 0;
    }
}
