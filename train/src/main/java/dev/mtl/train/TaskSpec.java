package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.mtl.config.EmbeddingLoss;
import dev.mtl.config.TaskConfig;
import java.util.List;

/**
 * A task as the training config declares it: a {@link TaskConfig} whose labels may be left out, to be
 * derived from the training data ({@link #toTaskConfig}). Field meanings and checks are TaskConfig's.
 *
 * @param labels the label vocabulary, or null to take it from the training examples
 */
public record TaskSpec(
        @JsonProperty(value = "name", required = true) String name,
        @JsonProperty(value = "kind", required = true) TaskConfig.Kind kind,
        @JsonProperty("labels") List<String> labels,

        @JsonProperty(value = "hidden_size", defaultValue = "0")
        int hiddenSize,

        @JsonProperty(value = "activation", defaultValue = "gelu")
        String activation,

        @JsonProperty(value = "dropout", defaultValue = "0.1")
        double dropout,

        @JsonProperty(value = "multi_label", defaultValue = "false")
        boolean multiLabel,

        @JsonProperty(value = "threshold", defaultValue = "0.5")
        double threshold,

        @JsonProperty(value = "crf", defaultValue = "false") boolean crf,
        @JsonProperty("loss") EmbeddingLoss loss,
        @JsonProperty("scale") Double scale,
        @JsonProperty("symmetric") Boolean symmetric,
        @JsonProperty("margin") Double margin) {

    /** Stand-ins that satisfy TaskConfig's label checks, so its other checks run when labels are absent. */
    private static final List<String> PLACEHOLDER_LABELS = List.of("O", "B-X");

    public TaskSpec {
        labels = labels == null ? null : List.copyOf(labels);
        // Fields are assigned after this body: check through the parameters, not this record's accessors.
        new TaskConfig(
                name,
                kind,
                labels == null && kind != TaskConfig.Kind.EMBEDDING ? PLACEHOLDER_LABELS : labels,
                hiddenSize,
                activation,
                dropout,
                multiLabel,
                threshold,
                crf,
                loss,
                scale,
                symmetric,
                margin);
    }

    public static TaskSpec classification(String name) {
        return new TaskSpec(
                name,
                TaskConfig.Kind.CLASSIFICATION,
                null,
                0,
                "gelu",
                TaskConfig.DEFAULT_DROPOUT,
                false,
                TaskConfig.DEFAULT_THRESHOLD,
                false,
                null,
                null,
                null,
                null);
    }

    public static TaskSpec ner(String name, boolean crf) {
        return new TaskSpec(
                name,
                TaskConfig.Kind.NER,
                null,
                0,
                "gelu",
                TaskConfig.DEFAULT_DROPOUT,
                false,
                TaskConfig.DEFAULT_THRESHOLD,
                crf,
                null,
                null,
                null,
                null);
    }

    /**
     * The head's config: with the declared labels when the config lists them, else with
     * {@code fromData} (e.g. a {@link dev.mtl.data.LabelVocabulary}'s labels from the training examples).
     * Declared labels win so that a model keeps the label order a user chose on purpose.
     */
    public TaskConfig toTaskConfig(List<String> fromData) {
        return config(labels != null ? labels : fromData);
    }

    private TaskConfig config(List<String> withLabels) {
        return new TaskConfig(
                name,
                kind,
                withLabels,
                hiddenSize,
                activation,
                dropout,
                multiLabel,
                threshold,
                crf,
                loss,
                scale,
                symmetric,
                margin);
    }
}
