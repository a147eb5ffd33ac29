package dev.mtl.interop;

import dev.mtl.config.BertConfig;
import dev.mtl.config.MtlConfig;
import dev.mtl.config.TaskConfig;
import dev.mtl.weights.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a model directory is made of, as plain data: enough to write any of the layouts here without
 * touching native tensors.
 *
 * @param bert the encoder's config
 * @param mtl tasks, labels and embedding-head settings
 * @param tokenizerJson the tokenizer.json text
 * @param encoder the encoder's tensors under BertModel keys ({@code embeddings.word_embeddings.weight}, ...)
 * @param heads the head tensors, keyed {@code embedding.*}, {@code heads.<task>.*} and {@code task_tower.*}
 * @param training what the training run recorded, or null
 */
public record ModelParts(
        BertConfig bert,
        MtlConfig mtl,
        String tokenizerJson,
        Map<String, Tensor> encoder,
        Map<String, Tensor> heads,
        TrainingRecord training) {

    /** Prefix of the embedding head's tensors. */
    public static final String EMBEDDING_PREFIX = "embedding.";
    /** Prefix of each task head's tensors, followed by the task name and a dot. */
    public static final String HEADS_PREFIX = "heads.";
    /** Prefix of the task tower's layers ({@code task_tower.layer.0.}), which the task heads read. */
    public static final String TASK_TOWER_PREFIX = "task_tower.";

    /** The key prefix of the task tower's layer {@code i}: {@code task_tower.layer.i.}. */
    public static String taskTowerLayer(int i) {
        return TASK_TOWER_PREFIX + "layer." + i + ".";
    }

    public ModelParts {
        encoder = Collections.unmodifiableMap(new LinkedHashMap<>(encoder)); // checkpoint order kept
        heads = Collections.unmodifiableMap(new LinkedHashMap<>(heads));
    }

    /** The task named {@code name}; an unknown name lists the model's tasks. */
    public TaskConfig task(String name) {
        return mtl.tasks().stream()
                .filter(t -> t.name().equals(name))
                .findFirst()
                .orElseThrow(
                        () -> new IllegalArgumentException("--task " + name + ": this model has no such task; tasks: "
                                + mtl.tasks().stream().map(TaskConfig::name).toList()));
    }

    /** A head tensor by its key below the head's prefix ({@code heads.<task>.} or {@code embedding.}). */
    public Tensor head(String prefix, String key) {
        Tensor t = heads.get(prefix + key);
        if (t == null) {
            throw new IllegalStateException("model has no tensor '" + prefix + key + "'");
        }
        return t;
    }

    /** The sentence embedding's size: the projection's output, else the encoder's width. */
    public int embeddingDimension() {
        return mtl.embeddingConfig().dimension(bert.hiddenSize());
    }
}
