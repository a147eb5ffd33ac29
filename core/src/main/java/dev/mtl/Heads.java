package dev.mtl;

import dev.mtl.config.TaskConfig;
import dev.mtl.embedding.EmbeddingHead;
import dev.mtl.embedding.EmbeddingTaskHead;
import dev.mtl.heads.ClassificationHead;
import dev.mtl.heads.CrfHead;
import dev.mtl.heads.Head;
import dev.mtl.heads.TokenClassificationHead;

/** The registry of head kinds: which class answers a task's config. A new kind is one more case here. */
public final class Heads {

    private Heads() {}

    /**
     * A task's head, parameters not yet loaded or initialised, on an encoder of width {@code hidden};
     * an embedding task trains the model's shared {@code embedding} head.
     */
    public static Head<?, ?> create(TaskConfig task, int hidden, EmbeddingHead embedding) {
        return switch (task.kind()) {
            case CLASSIFICATION -> new ClassificationHead(task, hidden);
            case NER -> task.crf() ? new CrfHead(task, hidden) : new TokenClassificationHead(task, hidden);
            case EMBEDDING -> new EmbeddingTaskHead(task, embedding);
        };
    }
}
