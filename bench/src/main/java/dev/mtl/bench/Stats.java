package dev.mtl.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The statistics and number formats the benchmarks share. Medians, not best-of: on a shared 2-core
 * machine the best run is luck, the median is the machine. Plain Java only, so that {@link SparkBench}
 * can use it on the spark module's class path.
 */
final class Stats {

    private Stats() {}

    static double median(double[] xs) {
        if (xs.length == 0) {
            throw new IllegalArgumentException("median of no values");
        }
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static double median(List<Double> xs) {
        return median(xs.stream().mapToDouble(Double::doubleValue).toArray());
    }

    static double min(double[] xs) {
        return Arrays.stream(xs).min().orElseThrow();
    }

    static double max(double[] xs) {
        return Arrays.stream(xs).max().orElseThrow();
    }

    static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            return Double.NaN;
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** Each value in {@code format}, space-separated: a run's values in one line, in the order measured. */
    static String join(double[] xs, String format) {
        return Arrays.stream(xs)
                .mapToObj(x -> String.format(Locale.ROOT, format, x))
                .collect(Collectors.joining(" "));
    }
}
