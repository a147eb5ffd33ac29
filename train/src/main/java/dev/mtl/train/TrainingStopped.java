package dev.mtl.train;

/** The run stopped on SIGTERM or Ctrl-C after writing a checkpoint; {@code --resume} continues it. */
public final class TrainingStopped extends RuntimeException {

    private final long step;

    TrainingStopped(long step) {
        super("training stopped by a signal after step " + step + "; the checkpoint of that step is written");
        this.step = step;
    }

    /** The last step done and checkpointed. */
    public long step() {
        return step;
    }
}
