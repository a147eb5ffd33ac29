package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.mtl.config.TaskConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * When to evaluate on the dev sets and what to select the best checkpoint by.
 *
 * @param patience stop after this many evaluations without improvement of {@code metric}; 0 = never stop early
 */
public record EvalConfig(
        @JsonProperty(value = "every", defaultValue = "epoch")
        Every every,

        @JsonProperty(value = "metric", defaultValue = "mean")
        Metric metric,

        @JsonProperty(value = "patience", defaultValue = "0")
        int patience) {

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
        ACCURACY,
        @JsonProperty("macro_f1")
        MACRO_F1,
        /** Entity-level micro F1 (conlleval). */
        @JsonProperty("f1")
        F1;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static List<Measure> validFor(TaskConfig.Kind kind) {
            return kind == TaskConfig.Kind.NER ? List.of(F1) : List.of(ACCURACY, MACRO_F1);
        }

        /** What {@code mean} averages: accuracy for classification (as SNIPS/ATIS are reported), F1 for NER. */
        public static Measure main(TaskConfig.Kind kind) {
            return validFor(kind).get(0);
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
                        value.substring(0, dot),
                        Measure.valueOf(value.substring(dot + 1).toUpperCase(Locale.ROOT)));
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
