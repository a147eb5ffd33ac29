package dev.mtl.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;

/**
 * One task head: its name, kind and labels, and the shape of its head.
 *
 * @param name unique task name, e.g. {@code intent} ([A-Za-z0-9_-]+, it becomes part of parameter keys)
 * @param kind {@code classification} (sentence level) or {@code ner} (token level)
 * @param labels the label vocabulary (for NER: BIO tags, "O" included)
 * @param hiddenSize classification MLP hidden width (0 = the encoder's hidden size); unused for NER
 * @param activation classification MLP activation: gelu, relu or tanh; unused for NER
 * @param dropout dropout before the output layer(s), active only in training
 * @param multiLabel classification with sigmoid per label (several labels per text) instead of softmax
 * @param threshold probability at or above which a label is predicted in multi-label mode
 * @param crf NER only: a CRF layer on top of the token logits (trainable transitions, Viterbi decoding)
 * @param loss embedding only: the objective that trains the shared embedding head through the encoder
 * @param scale embedding only: the similarity scale (inverse temperature) of CoSENT, multiple-negatives
 *     ranking and supervised contrastive losses (default: the loss's own, see {@link EmbeddingLoss})
 * @param symmetric embedding only: multiple-negatives ranking in both directions (anchor → positive and
 *     positive → anchor)
 * @param margin embedding only: the batch-hard triplet margin on L2-normalised embeddings
 */
@JsonIgnoreProperties(ignoreUnknown = false)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskConfig(
        @JsonProperty("name") String name,
        @JsonProperty("kind") Kind kind,
        @JsonProperty("labels") List<String> labels,
        @JsonProperty("hidden_size") int hiddenSize,
        @JsonProperty("activation") String activation,
        @JsonProperty("dropout") double dropout,
        @JsonProperty("multi_label") boolean multiLabel,
        @JsonProperty("threshold") double threshold,
        @JsonProperty("crf") boolean crf,
        @JsonProperty("loss") EmbeddingLoss loss,
        @JsonProperty("scale") Double scale,
        @JsonProperty("symmetric") Boolean symmetric,
        @JsonProperty("margin") Double margin) {

    /** The kinds of task. */
    public enum Kind {
        @JsonProperty("classification")
        CLASSIFICATION,
        @JsonProperty("ner")
        NER,
        /** An objective on the shared sentence-embedding head; it has no head of its own. */
        @JsonProperty("embedding")
        EMBEDDING
    }

    /** The batch-hard triplet margin by default, for L2-normalised embeddings (distances in [0, 2]). */
    public static final double DEFAULT_MARGIN = 0.5;

    public static final double DEFAULT_DROPOUT = 0.1;
    public static final double DEFAULT_THRESHOLD = 0.5;
    private static final List<String> ACTIVATIONS = List.of("gelu", "relu", "tanh");

    public TaskConfig {
        if (name == null || !name.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("task name '" + name + "' must match [A-Za-z0-9_-]+");
        }
        if (kind == null) {
            throw new IllegalArgumentException("task '" + name + "': kind must be classification, ner or embedding");
        }
        if (kind == Kind.EMBEDDING) {
            labels = labels == null ? List.of() : labels;
            if (loss == null) {
                throw new IllegalArgumentException("task '" + name + "': an embedding task needs a loss: one of "
                        + java.util.Arrays.stream(EmbeddingLoss.values())
                                .map(EmbeddingLoss::key)
                                .toList());
            }
            scale = scale == null ? loss.defaultScale() : scale;
            symmetric = symmetric != null && symmetric;
            margin = margin == null ? DEFAULT_MARGIN : margin;
            if (!(scale >= 0) || Double.isInfinite(scale) || !(margin >= 0) || Double.isInfinite(margin)) {
                throw new IllegalArgumentException(
                        "task '" + name + "': scale and margin must be finite and >= 0, got " + scale + ", " + margin);
            }
        } else if (loss != null || scale != null || symmetric != null || margin != null) {
            throw new IllegalArgumentException(
                    "task '" + name + "': loss, scale, symmetric and margin apply to embedding tasks only");
        }
        if (labels == null || labels.size() < (kind == Kind.NER ? 1 : kind == Kind.EMBEDDING ? 0 : 2)) {
            throw new IllegalArgumentException("task '" + name + "': labels must list at least "
                    + (kind == Kind.NER ? "1 tag" : "2 labels") + ", got " + labels);
        }
        if (new HashSet<>(labels).size() != labels.size()) {
            throw new IllegalArgumentException("task '" + name + "': labels contain a duplicate: " + labels);
        }
        labels = List.copyOf(labels);
        if (hiddenSize < 0) {
            throw new IllegalArgumentException("task '" + name + "': hidden_size must be >= 0, got " + hiddenSize);
        }
        activation = activation == null ? "gelu" : activation.toLowerCase(Locale.ROOT);
        if (!ACTIVATIONS.contains(activation)) {
            throw new IllegalArgumentException(
                    "task '" + name + "': activation '" + activation + "' is not one of " + ACTIVATIONS);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("task '" + name + "': dropout must be in [0, 1), got " + dropout);
        }
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("task '" + name + "': threshold must be in (0, 1), got " + threshold);
        }
        if (kind == Kind.NER && multiLabel) {
            throw new IllegalArgumentException("task '" + name + "': multi_label applies to classification only");
        }
        if (kind == Kind.CLASSIFICATION && crf) {
            throw new IllegalArgumentException("task '" + name + "': crf applies to ner only");
        }
    }

    /** A classification or NER task (the embedding-only fields unset). */
    public TaskConfig(
            String name,
            Kind kind,
            List<String> labels,
            int hiddenSize,
            String activation,
            double dropout,
            boolean multiLabel,
            double threshold,
            boolean crf) {
        this(name, kind, labels, hiddenSize, activation, dropout, multiLabel, threshold, crf, null, null, null, null);
    }

    public static TaskConfig classification(String name, List<String> labels) {
        return new TaskConfig(
                name, Kind.CLASSIFICATION, labels, 0, "gelu", DEFAULT_DROPOUT, false, DEFAULT_THRESHOLD, false);
    }

    public static TaskConfig ner(String name, List<String> tags, boolean crf) {
        return new TaskConfig(name, Kind.NER, tags, 0, null, DEFAULT_DROPOUT, false, DEFAULT_THRESHOLD, crf);
    }

    /** An embedding objective with the loss's default settings. */
    public static TaskConfig embedding(String name, EmbeddingLoss loss, List<String> labels) {
        return new TaskConfig(
                name, Kind.EMBEDDING, labels, 0, null, 0, false, DEFAULT_THRESHOLD, false, loss, null, null, null);
    }

    public TaskConfig withMultiLabel(boolean m) {
        return new TaskConfig(
                name, kind, labels, hiddenSize, activation, dropout, m, threshold, crf, loss, scale, symmetric, margin);
    }
}
