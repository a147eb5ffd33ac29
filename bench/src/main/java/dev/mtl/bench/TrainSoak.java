package dev.mtl.bench;

import ai.djl.ndarray.NDManager;
import dev.mtl.Engines;
import dev.mtl.train.Dataset;
import dev.mtl.train.TrainConfig;
import dev.mtl.train.Trainer;
import dev.mtl.train.TrainingProgress;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mtl bench train-soak}: resident memory over a long SNIPS training run with uncertainty weighting and
 * balanced class weights (the options that once leaked a tensor per step). The launcher fixes and
 * pre-touches the Java heap, so growth after warm-up is native: tensors, allocator arenas. Prints the
 * resident set and the live NDArray count every {@code --every} steps, and the growth from step 100.
 */
@Command(
        name = "train-soak",
        mixinStandardHelpOptions = true,
        description = "Resident memory and live NDArrays over a long training run (SNIPS, every loss option).")
final class TrainSoak implements Callable<Integer> {

    /** Growth is measured from here: the first steps fault in the allocator's working set. */
    static final int FROM = 100;

    @Option(
            names = "--steps",
            defaultValue = "5000",
            description = "Optimizer steps (default: ${DEFAULT-VALUE}); at least " + 2 * FROM + ".")
    int steps;

    @Option(names = "--batch-size", defaultValue = "16", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--every",
            defaultValue = "100",
            description = "Print a row every this many steps (default: ${DEFAULT-VALUE}).")
    int every;

    @Option(
            names = "--data",
            defaultValue = "data",
            description = "The repository's data directory (default: ${DEFAULT-VALUE}).")
    Path data;

    @Mixin
    VerboseOption verbose;

    @Override
    public Integer call() throws Exception {
        if (steps < 2 * FROM || batchSize < 1 || every < 1) {
            throw new IllegalArgumentException("--steps must be >= " + 2 * FROM + ", --batch-size and --every >= 1");
        }
        try (TempDir tmp = TempDir.create("mtl-bench-train-soak")) {
            return run(tmp.path());
        }
    }

    private int run(Path tmp) throws Exception {
        // E epochs over a subset sized so that E · (batches per epoch) is about --steps.
        List<String> all = Files.readAllLines(data.resolve("snips/train/label"));
        int epochs = (int) Math.ceil((double) steps * batchSize / all.size());
        int perEpoch = steps / epochs * batchSize;
        Path train = tmp.resolve("train");
        Files.createDirectories(train);
        for (String f : List.of("seq.in", "seq.out", "label")) {
            Files.write(
                    train.resolve(f),
                    Files.readAllLines(data.resolve("snips/train").resolve(f)).subList(0, perEpoch));
        }
        Files.writeString(
                tmp.resolve("train.yaml"),
                String.join(
                        "\n",
                        "backbone: default",
                        "max_length: 64",
                        "batch_size: " + batchSize,
                        "epochs: " + epochs,
                        "tasks:",
                        "  - {name: intent, kind: classification}",
                        "  - {name: slots, kind: ner}",
                        "datasets:",
                        "  - {name: snips, format: jointbert, train: train, feeds: {intent: label, slots: tags}}",
                        "loss: {uncertainty: true, class_weights: balanced}",
                        "checkpoint: {every: 1000000}",
                        ""));
        TrainConfig cfg = TrainConfig.load(tmp.resolve("train.yaml"));
        List<Dataset> ds = Dataset.readAll(cfg);
        List<long[]> rows = new ArrayList<>(); // step, RSS bytes, live arrays, heap used
        long t0 = System.nanoTime();
        TrainingProgress sample = new TrainingProgress() {
            @Override
            public void step(long step, Map<String, Double> losses, double tokensPerSecond) {
                if (step == FROM || step % every == 0) {
                    rows.add(new long[] {step, rss(), liveArrays(), heapUsed()});
                    System.err.printf(
                            Locale.ROOT,
                            "step %d  %.0f s  RSS %.1f MB%n",
                            step,
                            (System.nanoTime() - t0) / 1e9,
                            rows.get(rows.size() - 1)[1] / 1e6);
                }
            }

            @Override
            public void finish() {
                rows.add(new long[] {-1, rss(), liveArrays(), heapUsed()});
            }
        };
        Trainer.Result r =
                new Trainer(cfg, ds, Dataset.resolveTasks(cfg, ds), tmp.resolve("run"), s -> {}).run(false, sample);
        double wall = (System.nanoTime() - t0) / 1e9;
        long[] end = rows.get(rows.size() - 1);
        end[0] = r.steps();
        long[] from = rows.stream().filter(x -> x[0] == FROM).findFirst().orElseThrow();
        Runtime rt = Runtime.getRuntime();
        System.out.printf(
                Locale.ROOT,
                "%nSNIPS joint training, all-MiniLM-L6-v2, batch %d, %d steps (%.0f s), uncertainty weighting,"
                        + " balanced class weights; Java heap max %d MB, committed %d MB%n",
                batchSize,
                r.steps(),
                wall,
                rt.maxMemory() >> 20,
                rt.totalMemory() >> 20);
        System.out.printf(Locale.ROOT, "  %8s %12s %14s %12s%n", "step", "RSS (MB)", "live NDArrays", "heap (MB)");
        long last = -1;
        for (long[] row : rows) {
            if (row[0] != last) {
                System.out.printf(
                        Locale.ROOT, "  %8d %12.1f %14d %12.1f%n", row[0], row[1] / 1e6, row[2], row[3] / 1e6);
            }
            last = row[0];
        }
        System.out.printf(
                Locale.ROOT,
                "  from step %d to step %d: RSS %+.1f MB (%+.2f%%), live NDArrays %+d%n",
                FROM,
                r.steps(),
                (end[1] - from[1]) / 1e6,
                100.0 * (end[1] - from[1]) / from[1],
                end[2] - from[2]);
        return 0;
    }

    /** The resident set of this process (Linux), in bytes. */
    static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            throw new IllegalStateException("/proc/self/status has no VmRSS line");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/status: " + e.getMessage(), e);
        }
    }

    /** Every NDArray alive in the engine: the system manager holds every root manager, recursively. */
    static long liveArrays() {
        try (NDManager probe = Engines.newManager()) {
            return probe.getParentManager().getManagedArrays().size();
        }
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
