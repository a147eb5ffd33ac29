package dev.mtl;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Starts DJL's PyTorch engine with the network switched off. DJL sends usage telemetry at start-up
 * unless {@code ai.djl.offline}, {@code DJL_OFFLINE} or {@code OPT_OUT_TRACKING} is set; a library
 * that promises never to reach the network sets the first itself (a user who explicitly set it to
 * false keeps their choice).
 */
public final class Engines {

    private Engines() {}

    static {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    /** A new root manager on the PyTorch engine (CPU). */
    public static NDManager newManager() {
        return NDManager.newBaseManager("PyTorch");
    }

    /** Autograd switched off on this thread until closed; then the thread's previous mode is back. */
    public static final class NoGrad implements AutoCloseable {
        private final boolean previous;

        private NoGrad() {
            previous = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
        }

        @Override
        public void close() {
            JniUtils.setGradMode(previous);
        }
    }

    /**
     * Switches autograd off on the calling thread for a block: {@code try (var g = Engines.noGrad())}.
     * Autograd mode is per thread in PyTorch, and a library call must not leave a caller who trains on
     * the same thread without gradients.
     */
    public static NoGrad noGrad() {
        ai.djl.engine.Engine.getEngine("PyTorch"); // loads the native library before its grad mode is read
        return new NoGrad();
    }
}
