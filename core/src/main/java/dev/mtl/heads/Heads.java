package dev.mtl.heads;

import dev.mtl.config.TaskConfig;

/** The registry of head kinds: which class answers a task's config. A new kind is one more case here. */
public final class Heads {

    private Heads() {}

    /** A task's head, parameters not yet loaded or initialised, on an encoder of width {@code hidden}. */
    public static Head<?, ?> create(TaskConfig task, int hidden) {
        return switch (task.kind()) {
            case CLASSIFICATION -> new ClassificationHead(task, hidden);
            case NER -> task.crf() ? new CrfHead(task, hidden) : new TokenClassificationHead(task, hidden);
        };
    }
}
