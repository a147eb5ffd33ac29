package dev.mtl;

import ai.djl.ndarray.NDManager;

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

    /** Turns autograd off on the calling thread (DJL leaves it on for new threads). */
    public static void inferenceMode() {
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    }
}
