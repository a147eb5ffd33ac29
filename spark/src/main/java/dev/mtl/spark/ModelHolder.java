package dev.mtl.spark;

import dev.mtl.MultiTaskModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One loaded model per JVM and model path: an executor loads its model the first time a task needs
 * it and keeps it for every later task and partition (a model is hundreds of MB of native memory and
 * takes a second or more to load, so per row or per partition would dominate the run). The model is
 * never closed; it lives as long as the executor.
 *
 * <p>{@link MultiTaskModel} is not thread-safe and an executor runs several tasks at once, so calls
 * go through {@link Shared#lock}: one forward pass at a time per JVM, with PyTorch's intra-op threads
 * using the executor's cores (docs/spark.md). Not for use outside this package.
 */
final class ModelHolder {

    /** A loaded model and the lock every prediction on it holds. */
    record Shared(MultiTaskModel model, ReentrantLock lock) {}

    /** Key for the embedded default model. */
    static final String DEFAULT = "";

    private static final ConcurrentHashMap<String, Shared> MODELS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ModelHolder() {}

    /** The model at {@code path} ({@link #DEFAULT} for the embedded one), loaded on first use. */
    static Shared get(String path) {
        return MODELS.computeIfAbsent(path, ModelHolder::load);
    }

    /** How many models this JVM has loaded (a test checks it is one per path, not one per partition). */
    static int loads() {
        return LOADS.get();
    }

    private static Shared load(String path) {
        try {
            MultiTaskModel m = path.equals(DEFAULT) ? MultiTaskModel.loadDefault() : MultiTaskModel.load(Path.of(path));
            LOADS.incrementAndGet();
            return new Shared(m, new ReentrantLock());
        } catch (IOException e) {
            // The loader's message names the file and what is wrong; the exception class adds nothing.
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }
}
