package dev.mtl.bench;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.DoubleAccumulator;

/**
 * What {@code mtl bench serve} measured and how it is printed: a line per round on stderr as the run
 * goes, the table on stdout at the end. Filled in by {@link ServeBench}; computes only ratios,
 * medians and percentiles.
 */
final class ServeReport {

    /** What was run, for the table's first lines. */
    record Setup(
            boolean inProcess,
            long serverPid,
            int requests,
            int texts,
            int clients,
            String path,
            boolean embedOnly,
            String encodingFormat,
            int warmupRequests) {}

    private final Setup setup;
    private final int rounds;
    private final double[] cliRates;
    private final double[] memoryRates;
    private final double[] servedRates;
    private long okTexts;
    private double servedSeconds;

    /** Each request's nanoseconds, by its index in the plan. */
    final long[] latencies;
    /** Requests without a 200 answer. */
    final AtomicInteger errors = new AtomicInteger();
    /** Largest |served - in memory| over the answers checked. */
    final DoubleAccumulator servedDiff = new DoubleAccumulator(Math::max, 0);
    /** Largest |mtl embed's output - in memory|. */
    double cliDiff;

    long rssLoadedKb;
    long rssWarmKb;
    long rssAfterKb;
    double requestsPerBatch;
    double textsPerBatch;

    ServeReport(Setup setup, int rounds) {
        this.setup = setup;
        this.rounds = rounds;
        this.cliRates = new double[rounds];
        this.memoryRates = new double[rounds];
        this.servedRates = new double[rounds];
        this.latencies = new long[setup.requests()];
    }

    int rounds() {
        return rounds;
    }

    /** Records round {@code k} (cliRate is unused unless the model embeds only) and prints its line. */
    void round(int k, double cliRate, double memoryRate, long servedTexts, double servedWall) {
        cliRates[k] = cliRate;
        memoryRates[k] = memoryRate;
        servedRates[k] = servedTexts / servedWall;
        okTexts += servedTexts;
        servedSeconds += servedWall;
        if (setup.embedOnly()) {
            System.err.printf(
                    Locale.ROOT,
                    "round %d/%d: mtl embed %.0f texts/s, in memory %.0f texts/s, served %.0f texts/s, "
                            + "ratios %.2f / %.2f%n",
                    k + 1,
                    rounds,
                    cliRate,
                    memoryRate,
                    servedRates[k],
                    servedRates[k] / cliRate,
                    servedRates[k] / memoryRate);
        } else {
            System.err.printf(
                    Locale.ROOT,
                    "round %d/%d: offline %.0f texts/s, served %.0f texts/s, ratio %.2f%n",
                    k + 1,
                    rounds,
                    memoryRate,
                    servedRates[k],
                    servedRates[k] / memoryRate);
        }
    }

    void print(PrintStream out) {
        Setup s = setup;
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        double[] cliRatios = ratios(servedRates, cliRates);
        double[] memoryRatios = ratios(servedRates, memoryRates);
        out.printf(
                Locale.ROOT,
                "server          %s%n",
                s.inProcess() ? "in this JVM, beside the clients" : "its own JVM (pid " + s.serverPid() + ")");
        out.printf(
                Locale.ROOT,
                "requests        %d (%d texts), %d clients, endpoint %s%s%n",
                s.requests(),
                s.texts(),
                s.clients(),
                s.path(),
                s.embedOnly() ? ", encoding_format " + s.encodingFormat() : "");
        out.printf(Locale.ROOT, "errors          %d%n", errors.get());
        out.printf(
                Locale.ROOT,
                "latency         p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                percentileMs(sorted, 50),
                percentileMs(sorted, 99),
                sorted[sorted.length - 1] / 1e6);
        out.printf(
                Locale.ROOT,
                "throughput      %.0f texts/s (%.0f requests/s) over %.1f s of serving%n",
                okTexts / servedSeconds,
                s.requests() / servedSeconds,
                servedSeconds);
        if (s.embedOnly()) {
            out.printf(
                    Locale.ROOT,
                    "mtl embed       %s texts/s in the %d rounds (its code: reads the round's texts from a file, "
                            + "writes JSONL to a file; the server idle)%n",
                    Stats.join(cliRates, "%.0f"),
                    rounds);
        }
        out.printf(
                Locale.ROOT,
                "in memory       %s texts/s in the %d rounds (%s on each round's texts, no I/O, the server idle)%n",
                Stats.join(memoryRates, "%.0f"),
                rounds,
                s.embedOnly() ? "MultiTaskModel.embed" : "MultiTaskModel.predict");
        out.printf(Locale.ROOT, "served          %s texts/s in the same rounds%n", Stats.join(servedRates, "%.0f"));
        if (s.embedOnly()) {
            out.printf(
                    Locale.ROOT,
                    "served/mtl embed %s per round; median %.2f%n",
                    Stats.join(cliRatios, "%.2f"),
                    Stats.median(cliRatios));
        }
        out.printf(
                Locale.ROOT,
                "served/memory   %s per round; median %.2f%n",
                Stats.join(memoryRatios, "%.2f"),
                Stats.median(memoryRatios));
        out.printf(
                Locale.ROOT,
                "batching        %.1f requests, %.1f texts per forward pass on average%n",
                requestsPerBatch,
                textsPerBatch);
        if (s.embedOnly()) {
            out.printf(
                    Locale.ROOT,
                    "parity          max |served - in memory| = %.2e over every 10th response; "
                            + "max |mtl embed output - in memory| = %.2e%n",
                    servedDiff.get(),
                    cliDiff);
        }
        out.printf(
                Locale.ROOT,
                "server RSS      %d MB loaded, %d MB after warm-up (%d requests), %d MB after the run; "
                        + "growth over the run %+.1f%%%n",
                rssLoadedKb / 1024,
                rssWarmKb / 1024,
                s.warmupRequests(),
                rssAfterKb / 1024,
                100.0 * (rssAfterKb - rssWarmKb) / rssWarmKb);
    }

    private static double[] ratios(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = a[i] / b[i];
        }
        return r;
    }

    /** The nearest-rank percentile of sorted nanoseconds, in milliseconds. */
    private static double percentileMs(long[] sorted, double p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }
}
