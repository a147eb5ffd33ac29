package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.mtl.config.EmbeddingLoss;
import dev.mtl.config.TaskConfig;
import java.util.Arrays;
import java.util.List;

/**
 * When to evaluate on the dev sets and what to select the best checkpoint by.
 *
 * @param patience stop after this many evaluations without improvement of {@code metric}; 0 = never stop early
 * @param reference scored sentence pairs (STS Benchmark layout, or JSONL with text, text_pair and score)
 *     on which every evaluation also measures the embedding, the starting model's included, so a run
 *     shows how far its embedding moved; never used for selection or early stopping; null = none
 */
public record EvalConfig(
        @JsonProperty(value = "every", defaultValue = "epoch")
        Every every,

        @JsonProperty(value = "metric", defaultValue = "mean")
        Metric metric,

        @JsonProperty(value = "patience", defaultValue = "0")
        int patience,

        @JsonProperty("reference") java.nio.file.Path reference) {

    public EvalConfig {
        if (every == null || metric == null) {
            throw new SettingException(every == null ? "every" : "metric", "must be set");
        }
        if (patience < 0) {
            throw new SettingException("patience", "must be >= 0 (0 = no early stopping), got " + patience);
        }
    }

    /** {@code epoch} (steps = 0) or a number of optimizer steps. */
    public record Every(int steps) {
        public static final String EPOCH = "epoch";

        public Every {
            if (steps < 0) {
                throw new SettingException("", "'" + steps + "' is not 'epoch' or a number of steps >= 1");
            }
        }

        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        public static Every parse(Object value) {
            if (EPOCH.equals(value)) {
                return new Every(0);
            }
            if (value instanceof Integer n && n >= 1) {
                return new Every(n);
            }
            throw new SettingException("", "'" + value + "' is not 'epoch' or a number of steps >= 1");
        }

        public boolean atEpochEnd() {
            return steps == 0;
        }

        @JsonValue
        Object json() {
            return atEpochEnd() ? EPOCH : steps;
        }
    }

    /** A measure reported by {@code eval}; which apply depends on the task kind. */
    public enum Measure {
        @JsonProperty("accuracy")
        ACCURACY("accuracy"),
        @JsonProperty("macro_f1")
        MACRO_F1("macro_f1"),
        /** Entity-level micro F1 (conlleval). */
        @JsonProperty("f1")
        F1("f1"),
        /** Spearman correlation of the pairs' cosine with the gold scores. */
        @JsonProperty("spearman")
        SPEARMAN("spearman"),
        @JsonProperty("pearson")
        PEARSON("pearson"),
        /** Retrieval of each anchor's positive among all positives. */
        @JsonProperty("mrr@10")
        MRR_AT_10("mrr@10"),
        @JsonProperty("recall@1")
        RECALL_AT_1("recall@1"),
        @JsonProperty("recall@10")
        RECALL_AT_10("recall@10"),
        /** Leave-one-out nearest-neighbour accuracy of the labels in embedding space. */
        @JsonProperty("knn_accuracy")
        KNN_ACCURACY("knn_accuracy");

        private final String key;

        Measure(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        /** The measures of a task; an embedding task's depend on what its loss learns from. */
        public static List<Measure> validFor(TaskConfig.Kind kind, EmbeddingLoss loss) {
            return switch (kind) {
                case CLASSIFICATION -> List.of(ACCURACY, MACRO_F1);
                case NER -> List.of(F1);
                case EMBEDDING ->
                    switch (loss.data()) {
                        case SCORED_PAIRS -> List.of(SPEARMAN, PEARSON);
                        case POSITIVE_PAIRS -> List.of(MRR_AT_10, RECALL_AT_1, RECALL_AT_10);
                        case LABELLED_TEXTS -> List.of(KNN_ACCURACY);
                    };
            };
        }

        /**
         * What {@code mean} averages: accuracy for classification (as SNIPS/ATIS are reported), F1 for
         * NER, Spearman, MRR@10 or nearest-neighbour accuracy for an embedding task.
         */
        public static Measure main(TaskConfig.Kind kind, EmbeddingLoss loss) {
            return validFor(kind, loss).get(0);
        }
    }

    /**
     * The selection metric: {@code <task>.<measure>}, or {@code mean} of each task's {@link Measure#main}
     * (then {@code task} and {@code measure} are null). Whether the task exists and the measure suits its
     * kind is checked by {@link TrainConfig}.
     */
    public record Metric(String task, Measure measure) {
        public static final String MEAN = "mean";

        public Metric {
            if ((task == null) != (measure == null)) {
                throw new SettingException("", "task and measure must both be set, or neither for mean");
            }
        }

        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        public static Metric parse(String value) {
            if (MEAN.equals(value)) {
                return new Metric(null, null);
            }
            int dot = value == null ? -1 : value.lastIndexOf('.');
            List<String> measures =
                    Arrays.stream(Measure.values()).map(Measure::key).toList();
            if (dot > 0 && measures.contains(value.substring(dot + 1))) {
                return new Metric(
                        value.substring(0, dot), Measure.values()[measures.indexOf(value.substring(dot + 1))]);
            }
            throw new SettingException(
                    "", "'" + value + "' is not 'mean' or <task>.<" + String.join("|", measures) + ">");
        }

        public boolean isMean() {
            return task == null;
        }

        @JsonValue
        @Override
        public String toString() {
            return isMean() ? MEAN : task + "." + measure.key();
        }
    }
}
