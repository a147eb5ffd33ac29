package dev.mtl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.MultiTaskModel;
import dev.mtl.serve.ServeSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mtl bench serve}: the server under load. Starts {@code mtl serve} in its own JVM on a free
 * port (or in this one with {@code --in-process}), then, in rounds, times the offline throughput of
 * the same model on a round's texts (for an embedding model both {@code mtl embed}'s code, file to
 * file, and one in-memory call on this thread: the ceiling) and serves the round's requests of 1–8
 * texts from concurrent HTTP clients; reports errors, latency percentiles, throughput and the
 * served/offline ratio of each round and their median, how many requests each forward pass merged,
 * and the server's resident memory before and after; finally sends the server SIGTERM with a burst of
 * requests in flight and reports how the server answered them.
 *
 * <p>The parts: {@link ServeTarget} (the server), {@link ServeLoad} (the clients), {@link OfflinePeer}
 * (the same work without a server) and {@link ServeReport} (what is printed).
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = "Benchmark mtl serve: concurrent HTTP clients vs offline throughput on the same texts.")
final class ServeBench implements Callable<Integer> {

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

    /** The request mix draws from these test splits, not the training data other benchmarks read. */
    static final String SNIPS_TEST = "snips/test/seq.in";

    static final String TREC_TEST = "trec/TREC_10.label";

    /** Texts embedded once before anything is timed: native start-up and the JIT. */
    private static final int OFFLINE_WARMUP_TEXTS = 256;

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
                "bench serve: %d requests, %d texts (%.2f per request) from %d distinct; %d clients; %d cores%n",
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
        OfflinePeer peer = new OfflinePeer(m);
        boolean embedOnly = peer.embedOnly();
        peer.inMemory(all.subList(0, Math.min(OFFLINE_WARMUP_TEXTS, all.size())));

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
        ServeTarget target = inProcess
                ? ServeTarget.InProcess.start(loadModel(), settings)
                : ServeTarget.ChildServer.start(model, settings, http);
        try (ServeTarget t = target) {
            String path = embedOnly ? "/v1/embeddings" : "/v1/predict";
            ServeLoad load =
                    new ServeLoad(http, URI.create(t.url() + path), clients, embedOnly, peer.tasks(), encodingFormat);
            int warm = Math.min(requests, warmup);
            ServeReport report = new ServeReport(
                    new ServeReport.Setup(
                            inProcess, t.pid(), requests, all.size(), clients, path, embedOnly, encodingFormat, warm),
                    Math.min(rounds, requests));
            report.rssLoadedKb = t.rssKb();
            // Warm-up: JIT, connections, the first batches (the allocator's working set); not measured.
            load.fire(plan.subList(0, warm), null, new long[warm], new AtomicInteger(), new ConcurrentHashMap<>());
            report.rssWarmKb = t.rssKb();

            runRounds(peer, load, plan, all, report);

            report.rssAfterKb = t.rssKb();
            String metrics = load.metrics();
            report.requestsPerBatch = ServeLoad.metric(metrics, "mtl_batch_requests_sum")
                    / Math.max(1, ServeLoad.metric(metrics, "mtl_batch_requests_count"));
            report.textsPerBatch = ServeLoad.metric(metrics, "mtl_batch_texts_sum")
                    / Math.max(1, ServeLoad.metric(metrics, "mtl_batch_texts_count"));
            report.print(System.out);
            if (t instanceof ServeTarget.ChildServer child) {
                sigtermUnderLoad(child, load, plan);
            }
        }
        return 0;
    }

    /**
     * The machine's speed drifts by ±10–20% over minutes, so one offline figure taken before (or
     * after) the served run is a weak peer. Instead the plan is cut into rounds, and each round
     * measures offline on its texts (the server idle), then serves the same requests: each round's
     * ratio compares two windows a few seconds apart.
     */
    private void runRounds(
            OfflinePeer peer, ServeLoad load, List<List<String>> plan, List<String> all, ServeReport report)
            throws Exception {
        boolean embedOnly = peer.embedOnly();
        int[] offsets = new int[requests + 1]; // first text of each request in `all`
        for (int r = 0; r < requests; r++) {
            offsets[r + 1] = offsets[r] + plan.get(r).size();
        }
        float[][] offline = new float[all.size()][];
        // Every 10th answer is compared with the offline vectors: the server must not change results.
        ServeLoad.Check parity = (r, body) -> {
            if (r % 10 == 0) {
                JsonNode data = json.readTree(body).get("data");
                for (int i = 0; i < data.size(); i++) {
                    float[] got = ServeLoad.vector(data.get(i).get("embedding"));
                    float[] ref = offline[offsets[r] + i];
                    for (int k = 0; k < ref.length; k++) {
                        report.servedDiff.accumulate(Math.abs(got[k] - ref[k]));
                    }
                }
            }
        };
        int rounds = report.rounds();
        for (int k = 0; k < rounds; k++) {
            int from = (int) ((long) requests * k / rounds);
            int to = (int) ((long) requests * (k + 1) / rounds);
            List<String> texts = all.subList(offsets[from], offsets[to]);
            float[][] fromCli = embedOnly ? new float[texts.size()][] : null;
            double cliRate = 0;
            if (embedOnly && k % 2 == 1) { // which offline peer runs first alternates between rounds
                cliRate = peer.timeEmbedCommand(texts, fromCli);
            }
            long t0 = System.nanoTime();
            float[][] vectors = peer.inMemory(texts);
            double memoryRate = texts.size() / ((System.nanoTime() - t0) / 1e9);
            System.arraycopy(vectors, 0, offline, offsets[from], vectors.length);
            if (embedOnly && k % 2 == 0) {
                cliRate = peer.timeEmbedCommand(texts, fromCli);
            }
            if (embedOnly) {
                report.cliDiff = Math.max(report.cliDiff, OfflinePeer.maxAbsDiff(fromCli, vectors));
            }
            long[] lat = new long[to - from];
            int base = from;
            long t1 = System.nanoTime();
            long ok = load.fire(
                    plan.subList(from, to),
                    embedOnly ? (r, body) -> parity.accept(base + r, body) : null,
                    lat,
                    report.errors,
                    new ConcurrentHashMap<>());
            double wall = (System.nanoTime() - t1) / 1e9;
            System.arraycopy(lat, 0, report.latencies, from, lat.length);
            report.round(k, cliRate, memoryRate, ok, wall);
        }
    }

    /**
     * A real SIGTERM with a burst of requests in flight: those the server has accepted should be
     * answered, those arriving after the signal refused with 503. Prints the answers by status.
     */
    private void sigtermUnderLoad(ServeTarget.ChildServer child, ServeLoad load, List<List<String>> plan)
            throws InterruptedException {
        List<List<String>> last = plan.subList(0, Math.min(requests, clients));
        Map<Integer, Integer> statuses = new ConcurrentSkipListMap<>();
        Thread burst = new Thread(() -> {
            try {
                load.fire(last, null, new long[last.size()], new AtomicInteger(), statuses);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        burst.start();
        Thread.sleep(50); // let the requests reach the server
        long tStop = System.nanoTime();
        int exit = child.terminate();
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

    private MultiTaskModel loadModel() throws IOException {
        return model.equals("default") ? MultiTaskModel.loadDefault() : MultiTaskModel.load(Path.of(model));
    }

    /** The pool requests draw from: SNIPS test utterances and TREC test questions, de-duplicated. */
    private List<String> texts() throws IOException {
        List<String> out = new ArrayList<>(Corpus.snips(data.resolve(SNIPS_TEST)));
        out.addAll(Corpus.trec(data.resolve(TREC_TEST)));
        return out.stream().distinct().toList();
    }
}
