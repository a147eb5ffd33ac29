package dev.mtl;

import dev.mtl.heads.Head;
import dev.mtl.tokenize.PaddedBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What runs the model's one forward pass over a padded batch at inference: PyTorch (the model's own
 * {@link MultiTaskModel#forward}) or, from the {@code mtl-onnx} module, ONNX Runtime on the exported
 * graph. Batching, windows and decoding stay in {@link Inference}, the same for every engine; training
 * always runs on PyTorch. Shapes: B batch, T tokens, H hidden.
 */
public interface ForwardEngine extends AutoCloseable {

    EngineKind kind();

    /**
     * One forward pass.
     *
     * @param heads the heads whose outputs are wanted
     * @param pooled whether the pooled sentence vectors are wanted too
     */
    Result run(PaddedBatch batch, List<Head<?, ?>> heads, boolean pooled);

    /**
     * How many passes {@link #submit} runs at once, each on its own thread; 1 (the default) runs them one
     * after another on the caller's thread.
     */
    default int concurrency() {
        return 1;
    }

    /** Starts {@link #run}; by default runs it at once on the calling thread. */
    default CompletableFuture<Result> submit(PaddedBatch batch, List<Head<?, ?>> heads, boolean pooled) {
        return CompletableFuture.completedFuture(run(batch, heads, pooled));
    }

    @Override
    void close();

    /**
     * What a pass produced, copied to Java.
     *
     * @param outputs per head, its output row-major: (B, W) for a sentence head, (B, T, W) for a token head
     * @param pooled (B, H) row-major, or null when not asked for or no head that reads it ran
     * @param taskPooled the task tower's pooled vectors (B, H), as {@code pooled}: what the
     *     classification heads of a model with a task tower read
     */
    record Result(Map<Head<?, ?>, float[]> outputs, float[] pooled, float[] taskPooled) {
        public Result(Map<Head<?, ?>, float[]> outputs, float[] pooled) {
            this(outputs, pooled, null);
        }
    }

    /**
     * The engine cannot take this model in this JVM (for example, too large to convert in its heap),
     * though another engine can: when the engine was not asked for by name, PyTorch runs instead.
     */
    final class Unavailable extends IOException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** An engine other than PyTorch, found with {@link java.util.ServiceLoader}. */
    interface Provider {
        EngineKind kind();

        /**
         * @param dir the directory the model was loaded from (its exported graph is used if it has one),
         *     or null
         */
        ForwardEngine open(MultiTaskModel model, Path dir) throws IOException;
    }
}
