package dev.mtl.train;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SIGTERM or Ctrl-C during a run: the JVM's shutdown hook asks the loop to stop and waits until it has
 * finished its step and written a checkpoint, so the run resumes from there instead of from the last
 * scheduled checkpoint. The JVM then exits with the signal's status (143 for SIGTERM, 130 for SIGINT).
 */
final class StopOnSignal implements AutoCloseable {

    /** How long the hook holds the JVM for the step and the checkpoint to finish. */
    private static final long WAIT_SECONDS = 300;

    private final AtomicBoolean requested = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread hook;

    StopOnSignal() {
        hook = new Thread(
                () -> {
                    requested.set(true);
                    try {
                        stopped.await(WAIT_SECONDS, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "mtl-train-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** True once the JVM is shutting down: the loop should checkpoint and stop. */
    boolean requested() {
        return requested.get();
    }

    /** The loop has stopped (normally or not): the JVM may exit. */
    @Override
    public void close() {
        stopped.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it returns now that the latch is open
        }
    }
}
