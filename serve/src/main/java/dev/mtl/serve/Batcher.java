package dev.mtl.serve;

import ai.djl.huggingface.tokenizers.Encoding;
import dev.mtl.InferenceOptions;
import dev.mtl.MultiTaskModel;
import dev.mtl.Prediction;
import dev.mtl.config.Output;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dynamic batching: request threads put jobs on a bounded queue; one inference thread, the only one
 * that ever touches the model, takes the first waiting job, adds further jobs until the token budget
 * is spent or {@code maxWaitMs} has passed, runs one {@code predict} over the union of their texts
 * with the union of their tasks, and hands each job exactly its own slice with only the tasks it
 * asked for. The encoder runs once per batch whatever the tasks, so merging costs nothing extra. A
 * request over the budget is split into parts that run as batches of their own ({@link Job#split}), so
 * a request of 2,048 texts neither is refused nor holds the model for all its texts at once.
 *
 * <p>Not for: ordering guarantees between requests, or priorities; jobs run first come, first served.
 */
final class Batcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);
    /** How often an idle inference thread looks at the shutdown flag. */
    private static final long IDLE_POLL_MS = 50;

    /** Rejected because the queue is full, the server is stopping or out of service (HTTP 503). */
    static class Unavailable extends RuntimeException {
        Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    /** The queue is full: worth retrying soon (HTTP 503 with Retry-After). */
    static final class QueueFull extends Unavailable {
        QueueFull(String message) {
            super(message);
        }
    }

    /** Tokenizing or the forward pass threw for this request (HTTP 500); the message says what. */
    static final class Failed extends RuntimeException {
        Failed(Throwable cause) {
            super("prediction failed: " + describe(cause), null, false, false);
        }
    }

    /** Waited longer than the timeout (HTTP 504). */
    static final class TimedOut extends RuntimeException {
        TimedOut(String message) {
            super(message, null, false, false);
        }
    }

    /** One job's answer: a prediction per text (only the requested tasks filled) and its token count. */
    record Result(List<Prediction> predictions, int[] tokens) {}

    private final MultiTaskModel model;
    private final InferenceOptions options;
    private final Function<String, Encoding> tokenizer;
    private final int maxBatchTokens;
    private final long maxWaitNanos;
    private final long timeoutNanos;
    private final BlockingQueue<Job> queue;
    private final Metrics metrics;
    private final Thread thread;
    private volatile boolean running = true;
    /** Set once an {@link Error} escaped a batch: the server is out of service from then on. */
    private volatile String unhealthy;
    /** The batch being gathered or run; owned by the inference thread, answered if an Error escapes. */
    private List<Job> current = List.of();
    /** A job taken from the queue that did not fit the previous batch; owned by the inference thread. */
    private Job carried;
    /** The waiting parts of a request split by the token budget; owned by the inference thread. */
    private final Deque<Job> parts = new ArrayDeque<>();

    private final Object pauseLock = new Object();
    private boolean paused;
    private boolean parked;

    /**
     * @param tokenizer the model's tokenizer; called on the inference thread only (tokenizers need not be
     *     thread-safe). Each text is tokenized once: for the token budget, then for the forward pass.
     */
    Batcher(MultiTaskModel model, Function<String, Encoding> tokenizer, ServeSettings s, Metrics metrics) {
        this.model = model;
        this.options = model.defaultOptions();
        this.tokenizer = tokenizer;
        this.maxBatchTokens = s.maxBatchTokens();
        this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(s.maxWaitMs());
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(s.timeoutMs());
        this.queue = new ArrayBlockingQueue<>(s.queueCapacity());
        this.metrics = metrics;
        this.thread = new Thread(this::loop, "mtl-inference");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues texts for prediction; the future fails with {@link Unavailable} or {@link TimedOut}. */
    CompletableFuture<Result> submit(List<String> texts, Set<Output> tasks) {
        return submit(texts, null, tasks);
    }

    /**
     * As {@link #submit(List, Set)}; {@code encodings}, when not null, are the texts' tokens already (a
     * request that sent token ids), and the texts are only carried along.
     */
    CompletableFuture<Result> submit(List<String> texts, Encoding[] encodings, Set<Output> tasks) {
        if (unhealthy != null) {
            throw new Unavailable(unhealthy);
        }
        if (!running) {
            throw new Unavailable("server is shutting down");
        }
        Job job = new Job(List.copyOf(texts), encodings, Set.copyOf(tasks));
        if (!queue.offer(job)) {
            throw new QueueFull("queue full: " + queue.size() + " requests waiting (--queue "
                    + (queue.size() + queue.remainingCapacity()) + "); retry later");
        }
        // The inference thread may have failed between the check above and the offer: it no longer drains.
        if (unhealthy != null && queue.remove(job)) {
            throw new Unavailable(unhealthy);
        }
        return job.future;
    }

    /** Why the server is out of service, or null while it is healthy. */
    String unhealthy() {
        return unhealthy;
    }

    int queueDepth() {
        return queue.size();
    }

    /**
     * Test hook: the inference thread stops taking jobs until {@link #resume()}. Returns once the thread
     * is parked, so every job submitted afterwards stays in the queue.
     */
    void pause() throws InterruptedException {
        synchronized (pauseLock) {
            paused = true;
            while (!parked && thread.isAlive()) {
                pauseLock.wait(IDLE_POLL_MS);
            }
        }
    }

    void resume() {
        synchronized (pauseLock) {
            paused = false;
            pauseLock.notifyAll();
        }
    }

    private void loop() {
        while (running || carried != null || !parts.isEmpty() || !queue.isEmpty()) {
            try {
                awaitUnpaused();
                List<Job> batch = nextBatch();
                if (!batch.isEmpty()) {
                    run(batch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                // A failure in one batch must not kill the only thread that serves the model.
                LOG.error("inference thread: unexpected failure", e);
                current.forEach(j -> j.future.completeExceptionally(new Failed(e)));
            } catch (Error e) {
                // OutOfMemoryError and the like leave the model and the JVM in an unknown state: stop
                // serving and say so (/health is 503) rather than limp on.
                Unavailable out = outOfService(e);
                LOG.error("inference thread: {}; the server is out of service", describe(e), e);
                current.forEach(j -> j.future.completeExceptionally(out));
                failAll(out);
                return;
            } finally {
                current = List.of();
            }
        }
        failAll(new Unavailable("server is shutting down"));
    }

    private void awaitUnpaused() throws InterruptedException {
        synchronized (pauseLock) {
            while (paused && running) {
                parked = true;
                pauseLock.notifyAll();
                pauseLock.wait(IDLE_POLL_MS);
            }
            parked = false;
        }
    }

    private List<Job> nextBatch() throws InterruptedException {
        List<Job> batch = new ArrayList<>();
        current = batch;
        // A carried job first (it waited longest), then the next part of a split request, then the queue:
        // a request that came in meanwhile fills what budget is left or runs right after this part.
        Job first = carried != null
                ? carried
                : !parts.isEmpty() ? parts.poll() : queue.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
        carried = null;
        if (first == null || !admit(first)) {
            return batch;
        }
        if (first.tokenTotal > maxBatchTokens && first.texts.size() > 1) {
            List<Job> split = first.split(maxBatchTokens);
            first = split.get(0);
            parts.addAll(split.subList(1, split.size()));
        }
        batch.add(first);
        int tokens = first.tokenTotal;
        long deadline = System.nanoTime() + maxWaitNanos;
        while (tokens < maxBatchTokens) {
            long left = deadline - System.nanoTime();
            Job next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
            if (next == null) {
                break;
            }
            if (!admit(next)) {
                continue;
            }
            if (tokens + next.tokenTotal > maxBatchTokens) {
                carried = next;
                break;
            }
            batch.add(next);
            tokens += next.tokenTotal;
        }
        return batch;
    }

    /** Counts a job's tokens; false if it was cancelled or has waited too long (then it is answered). */
    private boolean admit(Job job) {
        if (job.abandoned()) {
            return false;
        }
        long waited = System.nanoTime() - job.enqueuedNanos;
        if (waited > timeoutNanos) {
            job.future.completeExceptionally(new TimedOut(
                    "request waited " + TimeUnit.NANOSECONDS.toMillis(waited) + " ms for the model, timeout "
                            + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms (--timeout-ms)"));
            return false;
        }
        if (!job.tokenized()) {
            try {
                job.tokenize(tokenizer);
            } catch (RuntimeException e) {
                LOG.error("tokenizing a request of {} texts failed", job.texts.size(), e);
                job.future.completeExceptionally(new Failed(e));
                return false;
            } catch (Error e) {
                job.future.completeExceptionally(outOfService(e)); // in no batch yet: answered here
                throw e;
            }
        }
        return true;
    }

    private void run(List<Job> batch) {
        List<String> texts = new ArrayList<>();
        List<Encoding> encodings = new ArrayList<>();
        Set<Output> tasks = EnumSet.noneOf(Output.class);
        for (Job j : batch) {
            texts.addAll(j.texts);
            Collections.addAll(encodings, j.encodings);
            tasks.addAll(j.tasks);
        }
        List<Prediction> all;
        try {
            all = model.predict(texts, encodings.toArray(Encoding[]::new), tasks, options, n -> {});
        } catch (RuntimeException e) {
            LOG.error("prediction failed for a batch of {} requests, {} texts", batch.size(), texts.size(), e);
            if (batch.size() == 1) {
                batch.get(0).future.completeExceptionally(new Failed(e));
            } else {
                // One bad request must not sink the others: each runs alone, and only the culprit fails.
                batch.forEach(j -> run(List.of(j)));
            }
            return;
        }
        metrics.batch(batch.size(), texts.size());
        int offset = 0;
        for (Job j : batch) {
            List<Prediction> mine = new ArrayList<>(j.texts.size());
            for (int i = 0; i < j.texts.size(); i++) {
                mine.add(only(all.get(offset + i), j.tasks));
            }
            offset += j.texts.size();
            j.future.complete(new Result(mine, j.tokens));
        }
    }

    /** The prediction with the outputs of tasks the job did not ask for removed. */
    private static Prediction only(Prediction p, Set<Output> tasks) {
        return new Prediction(
                p.text(),
                p.words(),
                tasks.contains(Output.EMBEDDING) ? p.embedding() : null,
                tasks.contains(Output.CLASSIFICATION) ? p.classification() : null,
                tasks.contains(Output.NER) ? p.ner() : null);
    }

    private Unavailable outOfService(Error e) {
        if (unhealthy == null) {
            unhealthy = "unhealthy: the inference thread failed with " + describe(e) + "; restart the server";
        }
        return new Unavailable(unhealthy);
    }

    /** Class and first line of the message, for a one-line client error. */
    static String describe(Throwable t) {
        String m = t.getMessage() == null
                ? ""
                : t.getMessage().lines().findFirst().orElse("").strip();
        if (m.length() > 200) {
            m = m.substring(0, 200) + "...";
        }
        return t.getClass().getSimpleName() + (m.isEmpty() ? "" : ": " + m);
    }

    private void failAll(RuntimeException e) {
        if (carried != null) {
            carried.future.completeExceptionally(e);
            carried = null;
        }
        while (!parts.isEmpty()) {
            parts.poll().future.completeExceptionally(e);
        }
        Job j;
        while ((j = queue.poll()) != null) {
            j.future.completeExceptionally(e);
        }
    }

    /**
     * Stops taking new jobs, lets the inference thread finish what is queued (at most {@code graceMs}),
     * then fails whatever is left. The model is not closed here: its owner closes it after this returns.
     */
    void close(long graceMs) {
        running = false;
        resume();
        try {
            thread.join(Math.max(1, graceMs));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("inference thread still busy after {} ms; interrupting it", graceMs);
            thread.interrupt();
            try {
                thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    boolean isAlive() {
        return thread.isAlive();
    }

    @Override
    public void close() {
        close(ServeSettings.DEFAULT_SHUTDOWN_GRACE_MS);
    }
}
