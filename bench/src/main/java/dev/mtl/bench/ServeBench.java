package dev.mtl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mtl.Engines;
import dev.mtl.MultiTaskModel;
import dev.mtl.SentenceEncoder;
import dev.mtl.cli.EmbedCommand;
import dev.mtl.cli.Main;
import dev.mtl.cli.Outputs;
import dev.mtl.cli.TextLines;
import dev.mtl.config.Output;
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
import java.util.Map;
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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mtl serve-bench}: the server under load. Starts {@code mtl serve} in its own JVM on a free
 * port (or in this one with {@code --in-process}), then, in rounds, times the offline throughput of
 * the same model on a round's texts (for an embedding model both {@code mtl embed}'s code, file to
 * file, and one in-memory call on this thread: the ceiling) and serves the round's
 * requests of 1–8 texts from concurrent HTTP clients; reports errors, latency percentiles, throughput
 * and the served/offline ratio of each round and their median, how many requests each forward pass
 * merged, and the server's resident memory before and after; finally sends the server SIGTERM with a
 * burst of requests in flight and reports how many of them failed. A benchmark, not a test: it prints
 * numbers.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = "Benchmark mtl serve: concurrent HTTP clients vs offline throughput on the same texts.")
final class ServeBench implements java.util.concurrent.Callable<Integer> {

    @Option(
            names = "--model",
            defaultValue = "default",
            description = "Model directory, or 'default' for the embedded model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(
            names = "--clients",
            defaultValue = "32",
            description = "Concurrent HTTP clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(
            names = "--requests",
            defaultValue = "10000",
            description = "Requests in the measured run (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(
            names = "--max-texts",
            defaultValue = "8",
            description = "Texts per request: uniform in 1..N (default: ${DEFAULT-VALUE}).")
    int maxTexts;

    @Option(
            names = "--data",
            defaultValue = "data",
            description = "Directory with snips/test/seq.in and trec/TREC_10.label (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(
            names = "--max-batch-tokens",
            defaultValue = "" + ServeSettings.DEFAULT_MAX_BATCH_TOKENS,
            description = "As for mtl serve.")
    int maxBatchTokens;

    @Option(
            names = "--max-wait-ms",
            defaultValue = "" + ServeSettings.DEFAULT_MAX_WAIT_MS,
            description = "As for mtl serve.")
    int maxWaitMs;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Seed for the request mix (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--warmup",
            defaultValue = "1000",
            description =
                    "Requests sent before the measured run, not measured: the server JVM's JIT compiles its hot paths (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(
            names = "--encoding-format",
            defaultValue = "float",
            description = "encoding_format of /v1/embeddings requests: float or base64 (default: ${DEFAULT-VALUE}).")
    String encodingFormat;

    @Option(
            names = "--rounds",
            defaultValue = "5",
            description =
                    "Rounds, each timing offline and then served throughput on its share of the requests (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(
            names = "--in-process",
            description = "Run the server in this JVM, beside the clients (default: its own JVM, as in production).")
    boolean inProcess;

    @Mixin
    VerboseOption verbose;

    private final ObjectMapper json = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        if (clients < 1 || requests < 1 || maxTexts < 1 || rounds < 1) {
            throw new IllegalArgumentException("--clients, --requests, --max-texts and --rounds must be >= 1");
        }
        if (!encodingFormat.equals("float") && !encodingFormat.equals("base64")) {
            throw new IllegalArgumentException(
                    "--encoding-format must be float or base64, got '" + encodingFormat + "'");
        }
        List<String> pool = texts();
        Random rnd = new Random(seed);
        List<List<String>> plan = new ArrayList<>(requests);
        for (int r = 0; r < requests; r++) {
            int n = 1 + rnd.nextInt(maxTexts);
            plan.add(IntStream.range(0, n)
                    .mapToObj(i -> pool.get(rnd.nextInt(pool.size())))
                    .toList());
        }
        List<String> all = plan.stream().flatMap(List::stream).toList();
        System.err.printf(
                Locale.ROOT,
                "serve-bench: %d requests, %d texts (%.2f per request) from %d distinct; %d clients; %d cores%n",
                requests,
                all.size(),
                all.size() / (double) requests,
                pool.size(),
                clients,
                Runtime.getRuntime().availableProcessors());

        // The offline side's model stays in this JVM for the whole run: offline and served windows alternate.
        try (MultiTaskModel m = loadModel()) {
            return measure(m, plan, all);
        }
    }

    private int measure(MultiTaskModel m, List<List<String>> plan, List<String> all) throws Exception {
        Set<Output> tasks = m.availableOutputs();
        boolean embedOnly = tasks.equals(Set.of(Output.EMBEDDING));
        Engines.inferenceMode();
        runOffline(m, all.subList(0, Math.min(256, all.size())), embedOnly, tasks); // warm-up
        int[] offsets = new int[requests + 1]; // first text of each request in `all`
        for (int r = 0; r < requests; r++) {
            offsets[r + 1] = offsets[r] + plan.get(r).size();
        }
        float[][] offline = new float[all.size()][];

        ServeSettings settings = ServeSettings.defaults()
                .withPort(0)
                .withBatching(maxBatchTokens, maxWaitMs, 4 * clients + 64)
                .withLimits(
                        Math.max(maxTexts, ServeSettings.DEFAULT_MAX_TEXTS),
                        ServeSettings.DEFAULT_MAX_TEXT_CHARS,
                        ServeSettings.DEFAULT_MAX_BODY_BYTES);
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        Target target = inProcess
                ? new InProcess(Server.start(loadModel(), settings))
                : ChildServer.start(model, settings, http);
        try (Target t = target) {
            long rssLoaded = t.rssKb();
            String path = embedOnly ? "/v1/embeddings" : "/v1/predict";
            URI uri = URI.create(t.url() + path);
            // Warm-up: JIT, connections, the first batches (the allocator's working set); not measured.
            fire(
                    http,
                    uri,
                    plan.subList(0, Math.min(requests, warmup)),
                    embedOnly,
                    tasks,
                    null,
                    new long[requests],
                    new AtomicInteger());
            long rssBefore = t.rssKb();

            long[] latencies = new long[requests];
            AtomicInteger errors = new AtomicInteger();
            DoubleAccumulator maxDiff = new DoubleAccumulator(Math::max, 0);
            Check parity = embedOnly
                    ? (r, body) -> {
                        // Every 10th answer: compare with the offline vectors (the server must not change results).
                        if (r % 10 == 0) {
                            JsonNode data = json.readTree(body).get("data");
                            for (int i = 0; i < data.size(); i++) {
                                float[] got = vector(data.get(i).get("embedding"));
                                float[] ref = offline[offsets[r] + i];
                                for (int k = 0; k < ref.length; k++) {
                                    maxDiff.accumulate(Math.abs(got[k] - ref[k]));
                                }
                            }
                        }
                    }
                    : null;
            // The machine's speed drifts by ±10–20% over minutes, so one offline figure taken before (or
            // after) the served run is a weak peer. Instead the plan is cut into rounds, and each round
            // measures offline on its texts (the server idle), then serves the same requests: each
            // round's ratio compares two windows a few seconds apart.
            int rounds = Math.min(this.rounds, requests);
            double[] offlineRates = new double[rounds];
            double[] servedRates = new double[rounds];
            double[] ratios = new double[rounds];
            // The peer is `mtl embed`, which also reads its input and writes JSON; the in-memory
            // call above is the stricter peer (no I/O at all). Both are timed for an embedding model.
            double[] cliRates = new double[rounds];
            double[] cliRatios = new double[rounds];
            double cliDiff = 0;
            SentenceEncoder enc = new SentenceEncoder(m, m.defaultOptions());
            long okTexts = 0;
            double servedWall = 0;
            for (int k = 0; k < rounds; k++) {
                int from = (int) ((long) requests * k / rounds);
                int to = (int) ((long) requests * (k + 1) / rounds);
                List<String> texts = all.subList(offsets[from], offsets[to]);
                float[][] fromCli = embedOnly ? new float[texts.size()][] : null;
                if (embedOnly && k % 2 == 1) { // which peer runs first alternates between rounds
                    cliRates[k] = timeEmbedCommand(enc, texts, fromCli);
                }
                long t0 = System.nanoTime();
                float[][] vectors = runOffline(m, texts, embedOnly, tasks);
                offlineRates[k] = texts.size() / ((System.nanoTime() - t0) / 1e9);
                System.arraycopy(vectors, 0, offline, offsets[from], vectors.length);
                if (embedOnly && k % 2 == 0) {
                    cliRates[k] = timeEmbedCommand(enc, texts, fromCli);
                }
                if (embedOnly) {
                    cliDiff = Math.max(cliDiff, maxAbsDiff(fromCli, vectors));
                }
                long[] lat = new long[to - from];
                int base = from;
                long t1 = System.nanoTime();
                long ok = fire(
                        http,
                        uri,
                        plan.subList(from, to),
                        embedOnly,
                        tasks,
                        parity == null ? null : (r, body) -> parity.accept(base + r, body),
                        lat,
                        errors);
                double wall = (System.nanoTime() - t1) / 1e9;
                System.arraycopy(lat, 0, latencies, from, lat.length);
                servedRates[k] = ok / wall;
                ratios[k] = servedRates[k] / offlineRates[k];
                if (embedOnly) {
                    cliRatios[k] = servedRates[k] / cliRates[k];
                }
                okTexts += ok;
                servedWall += wall;
                if (embedOnly) {
                    System.err.printf(
                            Locale.ROOT,
                            "round %d/%d: mtl embed %.0f texts/s, in memory %.0f texts/s, served %.0f texts/s, "
                                    + "ratios %.2f / %.2f%n",
                            k + 1,
                            rounds,
                            cliRates[k],
                            offlineRates[k],
                            servedRates[k],
                            cliRatios[k],
                            ratios[k]);
                } else {
                    System.err.printf(
                            Locale.ROOT,
                            "round %d/%d: offline %.0f texts/s, served %.0f texts/s, ratio %.2f%n",
                            k + 1,
                            rounds,
                            offlineRates[k],
                            servedRates[k],
                            ratios[k]);
                }
            }
            long rssAfter = t.rssKb();
            String metrics = get(http, URI.create(t.url() + "/metrics"));
            double perBatch = metric(metrics, "mtl_batch_requests_sum")
                    / Math.max(1, metric(metrics, "mtl_batch_requests_count"));
            double textsPerBatch =
                    metric(metrics, "mtl_batch_texts_sum") / Math.max(1, metric(metrics, "mtl_batch_texts_count"));

            long[] sorted = latencies.clone();
            Arrays.sort(sorted);
            System.out.printf(
                    Locale.ROOT,
                    "server          %s%n",
                    inProcess ? "in this JVM, beside the clients" : "its own JVM (pid " + t.pid() + ")");
            System.out.printf(
                    Locale.ROOT,
                    "requests        %d (%d texts), %d clients, endpoint %s%s%n",
                    requests,
                    all.size(),
                    clients,
                    path,
                    embedOnly ? ", encoding_format " + encodingFormat : "");
            System.out.printf(Locale.ROOT, "errors          %d%n", errors.get());
            System.out.printf(
                    Locale.ROOT,
                    "latency         p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    pct(sorted, 50),
                    pct(sorted, 99),
                    sorted[sorted.length - 1] / 1e6);
            System.out.printf(
                    Locale.ROOT,
                    "throughput      %.0f texts/s (%.0f requests/s) over %.1f s of serving%n",
                    okTexts / servedWall,
                    requests / servedWall,
                    servedWall);
            if (embedOnly) {
                System.out.printf(
                        Locale.ROOT,
                        "mtl embed       %s texts/s in the %d rounds (its code: reads the round's texts from a file, "
                                + "writes JSONL to a file; the server idle)%n",
                        join(cliRates, "%.0f"),
                        rounds);
            }
            System.out.printf(
                    Locale.ROOT,
                    "in memory       %s texts/s in the %d rounds (%s on each round's texts, no I/O, the server idle)%n",
                    join(offlineRates, "%.0f"),
                    rounds,
                    embedOnly ? "MultiTaskModel.embed" : "MultiTaskModel.predict");
            System.out.printf(
                    Locale.ROOT, "served          %s texts/s in the same rounds%n", join(servedRates, "%.0f"));
            if (embedOnly) {
                System.out.printf(
                        Locale.ROOT,
                        "served/mtl embed %s per round; median %.2f%n",
                        join(cliRatios, "%.2f"),
                        median(cliRatios));
            }
            System.out.printf(
                    Locale.ROOT, "served/memory   %s per round; median %.2f%n", join(ratios, "%.2f"), median(ratios));
            System.out.printf(
                    Locale.ROOT,
                    "batching        %.1f requests, %.1f texts per forward pass on average%n",
                    perBatch,
                    textsPerBatch);
            if (embedOnly) {
                System.out.printf(
                        Locale.ROOT,
                        "parity          max |served - in memory| = %.2e over every 10th response; "
                                + "max |mtl embed output - in memory| = %.2e%n",
                        maxDiff.get(),
                        cliDiff);
            }
            System.out.printf(
                    Locale.ROOT,
                    "server RSS      %d MB loaded, %d MB after warm-up (%d requests), %d MB after the run; "
                            + "growth over the run %+.1f%%%n",
                    rssLoaded / 1024,
                    rssBefore / 1024,
                    Math.min(requests, warmup),
                    rssAfter / 1024,
                    100.0 * (rssAfter - rssBefore) / rssBefore);
            if (!inProcess) {
                // A real SIGTERM with a burst of requests in flight: those the server has accepted must
                // be answered; those arriving after the signal may be refused with 503, nothing else.
                List<List<String>> last = plan.subList(0, Math.min(requests, clients));
                Map<Integer, Integer> statuses = new java.util.concurrent.ConcurrentSkipListMap<>();
                Thread burst = new Thread(() -> {
                    try {
                        fire(
                                http,
                                uri,
                                last,
                                embedOnly,
                                tasks,
                                null,
                                new long[last.size()],
                                new AtomicInteger(),
                                statuses);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                burst.start();
                Thread.sleep(50); // let the requests reach the server
                long tStop = System.nanoTime();
                int exit = ((ChildServer) t).terminate();
                double exitMs = (System.nanoTime() - tStop) / 1e6;
                burst.join();
                System.out.printf(
                        Locale.ROOT,
                        "SIGTERM         sent with %d requests just sent: answers by status %s (-1: no answer); "
                                + "server exited with %d after %.0f ms%n",
                        last.size(),
                        statuses,
                        exit,
                        exitMs);
            }
        }
        return 0;
    }

    private static String join(double[] v, String format) {
        return Arrays.stream(v)
                .mapToObj(x -> String.format(Locale.ROOT, format, x))
                .collect(Collectors.joining(" "));
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private MultiTaskModel loadModel() throws IOException {
        return model.equals("default") ? MultiTaskModel.loadDefault() : MultiTaskModel.load(Path.of(model));
    }

    /** An embedding from a response: a float array or OpenAI's base64 (little-endian float32). */
    private static float[] vector(JsonNode e) {
        if (e.isTextual()) {
            java.nio.FloatBuffer fb = java.nio.ByteBuffer.wrap(
                            java.util.Base64.getDecoder().decode(e.asText()))
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN)
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

    /** The server under test: in this JVM or a child process. */
    private interface Target extends AutoCloseable {
        String url();

        long rssKb();

        long pid();

        @Override
        void close() throws Exception;
    }

    private record InProcess(Server server) implements Target {
        @Override
        public String url() {
            return server.url();
        }

        @Override
        public long rssKb() {
            return ServeBench.rssKb(ProcessHandle.current().pid());
        }

        @Override
        public long pid() {
            return ProcessHandle.current().pid();
        }

        @Override
        public void close() {
            server.close();
        }
    }

    /**
     * {@code mtl serve} in a child JVM started with this JVM's options and class path (so the same
     * threads, offline flags and memory settings), on a free port; stopped with SIGTERM.
     */
    private static final class ChildServer implements Target {
        private final Process process;
        private final String url;
        private final Path log;

        private ChildServer(Process process, String url, Path log) {
            this.process = process;
            this.url = url;
            this.log = log;
        }

        static ChildServer start(String model, ServeSettings s, HttpClient http)
                throws IOException, InterruptedException {
            int port;
            try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
                port = probe.getLocalPort();
            }
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
            cmd.addAll(List.of(
                    "-cp",
                    System.getProperty("java.class.path"),
                    Main.class.getName(),
                    "serve",
                    "--port",
                    "" + port,
                    "--max-batch-tokens",
                    "" + s.maxBatchTokens(),
                    "--max-wait-ms",
                    "" + s.maxWaitMs(),
                    "--queue",
                    "" + s.queueCapacity(),
                    "--max-texts",
                    "" + s.maxTexts()));
            if (!model.equals("default")) {
                cmd.addAll(List.of("--model", Path.of(model).toAbsolutePath().toString()));
            }
            Path log = Files.createTempFile("mtl-serve-bench-", ".log");
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            ChildServer child = new ChildServer(p, "http://127.0.0.1:" + port, log);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                if (!p.isAlive()) {
                    throw new IllegalStateException(
                            "server process exited with " + p.exitValue() + "; its log: " + log);
                }
                try {
                    if (http.send(
                                            HttpRequest.newBuilder(URI.create(child.url + "/health"))
                                                    .build(),
                                            HttpResponse.BodyHandlers.discarding())
                                    .statusCode()
                            == 200) {
                        System.err.println(
                                "serve-bench: server pid " + p.pid() + " ready on " + child.url + " (log " + log + ")");
                        return child;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                if (System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IllegalStateException("server did not answer /health within 120 s; its log: " + log);
                }
                Thread.sleep(100);
            }
        }

        @Override
        public String url() {
            return url;
        }

        @Override
        public long rssKb() {
            return ServeBench.rssKb(process.pid());
        }

        @Override
        public long pid() {
            return process.pid();
        }

        /** SIGTERM, then waits for the exit; returns the exit code. */
        int terminate() throws InterruptedException {
            process.destroy(); // SIGTERM on Linux
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("server did not exit within 60 s of SIGTERM; its log: " + log);
            }
            return process.exitValue();
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                terminate();
            }
        }
    }

    /**
     * Times {@code mtl embed}'s own code ({@link EmbedCommand#writeJsonl}) on {@code texts}: from a
     * UTF-8 file of one text per line to a JSONL file, as the command writes it. The files are made
     * and read back outside the timed part; the vectors read back go to {@code into}.
     *
     * @return texts per second
     */
    private static double timeEmbedCommand(SentenceEncoder enc, List<String> texts, float[][] into) throws IOException {
        Path in = Files.createTempFile("mtl-serve-bench-", ".txt");
        Path out = Files.createTempFile("mtl-serve-bench-", ".jsonl");
        try {
            Files.write(in, texts, StandardCharsets.UTF_8);
            long t0 = System.nanoTime();
            try (TextLines lines = new TextLines(Files.newInputStream(in), in.toString());
                    Outputs o = Outputs.open(out.toString())) {
                EmbedCommand.writeJsonl(lines, enc, o.stream(), n -> {});
                o.commit();
            }
            double rate = texts.size() / ((System.nanoTime() - t0) / 1e9);
            ObjectMapper json = new ObjectMapper();
            List<String> written = Files.readAllLines(out, StandardCharsets.UTF_8);
            if (written.size() != texts.size()) {
                throw new IllegalStateException(
                        "mtl embed wrote " + written.size() + " lines for " + texts.size() + " texts");
            }
            for (int i = 0; i < into.length; i++) {
                into[i] = vector(json.readTree(written.get(i)).get("embedding"));
            }
            return rate;
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }

    private static double maxAbsDiff(float[][] a, float[][] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            for (int h = 0; h < a[i].length; h++) {
                max = Math.max(max, Math.abs(a[i][h] - b[i][h]));
            }
        }
        return max;
    }

    private static float[][] runOffline(MultiTaskModel m, List<String> texts, boolean embedOnly, Set<Output> tasks) {
        if (embedOnly) {
            return m.embed(texts, m.defaultOptions(), n -> {});
        }
        return m.predict(texts, tasks, m.defaultOptions(), n -> {}).stream()
                .map(p -> p.embedding())
                .toArray(float[][]::new);
    }

    interface Check {
        void accept(int request, byte[] body) throws IOException;
    }

    /** Sends every request of the plan from {@code clients} threads; returns the texts answered with 200. */
    private long fire(
            HttpClient http,
            URI uri,
            List<List<String>> plan,
            boolean embedOnly,
            Set<Output> tasks,
            Check check,
            long[] latencies,
            AtomicInteger errors)
            throws InterruptedException {
        return fire(
                http,
                uri,
                plan,
                embedOnly,
                tasks,
                check,
                latencies,
                errors,
                new java.util.concurrent.ConcurrentHashMap<>());
    }

    /** As above, also counting answers by HTTP status in {@code statuses} (-1: no answer). */
    private long fire(
            HttpClient http,
            URI uri,
            List<List<String>> plan,
            boolean embedOnly,
            Set<Output> tasks,
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
                                .timeout(Duration.ofSeconds(60))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body(plan.get(r), embedOnly, tasks)))
                                .build();
                        HttpResponse<byte[]> res = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
                        latencies[r] = System.nanoTime() - t;
                        statuses.merge(res.statusCode(), 1, Integer::sum);
                        if (res.statusCode() == 200) {
                            okTexts.addAndGet(plan.get(r).size());
                            if (check != null) {
                                check.accept(r, res.body());
                            }
                        } else {
                            if (errors.getAndIncrement() < 5) {
                                System.err.println("HTTP " + res.statusCode() + ": "
                                        + new String(res.body(), StandardCharsets.UTF_8));
                            }
                        }
                    } catch (IOException | InterruptedException e) {
                        latencies[r] = System.nanoTime() - t;
                        statuses.merge(-1, 1, Integer::sum);
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

    private byte[] body(List<String> texts, boolean embedOnly, Set<Output> tasks) throws IOException {
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

    private static String get(HttpClient http, URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static double metric(String text, String name) {
        return text.lines()
                .filter(l -> l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
                .findFirst()
                .orElse(0);
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
        return out.stream()
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .distinct()
                .collect(Collectors.toList());
    }

    /** Resident set size of a process from /proc/PID/status, in kB (0 where there is no /proc). */
    private static long rssKb(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
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
