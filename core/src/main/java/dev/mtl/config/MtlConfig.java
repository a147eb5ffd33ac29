package dev.mtl.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * This project's section of a model directory's config.json (under the key {@code "mtl"}): the
 * embedding head, the task heads, the maximum sequence length the model was trained with, and how many
 * of the encoder's top layers the task heads have as private copies ({@code task_layers}, 0: none).
 * A model with private layers is format version 2, so that a reader that knows only version 1 refuses
 * it instead of running its heads on the wrong layers.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MtlConfig(
        @JsonProperty("format_version") int formatVersion,
        @JsonProperty("backbone") String backbone,
        @JsonProperty("max_length") int maxLength,
        @JsonProperty("embedding") EmbeddingSection embedding,
        @JsonProperty("tasks") List<TaskConfig> tasks,
        @JsonProperty("task_layers") int taskLayers) {

    /** The version of a model without private task layers; one with them is {@link #TASK_LAYERS_VERSION}. */
    public static final int FORMAT_VERSION = 1;

    public static final int TASK_LAYERS_VERSION = 2;

    /** JSON form of {@link EmbeddingConfig}. */
    public record EmbeddingSection(
            @JsonProperty("pooling") String pooling,
            @JsonProperty("projection_dim") int projectionDim,
            @JsonProperty("layer_norm") boolean layerNorm,
            @JsonProperty("normalize") boolean normalize) {

        public static EmbeddingSection of(EmbeddingConfig c) {
            return new EmbeddingSection(
                    c.pooling().name().toLowerCase(java.util.Locale.ROOT),
                    c.projectionDim(),
                    c.layerNorm(),
                    c.normalize());
        }

        public EmbeddingConfig toConfig() {
            return new EmbeddingConfig(
                    Pooling.parse(pooling == null ? "mean" : pooling), projectionDim, layerNorm, normalize);
        }
    }

    public MtlConfig {
        if (formatVersion != FORMAT_VERSION && formatVersion != TASK_LAYERS_VERSION) {
            throw new IllegalArgumentException("mtl.format_version " + formatVersion + " is not supported; this "
                    + "version reads " + FORMAT_VERSION + " and " + TASK_LAYERS_VERSION);
        }
        if (taskLayers < 0) {
            throw new IllegalArgumentException("mtl.task_layers must be >= 0, got " + taskLayers);
        }
        if ((taskLayers > 0) != (formatVersion == TASK_LAYERS_VERSION)) {
            throw new IllegalArgumentException("mtl.task_layers " + taskLayers + " does not match mtl.format_version "
                    + formatVersion + " (private task layers are version " + TASK_LAYERS_VERSION + ")");
        }
        if (maxLength < 3) {
            throw new IllegalArgumentException("mtl.max_length must be >= 3, got " + maxLength);
        }
        if (embedding == null) {
            embedding = EmbeddingSection.of(EmbeddingConfig.sentenceTransformers());
        }
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
        Set<String> names = new HashSet<>();
        for (TaskConfig t : tasks) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("mtl.tasks: task name '" + t.name() + "' is used twice");
            }
        }
    }

    public static MtlConfig of(String backbone, int maxLength, EmbeddingConfig embedding, List<TaskConfig> tasks) {
        return of(backbone, maxLength, embedding, tasks, 0);
    }

    public static MtlConfig of(
            String backbone, int maxLength, EmbeddingConfig embedding, List<TaskConfig> tasks, int taskLayers) {
        return new MtlConfig(
                taskLayers > 0 ? TASK_LAYERS_VERSION : FORMAT_VERSION,
                backbone,
                maxLength,
                EmbeddingSection.of(embedding),
                tasks,
                taskLayers);
    }

    public EmbeddingConfig embeddingConfig() {
        return embedding.toConfig();
    }
}
