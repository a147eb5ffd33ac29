package dev.mtl.serve;

import ai.djl.huggingface.tokenizers.Encoding;
import dev.mtl.config.Output;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What every route that needs the model calls: queue the texts on the {@link Batcher}, wait for their
 * result, and turn the batcher's failures into statuses (queue full or stopping 503, too slow 504, a
 * failed prediction 500).
 */
final class Runner {

    /** What a client told "queue full" should wait: about one batch's time on a small machine. */
    private static final int RETRY_AFTER_SECONDS = 1;

    private final Batcher batcher;
    private final int timeoutMs;

    Runner(Batcher batcher, int timeoutMs) {
        this.batcher = batcher;
        this.timeoutMs = timeoutMs;
    }

    Batcher.Result run(List<String> texts, Set<Output> tasks) {
        return run(texts, null, tasks);
    }

    /** @param encodings the texts' tokens when the client sent ids, else null */
    Batcher.Result run(List<String> texts, Encoding[] encodings, Set<Output> tasks) {
        CompletableFuture<Batcher.Result> f;
        try {
            f = batcher.submit(texts, encodings, tasks);
        } catch (Batcher.QueueFull u) {
            throw new ApiError(503, u.getMessage(), RETRY_AFTER_SECONDS);
        } catch (Batcher.Unavailable u) {
            throw new ApiError(503, u.getMessage());
        }
        try {
            return f.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new ApiError(504, "no result within " + timeoutMs + " ms (--timeout-ms)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "server is shutting down");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Batcher.Unavailable u) {
                throw new ApiError(503, u.getMessage());
            }
            if (e.getCause() instanceof Batcher.TimedOut t) {
                throw new ApiError(504, t.getMessage());
            }
            if (e.getCause() instanceof Batcher.Failed x) {
                throw new ApiError(500, x.getMessage());
            }
            throw new IllegalStateException("prediction failed", e.getCause());
        }
    }
}
