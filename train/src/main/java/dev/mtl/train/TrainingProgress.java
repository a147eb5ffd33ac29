package dev.mtl.train;

import java.util.Map;

/** Callbacks for progress display; the CLI shows a bar, tests pass {@link #NONE}. */
public interface TrainingProgress {

    TrainingProgress NONE = new TrainingProgress() {};

    default void start(long totalSteps, long startStep) {}

    /** After each optimizer step: running mean loss per task (and "total"), tokens per second. */
    default void step(long step, Map<String, Double> losses, double tokensPerSecond) {}

    default void evaluated(long step, Map<String, Map<String, Double>> dev, double score) {}

    /** After the checkpoint of {@code step} is complete on disk. */
    default void checkpointed(long step) {}

    default void finish() {}
}
