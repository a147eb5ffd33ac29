package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.mtl.config.EmbeddingLoss;
import dev.mtl.config.TaskConfig;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A task as the training config declares it: a {@link TaskConfig} whose labels may be left out, to be
 * derived from the training data ({@link #toTaskConfig}). Field meanings and value checks are
 * TaskConfig's; here a key the config gives is checked against the task's kind and loss, so a key that
 * would be ignored is an error naming it. A key not given is null and gets TaskConfig's default.
 *
 * @param labels the label vocabulary, or null to take it from the training examples
 */
public record TaskSpec(
        @JsonProperty(value = "name", required = true) String name,
        @JsonProperty(value = "kind", required = true) TaskConfig.Kind kind,
        @JsonProperty("labels") List<String> labels,
        @JsonProperty("hidden_size") Integer hiddenSize,
        @JsonProperty("activation") String activation,
        @JsonProperty("dropout") Double dropout,
        @JsonProperty("multi_label") Boolean multiLabel,
        @JsonProperty("threshold") Double threshold,
        @JsonProperty("crf") Boolean crf,
        @JsonProperty("loss") EmbeddingLoss loss,
        @JsonProperty("scale") Double scale,
        @JsonProperty("symmetric") Boolean symmetric,
        @JsonProperty("margin") Double margin) {

    /** Stand-ins that satisfy TaskConfig's label checks, so its other checks run when labels are absent. */
    private static final List<String> PLACEHOLDER_LABELS = List.of("O", "B-X");

    private static final Set<TaskConfig.Kind> HEADS = EnumSet.of(TaskConfig.Kind.CLASSIFICATION, TaskConfig.Kind.NER);
    private static final Set<TaskConfig.Kind> CLASSIFICATION = EnumSet.of(TaskConfig.Kind.CLASSIFICATION);
    private static final Set<EmbeddingLoss> SCALED =
            EnumSet.of(EmbeddingLoss.COSENT, EmbeddingLoss.MNRL, EmbeddingLoss.SUPCON);

    public TaskSpec {
        labels = labels == null ? null : List.copyOf(labels);
        // Fields are assigned after this body: check through the parameters, not this record's accessors.
        if (kind != null) {
            Map<String, Object> given = new LinkedHashMap<>();
            given.put("labels", labels);
            given.put("hidden_size", hiddenSize);
            given.put("activation", activation);
            given.put("dropout", dropout);
            given.put("multi_label", multiLabel);
            given.put("threshold", threshold);
            given.put("crf", crf);
            given.put("loss", loss);
            given.put("scale", scale);
            given.put("symmetric", symmetric);
            given.put("margin", margin);
            given.forEach((key, value) -> {
                if (value != null) {
                    checkKind(key, kind, name);
                }
            });
            if (loss != null) {
                checkLoss(loss, scale, symmetric, margin);
            }
        }
        config(
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

    /** The key is one the task's kind uses. */
    private static void checkKind(String key, TaskConfig.Kind kind, String name) {
        Set<TaskConfig.Kind> kinds = switch (key) {
            case "labels", "dropout" -> HEADS;
            case "hidden_size", "activation", "multi_label", "threshold" -> CLASSIFICATION;
            case "crf" -> EnumSet.of(TaskConfig.Kind.NER);
            default -> EnumSet.of(TaskConfig.Kind.EMBEDDING);
        };
        if (!kinds.contains(kind)) {
            throw new SettingException(
                    key,
                    "applies to "
                            + String.join(
                                    " and ", kinds.stream().map(TaskSpec::key).toList())
                            + " tasks only, not to " + key(kind) + " task '" + name + "'"
                            + (key.equals("labels") ? " (supcon and triplet take their labels from the data)" : ""));
        }
    }

    /** Scale, symmetric and margin are given only for a loss that uses them, a scale > 0. */
    private static void checkLoss(EmbeddingLoss loss, Double scale, Boolean symmetric, Double margin) {
        if (scale != null && !SCALED.contains(loss)) {
            throw new SettingException("scale", "only the cosent, mnrl and supcon losses use a scale");
        }
        if (scale != null && !(scale > 0)) {
            throw new SettingException("scale", "must be > 0 for the " + loss.key() + " loss, got " + scale);
        }
        if (symmetric != null && loss != EmbeddingLoss.MNRL) {
            throw new SettingException("symmetric", "only the mnrl loss uses symmetric");
        }
        if (margin != null && loss != EmbeddingLoss.TRIPLET) {
            throw new SettingException("margin", "only the triplet loss uses a margin");
        }
    }

    private static String key(TaskConfig.Kind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    public static TaskSpec classification(String name) {
        return new TaskSpec(
                name, TaskConfig.Kind.CLASSIFICATION, null, null, null, null, null, null, null, null, null, null, null);
    }

    public static TaskSpec ner(String name, boolean crf) {
        // crf false is the default: not given, as a config without the key reads
        return new TaskSpec(
                name,
                TaskConfig.Kind.NER,
                null,
                null,
                null,
                null,
                null,
                null,
                crf ? true : null,
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
        return config(
                name,
                kind,
                labels != null ? labels : fromData,
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

    /** TaskConfig with the defaults of the keys not given (no dropout for an embedding task: it has no head). */
    private static TaskConfig config(
            String name,
            TaskConfig.Kind kind,
            List<String> labels,
            Integer hiddenSize,
            String activation,
            Double dropout,
            Boolean multiLabel,
            Double threshold,
            Boolean crf,
            EmbeddingLoss loss,
            Double scale,
            Boolean symmetric,
            Double margin) {
        return new TaskConfig(
                name,
                kind,
                labels,
                hiddenSize == null ? 0 : hiddenSize,
                activation,
                dropout != null ? dropout : kind == TaskConfig.Kind.EMBEDDING ? 0 : TaskConfig.DEFAULT_DROPOUT,
                multiLabel != null && multiLabel,
                threshold == null ? TaskConfig.DEFAULT_THRESHOLD : threshold,
                crf != null && crf,
                loss,
                scale,
                symmetric,
                margin);
    }
}
