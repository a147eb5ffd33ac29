package dev.mtl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.MultiTaskModel;
import dev.mtl.PredictionJson;
import dev.mtl.serve.ServeSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAccumulator;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mtl bench soak}: a long run of {@code mtl serve} in its own JVM in which every answer is
 * checked against the offline prediction of its own texts. Counts wrong answers and failed requests,
 * and samples the server's resident memory from /proc to report it after warm-up, at its peak and at
 * the end. A soak, not a speed test: {@code mtl bench serve} measures throughput.
 */
@Command(
        name = "soak",
        mixinStandardHelpOptions = true,
        description = "Soak mtl serve: N requests from concurrent clients, every answer checked against offline"
                + " predictions of its texts; wrong answers, errors and resident memory over the run.")
final class ServeSoak implements Callable<Integer> {

    @Option(
            names = "--model",
            defaultValue = "default",
            description = "Model directory, or 'default' for the embedded model (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(
            names = "--requests",
            defaultValue = "100000",
            description = "Requests after the warm-up, each answer checked (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(
            names = "--clients",
            defaultValue = "16",
            description = "Concurrent HTTP clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(
            names = "--max-texts",
            defaultValue = "4",
            description = "Texts per request: uniform in 1..N (default: ${DEFAULT-VALUE}).")
    int maxTexts;

    @Option(
            names = "--warmup",
            defaultValue = "1000",
            description = "Requests before the checked run: JIT and allocator working set (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(
            names = "--tolerance",
            defaultValue = "1e-5",
            description =
                    "Largest |served - offline| of any number that still counts as right (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(
            names = "--data",
            defaultValue = "data",
            description = "Directory with snips/test/seq.in and trec/TREC_10.label (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--seed", defaultValue = "7", description = "Seed for the request mix (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    VerboseOption verbose;

    /** How often the server's RSS is read. */
    private static final long SAMPLE_MS = 500;

    private final ObjectMapper json = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        if (requests < 1 || clients < 1 || maxTexts < 1 || warmup < 0 || !(tolerance >= 0)) {
            throw new IllegalArgumentException(
                    "--requests, --clients and --max-texts must be >= 1, --warmup and --tolerance >= 0");
        }
        List<String> pool = new ArrayList<>(Corpus.snips(data.resolve(ServeBench.SNIPS_TEST)));
        pool.addAll(Corpus.trec(data.resolve(ServeBench.TREC_TEST)));
        pool = pool.stream().distinct().toList();
        Random rnd = new Random(seed);
        List<List<String>> plan = new ArrayList<>(warmup + requests);
        for (int r = 0; r < warmup + requests; r++) {
            List<String> p = pool;
            plan.add(IntStream.range(0, 1 + rnd.nextInt(maxTexts))
                    .mapToObj(i -> p.get(rnd.nextInt(p.size())))
                    .toList());
        }
        Map<String, JsonNode> offline = new HashMap<>();
        boolean embedOnly;
        var tasks = new java.util.HashSet<dev.mtl.config.Output>();
        long t0 = System.nanoTime();
        try (MultiTaskModel m = loadModel()) {
            OfflinePeer peer = new OfflinePeer(m);
            embedOnly = peer.embedOnly();
            tasks.addAll(peer.tasks());
            if (embedOnly) {
                float[][] v = peer.inMemory(pool);
                for (int i = 0; i < v.length; i++) {
                    offline.put(pool.get(i), json.valueToTree(v[i]));
                }
            } else {
                var preds = m.predict(pool, peer.tasks());
                for (int i = 0; i < preds.size(); i++) {
                    offline.put(pool.get(i), PredictionJson.toJson(preds.get(i)));
                }
            }
        }
        System.err.printf(
                Locale.ROOT,
                "bench soak: offline predictions of %d distinct texts in %.1f s; %d requests (+%d warm-up) of 1-%d"
                        + " texts from %d clients%n",
                pool.size(),
                (System.nanoTime() - t0) / 1e9,
                requests,
                warmup,
                maxTexts,
                clients);

        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        ServeSettings settings = ServeSettings.defaults()
                .withPort(0)
                .withBatching(
                        ServeSettings.DEFAULT_MAX_BATCH_TOKENS, ServeSettings.DEFAULT_MAX_WAIT_MS, 4 * clients + 64)
                .withLimits(
                        Math.max(maxTexts, ServeSettings.DEFAULT_MAX_TEXTS),
                        ServeSettings.DEFAULT_MAX_TEXT_CHARS,
                        ServeSettings.DEFAULT_MAX_BODY_BYTES);
        try (ServeTarget.ChildServer server = ServeTarget.ChildServer.start(model, settings, http)) {
            String path = embedOnly ? "/v1/embeddings" : "/v1/predict";
            ServeLoad load = new ServeLoad(http, URI.create(server.url() + path), clients, embedOnly, tasks, "float");
            long loaded = server.rssKb();
            load.fire(
                    plan.subList(0, warmup),
                    null,
                    new long[warmup],
                    new AtomicInteger(),
                    new ConcurrentSkipListMap<>());
            long start = server.rssKb();

            RssSampler rss = new RssSampler(server);
            rss.start();
            List<List<String>> checked = plan.subList(warmup, plan.size());
            AtomicLong wrongTexts = new AtomicLong();
            AtomicLong wrongRequests = new AtomicLong();
            AtomicLong textsChecked = new AtomicLong();
            DoubleAccumulator maxDiff = new DoubleAccumulator(Math::max, 0);
            ServeLoad.Check check = (r, body) -> {
                JsonNode res = json.readTree(body);
                JsonNode items = embedOnly ? res.get("data") : res.get("predictions");
                List<String> texts = checked.get(r);
                int wrong = items == null || items.size() != texts.size() ? texts.size() : 0;
                for (int i = 0; wrong == 0 && i < texts.size(); i++) {
                    JsonNode got = embedOnly ? items.get(i).get("embedding") : items.get(i);
                    double d = Parity.maxDiff(offline.get(texts.get(i)), got);
                    if (d < 0 || d > tolerance) {
                        wrong++;
                    }
                    maxDiff.accumulate(Math.max(d, 0));
                }
                textsChecked.addAndGet(texts.size());
                if (wrong > 0) {
                    wrongTexts.addAndGet(wrong);
                    if (wrongRequests.getAndIncrement() < 5) {
                        System.err.println("wrong answer to request " + r + " " + texts + ": " + res);
                    }
                }
            };
            Map<Integer, Integer> statuses = new ConcurrentSkipListMap<>();
            AtomicInteger errors = new AtomicInteger();
            long t1 = System.nanoTime();
            load.fire(checked, check, new long[checked.size()], errors, statuses);
            double wall = (System.nanoTime() - t1) / 1e9;
            rss.stop();
            long end = server.rssKb();

            System.out.printf(
                    Locale.ROOT,
                    "requests        %,d checked (%,d texts), %d clients, 1-%d texts each%n",
                    checked.size(),
                    textsChecked.get(),
                    clients,
                    maxTexts);
            System.out.printf(
                    Locale.ROOT,
                    "wall            %.0f s (%.1f requests/s, %.1f texts/s)%n",
                    wall,
                    checked.size() / wall,
                    textsChecked.get() / wall);
            System.out.printf(Locale.ROOT, "answers         by status %s (-1: no answer)%n", statuses);
            System.out.printf(
                    Locale.ROOT,
                    "wrong answers   %d requests, %d texts (tolerance %.0e; largest difference %.2e)%n",
                    wrongRequests.get(),
                    wrongTexts.get(),
                    tolerance,
                    maxDiff.get());
            System.out.printf(
                    Locale.ROOT,
                    "RSS             loaded %,d kB; after warm-up %,d kB; peak %,d kB; end %,d kB%n",
                    loaded,
                    start,
                    Math.max(rss.peakKb(), end),
                    end);
            System.out.printf(
                    Locale.ROOT,
                    "RSS growth      %+.1f%% from after warm-up to the end (peak %+.1f%%)%n",
                    100.0 * (end - start) / start,
                    100.0 * (Math.max(rss.peakKb(), end) - start) / start);
            return wrongRequests.get() == 0 && errors.get() == 0 ? 0 : 1;
        }
    }

    private MultiTaskModel loadModel() throws IOException {
        return model.equals("default") ? MultiTaskModel.loadDefault() : MultiTaskModel.load(Path.of(model));
    }

    /** Reads the server's RSS every {@link #SAMPLE_MS} on a daemon thread and keeps the largest. */
    private static final class RssSampler {
        private final ServeTarget target;
        private final Thread thread;
        private volatile boolean running = true;
        private volatile long peak;

        RssSampler(ServeTarget target) {
            this.target = target;
            this.thread = new Thread(this::loop, "rss-sampler");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void loop() {
            while (running) {
                peak = Math.max(peak, target.rssKb());
                try {
                    Thread.sleep(SAMPLE_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void stop() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join();
        }

        long peakKb() {
            return peak;
        }
    }
}
