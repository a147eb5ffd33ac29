package dev.mtl.bench;

import dev.mtl.MultiTaskModel;
import dev.mtl.spark.MtlSparkJob;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;

/**
 * Throughput of {@link MtlSparkJob} (text in, Parquet out, embeddings of the embedded all-MiniLM-L6-v2)
 * on local[N] against single-process {@link MultiTaskModel#embed} on the same corpus, in the same
 * JVM and run, passes interleaved so both see the same machine load. One untimed warm-up pass of
 * each (model load, JIT), then the median of {@code passes} timed passes. The Spark time includes
 * reading, the row index, prediction and writing Parquet; not the session start.
 *
 * <pre>{@code
 * spark/bench.sh [--corpus data/snips/train/seq.in] [--limit 3000] [--passes 3] [--master local[2]]
 * }</pre>
 * A benchmark, not a test: it prints numbers and asserts nothing.
 */
public final class SparkBench {

    private SparkBench() {}

    public static void main(String[] args) throws IOException {
        Path corpus = Path.of(arg(args, "--corpus", "data/snips/train/seq.in"));
        int limit = Integer.parseInt(arg(args, "--limit", "3000"));
        int passes = Integer.parseInt(arg(args, "--passes", "3"));
        String master = arg(args, "--master", "local[2]");
        List<String> texts = Files.readAllLines(corpus, StandardCharsets.UTF_8).stream()
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .limit(limit)
                .toList();
        Path work = Files.createTempDirectory("mtl-spark-bench");
        Path in = work.resolve("corpus.txt");
        Files.write(in, texts, StandardCharsets.UTF_8);

        int slots = master.matches("local\\[\\d+]") ? Integer.parseInt(master.replaceAll("\\D", "")) : 2;
        SparkSession spark = SparkSession.builder()
                .master(master)
                .appName("mtl-bench")
                .config("spark.ui.enabled", "false")
                // Split the corpus into one partition per task slot (Spark's default is one 4 MB split).
                .config("spark.sql.files.openCostInBytes", "0")
                .config("spark.sql.files.maxPartitionBytes", String.valueOf(Files.size(in) / slots + 1))
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        System.out.printf(
                Locale.ROOT,
                "corpus: %d texts from %s; spark %s on %s; PyTorch threads %s; cores %d%n",
                texts.size(),
                corpus,
                spark.version(),
                master,
                System.getProperty("ai.djl.pytorch.num_threads", "default"),
                Runtime.getRuntime().availableProcessors());
        try (MultiTaskModel model = MultiTaskModel.loadDefault()) {
            double[] single = new double[passes];
            double[] job = new double[passes];
            for (int p = -1; p < passes; p++) {
                long t0 = System.nanoTime();
                float[][] e = model.embed(texts, model.defaultOptions(), n -> {});
                double s = (System.nanoTime() - t0) / 1e9;
                if (e.length != texts.size()) {
                    throw new IllegalStateException("embedded " + e.length + " of " + texts.size());
                }
                t0 = System.nanoTime();
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                int rc = MtlSparkJob.run(
                        new String[] {
                            "--input",
                            in.toString(),
                            "--output",
                            work.resolve("out" + p).toString(),
                            "--tasks",
                            "embedding"
                        },
                        spark,
                        new PrintWriter(out, true),
                        new PrintWriter(err, true));
                double j = (System.nanoTime() - t0) / 1e9;
                if (rc != 0 || !out.toString().startsWith("rows: " + texts.size() + ", ok: " + texts.size())) {
                    throw new IllegalStateException("job failed: " + out + err);
                }
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
            double ms = median(single);
            double mj = median(job);
            System.out.printf(
                    Locale.ROOT,
                    "median: single process %.1f texts/s, spark job %.1f texts/s, ratio %.1f%% (bar: >= 90%%)%n",
                    ms,
                    mj,
                    100 * mj / ms);
        } finally {
            spark.stop();
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String arg(String[] args, String name, String dflt) {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        int i = a.indexOf(name);
        return i >= 0 && i + 1 < a.size() ? a.get(i + 1) : dflt;
    }
}
