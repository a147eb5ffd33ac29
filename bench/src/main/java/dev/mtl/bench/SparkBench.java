package dev.mtl.bench;

import dev.mtl.MultiTaskModel;
import dev.mtl.spark.MtlSparkJob;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mtl bench spark}: throughput of {@link MtlSparkJob} (text in, Parquet out, embeddings of the
 * embedded all-MiniLM-L6-v2) on local[N] against single-process {@link MultiTaskModel#embed} on the
 * same corpus, in the same JVM and run, passes interleaved so both see the same machine load. One
 * untimed warm-up pass of each (model load, JIT), then the median of {@code --passes} timed passes.
 * The Spark time includes reading, the row index, prediction and writing Parquet; not the session
 * start.
 *
 * <p>Runs on the spark module's class path, not the bench module's (Spark pins its own Jackson): it
 * may use Spark, mtl-core, mtl-spark, picocli and the bench classes that need nothing else ({@link
 * Stats}, {@link BenchRunner}).
 */
@Command(name = "mtl bench spark", mixinStandardHelpOptions = true, description = SparkBench.DESCRIPTION)
public final class SparkBench implements Callable<Integer> {

    /** Also shown by {@code mtl bench}'s list, which cannot load this class. */
    static final String DESCRIPTION =
            "Spark job (text in, Parquet out) on local[N] vs a single process on the same texts.";

    @Option(
            names = "--corpus",
            defaultValue = "data/snips/train/seq.in",
            description = "Text file, one text per line (default: ${DEFAULT-VALUE}).")
    Path corpus;

    @Option(
            names = "--limit",
            defaultValue = "0",
            description = "Texts taken from the start of the corpus (default: 0, all of them).")
    int limit;

    @Option(
            names = "--passes",
            defaultValue = "3",
            description = "Timed passes of each, after one warm-up pass (default: ${DEFAULT-VALUE}).")
    int passes;

    @Option(
            names = "--master",
            defaultValue = "local[2]",
            description = "Spark master; local[N] gets one partition per task slot (default: ${DEFAULT-VALUE}).")
    String master;

    @Mixin
    VerboseOption verbose;

    public static void main(String[] args) {
        BenchRunner.exit(BenchRunner.execute(new SparkBench(), args));
    }

    @Override
    public Integer call() throws Exception {
        if (limit < 0 || passes < 1) {
            throw new IllegalArgumentException("--limit must be >= 0 and --passes >= 1");
        }
        if (!Files.isRegularFile(corpus)) {
            throw new NoSuchFileException(corpus + ": no such file (set --corpus to a file of one text per line)");
        }
        List<String> texts = Files.readAllLines(corpus, StandardCharsets.UTF_8).stream()
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .limit(limit == 0 ? Long.MAX_VALUE : limit)
                .toList();
        try (TempDir work = TempDir.create("mtl-spark-bench")) {
            return run(texts, work.path());
        }
    }

    /** Writes the corpus to {@code work}, then times both on it; the job writes its Parquet there. */
    private int run(List<String> texts, Path work) throws Exception {
        Path in = work.resolve("corpus.txt");
        Files.write(in, texts, StandardCharsets.UTF_8);

        SparkSession spark = SparkSession.builder()
                .master(master)
                .appName("mtl-bench")
                .config("spark.ui.enabled", "false")
                // Split the corpus into one partition per task slot (Spark's default is one 4 MB split).
                .config("spark.sql.files.openCostInBytes", "0")
                .config("spark.sql.files.maxPartitionBytes", String.valueOf(Files.size(in) / slots() + 1))
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        System.out.printf(
                Locale.ROOT,
                "corpus: %d texts from %s; spark %s on %s; cores %d%n",
                texts.size(),
                corpus,
                spark.version(),
                master,
                Runtime.getRuntime().availableProcessors());
        try (MultiTaskModel model = MultiTaskModel.loadDefault()) {
            // The job's executors choose their engine the same way, so both sides run on this one.
            System.out.printf(Locale.ROOT, "inference engine: %s%n", model.engineKind());
            double[] single = new double[passes];
            double[] job = new double[passes];
            for (int p = -1; p < passes; p++) {
                long t0 = System.nanoTime();
                float[][] e = model.embed(texts, model.defaultOptions(), n -> {});
                double s = (System.nanoTime() - t0) / 1e9;
                if (e.length != texts.size()) {
                    throw new IllegalStateException("embedded " + e.length + " of " + texts.size());
                }
                double j = runJob(spark, in, work.resolve("out" + p), texts.size());
                String label = p < 0 ? "warm-up" : "pass " + (p + 1);
                System.out.printf(
                        Locale.ROOT,
                        "%-8s single process %7.1f texts/s   spark job %7.1f texts/s%n",
                        label,
                        texts.size() / s,
                        texts.size() / j);
                if (p >= 0) {
                    single[p] = texts.size() / s;
                    job[p] = texts.size() / j;
                }
            }
            double ms = Stats.median(single);
            double mj = Stats.median(job);
            System.out.printf(
                    Locale.ROOT,
                    "median: single process %.1f texts/s, spark job %.1f texts/s, spark/single %.1f%%%n",
                    ms,
                    mj,
                    100 * mj / ms);
        } finally {
            spark.stop();
        }
        return 0;
    }

    /** One run of the job on {@code in}, writing to {@code out}; returns its seconds. */
    private static double runJob(SparkSession spark, Path in, Path out, int rows) {
        long t0 = System.nanoTime();
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        int rc = MtlSparkJob.run(
                new String[] {"--input", in.toString(), "--output", out.toString(), "--tasks", "embedding"},
                spark,
                new PrintWriter(stdout, true),
                new PrintWriter(stderr, true));
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (rc != 0 || !stdout.toString().startsWith("rows: " + rows + ", ok: " + rows)) {
            throw new IllegalStateException("job failed: " + stdout + stderr);
        }
        return seconds;
    }

    /** Task slots of a local master: local[N] has N, local[*] one per core, plain local one. */
    private int slots() {
        if (master.matches("local\\[\\d+]")) {
            return Integer.parseInt(master.replaceAll("\\D", ""));
        }
        if (master.equals("local[*]")) {
            return Runtime.getRuntime().availableProcessors();
        }
        return master.equals("local") ? 1 : 2;
    }
}
