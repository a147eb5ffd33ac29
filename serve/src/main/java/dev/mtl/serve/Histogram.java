package dev.mtl.serve;

import java.util.Locale;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram: fixed upper bounds, a count per bucket, the total count and sum. Lock-free
 * (one {@link LongAdder} per bucket), so recording from many request threads costs next to nothing.
 */
final class Histogram {

    private final double[] bounds;
    private final LongAdder[] counts;
    private final LongAdder count = new LongAdder();
    private final DoubleAdder sum = new DoubleAdder();

    Histogram(double... bounds) {
        for (int i = 1; i < bounds.length; i++) {
            assert bounds[i] > bounds[i - 1] : "bounds must increase";
        }
        this.bounds = bounds.clone();
        this.counts = new LongAdder[bounds.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void observe(double v) {
        for (int i = 0; i < bounds.length; i++) {
            if (v <= bounds[i]) {
                counts[i].increment();
                break;
            }
        }
        count.increment();
        sum.add(v);
    }

    long count() {
        return count.sum();
    }

    /** Observations above {@code bound} (which must be one of the bucket bounds). */
    long countAbove(double bound) {
        long atOrBelow = 0;
        for (int i = 0; i < bounds.length && bounds[i] <= bound; i++) {
            atOrBelow += counts[i].sum();
        }
        return count() - atOrBelow;
    }

    /** Appends the {@code _bucket} (cumulative), {@code _sum} and {@code _count} lines. */
    void write(StringBuilder out, String name, String labels) {
        String sep = labels.isEmpty() ? "" : labels + ",";
        long cumulative = 0;
        for (int i = 0; i < bounds.length; i++) {
            cumulative += counts[i].sum();
            out.append(name)
                    .append("_bucket{")
                    .append(sep)
                    .append("le=\"")
                    .append(Metrics.number(bounds[i]))
                    .append("\"} ")
                    .append(cumulative)
                    .append('\n');
        }
        // Read the total once so +Inf and _count agree even while requests are being recorded.
        long total = Math.max(count(), cumulative);
        out.append(name)
                .append("_bucket{")
                .append(sep)
                .append("le=\"+Inf\"} ")
                .append(total)
                .append('\n');
        String braces = labels.isEmpty() ? "" : "{" + labels + "}";
        out.append(name)
                .append("_sum")
                .append(braces)
                .append(' ')
                .append(String.format(Locale.ROOT, "%.6f", sum.sum()))
                .append('\n');
        out.append(name)
                .append("_count")
                .append(braces)
                .append(' ')
                .append(total)
                .append('\n');
    }
}
