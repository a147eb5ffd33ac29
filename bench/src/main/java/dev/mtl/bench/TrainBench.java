package dev.mtl.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.Engines;
import dev.mtl.SentenceEncoder;
import dev.mtl.config.BertConfig;
import dev.mtl.train.Dataset;
import dev.mtl.train.TrainConfig;
import dev.mtl.train.Trainer;
import dev.mtl.train.TrainingProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mtl bench train}: joint SNIPS training speed (tokens/s), where a step's time goes, and
 * model-FLOPs utilization of each 10-step window against an FP32 matmul peak measured inside that
 * window, and the median over windows.
 *
 * <p>FLOPs per token follow the usual count for a transformer (Kaplan et al. 2020; PaLM's MFU):
 * forward 2·(4H² + 2H·I)·L for the dense layers plus 4·T·H·L for attention scores and context,
 * training = 3 × forward (the backward costs twice the forward). Tokens are real (unpadded) tokens,
 * so padding counts as waste, as it should.
 */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description =
                "Training speed on SNIPS (joint intent + slots) and model-FLOPs utilization against a matmul peak probed in each window.")
final class TrainBench implements Callable<Integer> {

    /** Steps per metrics window. */
    private static final int WINDOW = Trainer.LOG_EVERY;
    /** Timed products per peak probe, one probe after every step (~25 ms). */
    private static final int PROBE_REPS = 5;

    @Option(
            names = "--steps",
            defaultValue = "80",
            description = "Optimizer steps to time (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch-size", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--grad-accum",
            defaultValue = "1",
            description = "Micro-batches per optimizer step (default: ${DEFAULT-VALUE}).")
    int gradAccum;

    @Option(
            names = "--lazy-embeddings",
            description = "optimizer.lazy_embeddings: update only the word-embedding rows in the batch.")
    boolean lazyEmbeddings;

    @Option(
            names = "--data",
            defaultValue = "data",
            description = "The repository's data directory (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(
            names = "--profile",
            description = "Write PyTorch's profiler trace (Chrome trace JSON) of steps 21-25 to this file.")
    Path profile;

    @Mixin
    VerboseOption verbose;

    @Override
    public Integer call() throws Exception {
        if (steps < 2 * WINDOW) {
            // The first window holds the warm-up and is not counted, so two make the least that reports.
            throw new IllegalArgumentException("--steps must be >= " + 2 * WINDOW + ", got " + steps);
        }
        if (batchSize < 1 || gradAccum < 1) {
            throw new IllegalArgumentException("--batch-size and --grad-accum must be >= 1");
        }
        try (TempDir tmp = TempDir.create("mtl-bench-train")) {
            return run(tmp.path());
        }
    }

    /** Writes the data and config to {@code tmp}, trains, and prints the table. */
    private int run(Path tmp) throws Exception {
        Path train = tmp.resolve("train");
        Files.createDirectories(train);
        int n = steps * batchSize * gradAccum;
        for (String f : List.of("seq.in", "seq.out", "label")) {
            List<String> lines = Files.readAllLines(data.resolve("snips/train").resolve(f));
            Files.write(train.resolve(f), lines.subList(0, Math.min(n, lines.size())));
        }
        Files.writeString(
                tmp.resolve("train.yaml"),
                String.join(
                        "\n",
                        "backbone: default",
                        "max_length: 64",
                        "batch_size: " + batchSize,
                        "epochs: 1",
                        "tasks:",
                        "  - {name: intent, kind: classification}",
                        "  - {name: slots, kind: ner}",
                        "datasets:",
                        "  - {name: snips, format: jointbert, train: train, feeds: {intent: label, slots: tags}}",
                        "optimizer: {grad_accum: " + gradAccum + ", lazy_embeddings: " + lazyEmbeddings + "}",
                        "checkpoint: {every: 100000}",
                        ""));
        TrainConfig cfg = TrainConfig.load(tmp.resolve("train.yaml"));
        List<Dataset> ds = Dataset.readAll(cfg);
        Path out = tmp.resolve("run");
        // The peak is measured after every step (a few products, ~25 ms), and a window's peak is the
        // median of the products timed inside it: this machine's speed drifts by tens of percent over
        // minutes and seconds, and a peak taken once before or after the training, or once per window,
        // pairs a fast moment with a slow one. The probes' own time is taken out of their window.
        int windows = (steps + WINDOW - 1) / WINDOW;
        List<List<Double>> probeRates = new ArrayList<>(); // per window: GFLOPS of each timed product
        double[] probeSeconds = new double[windows]; // per window: seconds the probes took
        for (int w = 0; w < windows; w++) {
            probeRates.add(new ArrayList<>());
        }
        TrainingProgress probe = new TrainingProgress() {
            @Override
            public void step(long step, Map<String, Double> losses, double tokensPerSecond) {
                if (profile != null && step == 20) {
                    JniUtils.startProfile(false, true, false);
                } else if (profile != null && step == 25) {
                    JniUtils.stopProfile(profile.toAbsolutePath().toString());
                }
                int window = (int) ((step - 1) / WINDOW);
                long p0 = System.nanoTime();
                for (double g : matmulRates(PROBE_REPS)) {
                    probeRates.get(window).add(g);
                }
                probeSeconds[window] += (System.nanoTime() - p0) / 1e9;
            }
        };
        long t0 = System.nanoTime();
        new Trainer(cfg, ds, Dataset.resolveTasks(cfg, ds), out, s -> {}).run(false, probe);
        double wall = (System.nanoTime() - t0) / 1e9;

        ObjectMapper json = new ObjectMapper();
        List<Double> tps = new ArrayList<>();
        List<Double> fwd = new ArrayList<>();
        List<Double> bwd = new ArrayList<>();
        List<Double> opt = new ArrayList<>();
        List<Double> peaks = new ArrayList<>();
        int window = -1;
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            JsonNode j = json.readTree(line);
            if (!j.path("type").asText().equals("train")) {
                continue;
            }
            window++;
            // The first window includes warm-up (native init, first allocations); a last short one is not a full
            // window.
            if (window == 0 || window >= probeRates.size() || j.get("step").asLong() % WINDOW != 0) {
                continue;
            }
            double seconds = WINDOW / j.get("steps_per_s").asDouble();
            double tokens = j.get("tokens_per_s").asDouble() * seconds;
            tps.add(tokens / (seconds - probeSeconds[window]));
            peaks.add(Stats.median(probeRates.get(window)));
            fwd.add(j.get("ms_forward").asDouble());
            bwd.add(j.get("ms_backward").asDouble());
            opt.add(j.get("ms_optimizer").asDouble());
        }
        BertConfig c = BertConfig.parse(
                getClass().getClassLoader().getResourceAsStream("dev/mtl/minilm/config.json"), "config");
        double meanTokens = meanTokens(ds.get(0));
        double h = c.hiddenSize();
        double fwdFlopsPerToken = 2 * (4 * h * h + 2 * h * c.intermediateSize()) * c.numHiddenLayers()
                + 4 * meanTokens * h * c.numHiddenLayers();
        double trainFlopsPerToken = 3 * fwdFlopsPerToken;
        double tokPerS = Stats.median(tps);
        double achieved = tokPerS * trainFlopsPerToken / 1e9;
        double[] peakOf = peaks.stream().mapToDouble(Double::doubleValue).toArray();
        double[] mfu = new double[tps.size()];
        for (int i = 0; i < mfu.length; i++) {
            mfu[i] = tps.get(i) * trainFlopsPerToken / 1e9 / peakOf[i];
        }
        double[] peak = {Stats.median(peakOf), Stats.max(peakOf)};
        double f = Stats.median(fwd);
        double b = Stats.median(bwd);
        double o = Stats.median(opt);
        double stepMs = f + b + o;
        System.out.printf(
                Locale.ROOT,
                "%nSNIPS joint training, all-MiniLM-L6-v2, batch %d x %d micro-batches, %d steps "
                        + "(%.0f s wall), mean %.1f tokens per sentence, %s AdamW on the word embeddings%n",
                batchSize,
                gradAccum,
                steps,
                wall,
                meanTokens,
                lazyEmbeddings ? "lazy" : "dense");
        System.out.printf(
                Locale.ROOT, "  tokens/s (median of %d windows of %d steps)  %10.0f%n", tps.size(), WINDOW, tokPerS);
        System.out.printf(
                Locale.ROOT,
                "  step: forward+loss %.1f ms (%.0f%%), backward %.1f ms (%.0f%%), AdamW %.1f ms (%.0f%%)%n",
                f,
                100 * f / stepMs,
                b,
                100 * b / stepMs,
                o,
                100 * o / stepMs);
        System.out.printf(
                Locale.ROOT,
                "  model FLOPs per token (train)                 %10.1f MFLOP%n",
                trainFlopsPerToken / 1e6);
        System.out.printf(Locale.ROOT, "  achieved                                      %10.1f GFLOPS%n", achieved);
        System.out.printf(
                Locale.ROOT,
                "  FP32 matmul peak, inside each window (median / best) %5.1f / %.1f GFLOPS%n",
                peak[0],
                peak[1]);
        System.out.printf(
                Locale.ROOT,
                "  MFU per window vs its own peak: %s%n",
                Stats.join(Arrays.stream(mfu).map(x -> 100 * x).toArray(), "%.0f%%"));
        System.out.printf(
                Locale.ROOT, "  MFU, median over windows                      %10.1f %%%n", 100 * Stats.median(mfu));
        System.out.printf(
                Locale.ROOT, "  MFU vs the best peak of the run               %10.1f %%%n", 100 * achieved / peak[1]);
        // The ceiling: the encoder's own dense products at this batch's size (M = tokens per micro-batch),
        // timed alone. No training step on these shapes can run faster than its products do.
        int m = (int) Math.round(batchSize * meanTokens);
        int hi = (int) h;
        int in = c.intermediateSize();
        double[] q = linearRate(m, hi, hi);
        double[] up = linearRate(m, hi, in);
        double[] down = linearRate(m, in, hi);
        double flopLayer = 2.0 * m * (4.0 * hi * hi + 2.0 * hi * in);
        double secLayer = 4 * 2.0 * m * hi * hi / (q[0] * 1e9)
                + 2.0 * m * hi * in / (up[0] * 1e9)
                + 2.0 * m * in * hi / (down[0] * 1e9);
        double ceiling = flopLayer / secLayer / 1e9;
        System.out.printf(
                Locale.ROOT,
                "  the layer's dense products alone, M = %d tokens: (%d,%d) %.0f, (%d,%d) %.0f, (%d,%d) %.0f GFLOPS%n",
                m,
                hi,
                hi,
                q[0],
                hi,
                in,
                up[0],
                in,
                hi,
                down[0]);
        System.out.printf(
                Locale.ROOT,
                "  ceiling from those products                   %10.1f GFLOPS = %.1f %% of the median peak%n",
                ceiling,
                100 * ceiling / peak[0]);
        return 0;
    }

    private static double meanTokens(Dataset d) {
        // Words + 2 specials is a lower bound on sub-tokens; count sub-tokens exactly with the tokenizer instead.
        try (SentenceEncoder enc = SentenceEncoder.loadDefault()) {
            long total = 0;
            for (var e : d.train()) {
                total += enc.backbone().tokenizer().encodeWords(e.tokens()).getIds().length;
            }
            return (double) total / d.train().size();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code torch.nn.functional.linear} of (M, K) by a (N, K) weight: median and best GFLOPS. */
    private static double[] linearRate(int mRows, int k, int n) {
        try (NDManager m = Engines.newManager()) {
            NDArray x = m.randomNormal(new Shape(mRows, k));
            NDArray w = m.randomNormal(new Shape(n, k));
            NDArray b = m.randomNormal(new Shape(n));
            return gflops(
                    m, 2.0 * mRows * k * n, 50, () -> Linear.linear(x, w, b).singletonOrThrow());
        }
    }

    /** (1024, 384) @ (384, 1536), timed {@code reps} times: the GFLOPS of each. */
    private static double[] matmulRates(int reps) {
        try (NDManager m = Engines.newManager()) {
            NDArray a = m.randomNormal(new Shape(1024, 384));
            NDArray w = m.randomNormal(new Shape(384, 1536));
            return rates(m, 2.0 * 1024 * 384 * 1536, 2, reps, () -> a.matMul(w));
        }
    }

    /** Median and best GFLOPS of {@code op} over {@code reps} timed runs after 5 unmeasured ones. */
    private static double[] gflops(NDManager m, double flop, int reps, Supplier<NDArray> op) {
        double[] g = rates(m, flop, 5, reps, op);
        return new double[] {Stats.median(g), Stats.max(g)};
    }

    /** Times {@code op} {@code reps} times after {@code warmup} unmeasured runs; each result is freed at once. */
    private static double[] rates(NDManager m, double flop, int warmup, int reps, Supplier<NDArray> op) {
        double[] g = new double[reps];
        for (int r = -warmup; r < reps; r++) {
            try (NDManager s = m.newSubManager()) {
                long t0 = System.nanoTime();
                NDArray y = op.get();
                long t1 = System.nanoTime();
                y.attach(s);
                if (r >= 0) {
                    g[r] = flop / (t1 - t0);
                }
            }
        }
        return g;
    }
}
