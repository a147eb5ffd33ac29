package dev.mtl.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * This project's section of a model directory's config.json (under the key {@code "mtl"}): the
 * embedding head, the task heads, and the maximum sequence length the model was trained with.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MtlConfig(
        @JsonProperty("format_version") int formatVersion,
        @JsonProperty("backbone") String backbone,
        @JsonProperty("max_length") int maxLength,
        @JsonProperty("embedding") EmbeddingSection embedding,
        @JsonProperty("tasks") List<TaskConfig> tasks) {

    public static final int FORMAT_VERSION = 1;

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
        if (formatVersion != FORMAT_VERSION) {
            throw new IllegalArgumentException("mtl.format_version " + formatVersion + " is not supported; this "
                    + "version reads " + FORMAT_VERSION);
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
        return new MtlConfig(FORMAT_VERSION, backbone, maxLength, EmbeddingSection.of(embedding), tasks);
    }

    public EmbeddingConfig embeddingConfig() {
        return embedding.toConfig();
    }
}
