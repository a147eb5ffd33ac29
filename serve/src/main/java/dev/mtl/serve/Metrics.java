package dev.mtl.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBucket;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The server's metrics through the Prometheus Java client: request counts and latencies by endpoint,
 * batch sizes, texts and encoder passes, queue depth, and the client's JVM and process collectors
 * (heap, GC, threads, {@code process_resident_memory_bytes}, CPU). One registry per server, so several
 * servers in one JVM (the tests) do not share counts. Endpoint labels are the registered route paths
 * or {@code other}, so a scanner cannot blow up the series count.
 */
final class Metrics {

    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    /** Request latency in seconds: from 1 ms (a health check) to 30 s (the default timeout). */
    private static final double[] LATENCY_BOUNDS = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30
    };
    /** Requests or texts merged into one forward pass. */
    private static final double[] BATCH_BOUNDS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests;
    private final Histogram latency;
    private final Histogram batchRequests;
    private final Histogram batchTexts;
    private final Counter texts;
    private final LongSupplier encoderPasses;

    Metrics(IntSupplier queueDepth, LongSupplier encoderPasses) {
        this.encoderPasses = encoderPasses;
        requests = Counter.builder()
                .name("mtl_http_requests")
                .help("HTTP requests by endpoint and status code.")
                .labelNames("endpoint", "status")
                .withoutExemplars()
                .register(registry);
        latency = Histogram.builder()
                .name("mtl_http_request_duration_seconds")
                .help("Time from request to response, by endpoint.")
                .labelNames("endpoint")
                .classicOnly()
                .classicUpperBounds(LATENCY_BOUNDS)
                .withoutExemplars()
                .register(registry);
        batchRequests = Histogram.builder()
                .name("mtl_batch_requests")
                .help("Requests (or parts of a split request) merged into one batch.")
                .classicOnly()
                .classicUpperBounds(BATCH_BOUNDS)
                .withoutExemplars()
                .register(registry);
        batchTexts = Histogram.builder()
                .name("mtl_batch_texts")
                .help("Texts in one batch.")
                .classicOnly()
                .classicUpperBounds(BATCH_BOUNDS)
                .withoutExemplars()
                .register(registry);
        texts = Counter.builder()
                .name("mtl_texts")
                .help("Texts run through the model.")
                .withoutExemplars()
                .register(registry);
        CounterWithCallback.builder()
                .name("mtl_encoder_passes")
                .help("Forward passes of the encoder (one per length-sorted batch).")
                .callback(cb -> cb.call(encoderPasses.getAsLong()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("mtl_queue_depth")
                .help("Requests waiting for the inference thread.")
                .callback(cb -> cb.call(queueDepth.getAsInt()))
                .register(registry);
        JvmMetrics.builder().register(registry);
    }

    void request(String endpoint, int status, double seconds) {
        requests.labelValues(endpoint, Integer.toString(status)).inc();
        latency.labelValues(endpoint).observe(seconds);
    }

    void batch(int requestCount, int textCount) {
        batchRequests.observe(requestCount);
        batchTexts.observe(textCount);
        texts.inc(textCount);
    }

    long requests(String endpoint, int status) {
        return (long) requests.labelValues(endpoint, Integer.toString(status)).get();
    }

    long encoderPasses() {
        return encoderPasses.getAsLong();
    }

    /** Batches run so far. */
    long batches() {
        return batchRequests.collect().getDataPoints().get(0).getCount();
    }

    /** Batches that merged more than {@code n} requests ({@code n} must be a bucket bound). */
    long batchesMergingMoreThan(double n) {
        HistogramSnapshot.HistogramDataPointSnapshot d =
                batchRequests.collect().getDataPoints().get(0);
        long atOrBelow = 0;
        for (ClassicHistogramBucket b : d.getClassicBuckets()) {
            if (b.getUpperBound() <= n) {
                atOrBelow += b.getCount();
            }
        }
        return d.getCount() - atOrBelow;
    }

    /** Every family in Prometheus' text format (version 0.0.4). */
    byte[] render() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16384);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }
}
