package dev.mtl.serve;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The server's counters in Prometheus' text exposition format (version 0.0.4), written by hand: six
 * metric families do not justify a client library and its registry. Endpoint labels come from a
 * fixed set (unknown paths count as {@code other}), so a scanner cannot blow up the series count.
 */
final class Metrics {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** Request latency in seconds: from 1 ms (a health check) to 30 s (the default timeout). */
    private static final double[] LATENCY_BOUNDS = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30
    };
    /** Requests or texts merged into one forward pass. */
    private static final double[] BATCH_BOUNDS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
    final Histogram batchRequests = new Histogram(BATCH_BOUNDS);
    final Histogram batchTexts = new Histogram(BATCH_BOUNDS);
    private final LongAdder texts = new LongAdder();
    private final IntSupplier queueDepth;
    private final LongSupplier encoderPasses;

    Metrics(IntSupplier queueDepth, LongSupplier encoderPasses) {
        this.queueDepth = queueDepth;
        this.encoderPasses = encoderPasses;
    }

    void request(String endpoint, int status, double seconds) {
        requests.computeIfAbsent(labels(endpoint, status), k -> new LongAdder()).increment();
        latency.computeIfAbsent(endpoint, k -> new Histogram(LATENCY_BOUNDS)).observe(seconds);
    }

    void batch(int requestCount, int textCount) {
        batchRequests.observe(requestCount);
        batchTexts.observe(textCount);
        texts.add(textCount);
    }

    long requests(String endpoint, int status) {
        LongAdder a = requests.get(labels(endpoint, status));
        return a == null ? 0 : a.sum();
    }

    private static String labels(String endpoint, int status) {
        return "endpoint=\"" + endpoint + "\",status=\"" + status + "\"";
    }

    String render() {
        StringBuilder out = new StringBuilder(4096);
        out.append("# HELP mtl_http_requests_total HTTP requests by endpoint and status code.\n");
        out.append("# TYPE mtl_http_requests_total counter\n");
        new TreeMap<>(requests)
                .forEach((labels, n) -> out.append("mtl_http_requests_total{")
                        .append(labels)
                        .append("} ")
                        .append(n.sum())
                        .append('\n'));

        out.append("# HELP mtl_http_request_duration_seconds Time from request to response, by endpoint.\n");
        out.append("# TYPE mtl_http_request_duration_seconds histogram\n");
        new TreeMap<>(latency)
                .forEach((endpoint, h) ->
                        h.write(out, "mtl_http_request_duration_seconds", "endpoint=\"" + endpoint + "\""));

        out.append("# HELP mtl_batch_requests Requests merged into one forward pass.\n");
        out.append("# TYPE mtl_batch_requests histogram\n");
        batchRequests.write(out, "mtl_batch_requests", "");

        out.append("# HELP mtl_batch_texts Texts in one forward pass.\n");
        out.append("# TYPE mtl_batch_texts histogram\n");
        batchTexts.write(out, "mtl_batch_texts", "");

        out.append("# HELP mtl_texts_total Texts run through the model.\n");
        out.append("# TYPE mtl_texts_total counter\n");
        out.append("mtl_texts_total ").append(texts.sum()).append('\n');

        out.append("# HELP mtl_encoder_passes_total Forward passes of the encoder (one per length-sorted batch).\n");
        out.append("# TYPE mtl_encoder_passes_total counter\n");
        out.append("mtl_encoder_passes_total ")
                .append(encoderPasses.getAsLong())
                .append('\n');

        out.append("# HELP mtl_queue_depth Requests waiting for the inference thread.\n");
        out.append("# TYPE mtl_queue_depth gauge\n");
        out.append("mtl_queue_depth ").append(queueDepth.getAsInt()).append('\n');
        return out.toString();
    }

    /** Prometheus style numbers: {@code 1} not {@code 1.0}, {@code 0.005} not {@code 5.0E-3}. */
    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%s", java.math.BigDecimal.valueOf(v).toPlainString());
    }
}
