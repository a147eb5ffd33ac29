package dev.mtl.train;

import dev.mtl.config.TaskConfig;
import dev.mtl.data.Example;
import dev.mtl.data.Field;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A loaded dataset of a training run: its examples per split and the task each of its fields feeds.
 *
 * @param feeds task → the field that gives its targets, in the config's order (the order in which the
 *     tasks' losses are computed and summed)
 */
public record Dataset(
        String name, List<Example> train, List<Example> dev, List<Example> test, Map<String, Field> feeds) {

    /**
     * Reads every dataset of the config (train, and dev/test where given).
     *
     * @throws IllegalArgumentException naming file and line of the first example that lacks the field a
     *     task is fed from (a pair without a score, a single text where a pair is needed)
     */
    public static List<Dataset> readAll(TrainConfig cfg) throws IOException {
        List<Dataset> out = new ArrayList<>();
        for (DatasetSpec spec : cfg.datasets()) {
            out.add(new Dataset(
                    spec.name(), read(spec, Split.TRAIN), read(spec, Split.DEV), read(spec, Split.TEST), spec.feeds()));
        }
        return out;
    }

    /** One split, every example checked for the fields its tasks are fed from. */
    private static List<Example> read(DatasetSpec spec, Split split) throws IOException {
        List<Example> examples = spec.read(split);
        for (int i = 0; i < examples.size(); i++) {
            Example e = examples.get(i);
            for (Map.Entry<String, Field> feed : spec.feeds().entrySet()) {
                String missing = feed.getValue().missingFrom(e);
                if (missing != null) {
                    throw new IllegalArgumentException(e.locate(spec.path(split).orElseThrow(), i) + ": " + missing
                            + " for task '" + feed.getKey() + "'" + hint(spec, feed.getValue(), e));
                }
            }
        }
        return examples;
    }

    /** Delimited pairs have a score only when a column is named for it: the likely cause of a missing one. */
    private static String hint(DatasetSpec spec, Field field, Example e) {
        boolean delimited = spec.format() == DatasetSpec.Format.CSV || spec.format() == DatasetSpec.Format.TSV;
        return delimited
                        && field == Field.SCORE
                        && e.pair() != null
                        && !spec.options().containsKey("score_column")
                ? " (csv and tsv pairs take it from options.score_column)"
                : "";
    }

    /** The heads of the config, with labels from the config or else derived from the training data. */
    public static List<TaskConfig> resolveTasks(TrainConfig cfg, List<Dataset> datasets) {
        List<TaskConfig> out = new ArrayList<>();
        for (TaskSpec t : cfg.tasks()) {
            out.add(t.toTaskConfig(deriveLabels(t.name(), t.kind(), datasets)));
        }
        return out;
    }

    /**
     * A task's labels from the training data: the sorted label set for classification and embedding
     * tasks fed labels (none for pairs); for NER, "O" then B-/I- of each entity type, types sorted.
     */
    public static List<String> deriveLabels(String task, TaskConfig.Kind kind, List<Dataset> datasets) {
        TreeSet<String> seen = new TreeSet<>();
        for (Dataset d : datasets) {
            Field f = d.feeds().get(task);
            if (f == null) {
                continue;
            }
            for (Example e : d.train()) {
                if (f == Field.LABEL) {
                    seen.addAll(e.labels());
                } else {
                    for (String tag : e.tags()) {
                        if (!tag.equals("O")) {
                            seen.add(tag.substring(2));
                        }
                    }
                    e.entities().forEach(x -> seen.add(x.label()));
                }
            }
        }
        if (kind != TaskConfig.Kind.NER) {
            // Embedding tasks: the label set for supcon and triplet, none for pairs.
            return List.copyOf(seen);
        }
        List<String> tags = new ArrayList<>(List.of("O"));
        for (String type : seen) {
            tags.add("B-" + type);
            tags.add("I-" + type);
        }
        return tags;
    }
}
