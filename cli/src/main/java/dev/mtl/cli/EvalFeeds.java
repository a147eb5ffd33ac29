package dev.mtl.cli;

import dev.mtl.config.TaskConfig;
import dev.mtl.data.Example;
import dev.mtl.data.Field;
import dev.mtl.train.DatasetSpec.Format;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which of a model's tasks {@code mtl eval} scores from which field of the data: the data's format
 * (named or guessed from the path), the {@code --feeds} pairs or their default, and the check that every
 * example carries what its tasks are scored from. Every problem is a one-line message naming the flag.
 */
final class EvalFeeds {

    static final String FORMATS =
            String.join(", ", Arrays.stream(Format.values()).map(Format::key).toList());

    private EvalFeeds() {}

    /** The format a path most likely has; anything ambiguous (.txt is CoNLL or TREC) must be named. */
    static Format guessFormat(Path data) {
        if (Files.isDirectory(data)) {
            return Format.JOINTBERT;
        }
        String name = data.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1);
        return switch (ext) {
            case "jsonl" -> Format.JSONL;
            case "csv", "tsv" -> stsLayout(data) ? Format.STSB : ext.equals("csv") ? Format.CSV : Format.TSV;
            case "conll" -> Format.CONLL;
            default ->
                throw new IllegalArgumentException("--data " + data + ": cannot tell the format from the name; "
                        + "give --format (one of " + FORMATS + ")");
        };
    }

    /**
     * Whether the file looks like the STS Benchmark's {@code sts-*.csv}: its first line has 7 or 9
     * tab-separated columns with a number in the fifth (those files are tab-separated despite the name).
     */
    static boolean stsLayout(Path data) {
        try (java.io.BufferedReader r = Files.newBufferedReader(data, java.nio.charset.StandardCharsets.UTF_8)) {
            String line = r.readLine();
            String[] c = line == null ? new String[0] : line.split("\t", -1);
            return (c.length == 7 || c.length == 9) && c[4].strip().matches("\\d+(\\.\\d+)?");
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return false; // the reader will say what is wrong with the file
        }
    }

    static Format parseFormat(String name) {
        for (Format f : Format.values()) {
            if (f.key().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("--format: '" + name + "' is not one of " + FORMATS);
    }

    /** Every field the format fills, under its own name: the spec requires feeds, reading ignores them. */
    static Map<String, Field> placeholderFeeds(Format fmt) {
        Map<String, Field> out = new LinkedHashMap<>();
        fmt.fields().forEach(f -> out.put(f.key(), f));
        return out;
    }

    private static Field scoredBy(TaskConfig task) {
        return switch (task.kind()) {
            case CLASSIFICATION -> Field.LABEL;
            case NER -> Field.TAGS;
            case EMBEDDING ->
                switch (task.loss().data()) {
                    case SCORED_PAIRS -> Field.SCORE;
                    case POSITIVE_PAIRS -> Field.PAIR;
                    case LABELLED_TEXTS -> Field.LABEL; // nearest-neighbour accuracy of the labels
                };
        };
    }

    /** The task's kind, with an embedding task's loss: "embedding (loss mnrl)". */
    private static String kind(TaskConfig task) {
        String kind = task.kind().name().toLowerCase(Locale.ROOT);
        return task.loss() == null ? kind : kind + " (loss " + task.loss().key() + ")";
    }

    /**
     * Every task whose kind matches a field the format fills and at least one example carries (a JSONL
     * file with labels only would otherwise score its NER task against all-O gold).
     */
    static Map<String, Field> defaultFeeds(
            Map<String, TaskConfig> tasks, Format fmt, Path data, List<Example> examples) {
        Map<String, Field> out = new LinkedHashMap<>();
        for (TaskConfig t : tasks.values()) {
            Field f = scoredBy(t);
            if (fmt.fields().contains(f) && examples.stream().anyMatch(e -> carries(e, f))) {
                out.put(t.name(), f);
            }
        }
        if (out.isEmpty()) {
            List<String> have = tasks.values().stream()
                    .map(t -> t.name() + " (" + kind(t) + ")")
                    .toList();
            throw new IllegalArgumentException("the model has no task this data can score: model tasks "
                    + (have.isEmpty() ? "none" : String.join(", ", have)) + "; " + fmt.key() + " data at " + data
                    + " gives "
                    + String.join(
                            ", ",
                            fmt.fields().stream()
                                    .filter(f -> examples.stream().anyMatch(e -> carries(e, f)))
                                    .map(Field::key)
                                    .toList()));
        }
        return out;
    }

    /** Parses {@code task=field,...}; every problem is reported, on one line. */
    static Map<String, Field> parseFeeds(String spec, Map<String, TaskConfig> tasks, Format fmt) {
        Map<String, Field> out = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (String pair : spec.split(",", -1)) {
            String[] kv = pair.strip().split("=", -1);
            if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank()) {
                problems.add("'" + pair.strip() + "' is not task=field");
                continue;
            }
            String name = kv[0].strip();
            String field = kv[1].strip();
            TaskConfig task = tasks.get(name);
            Field feed = Arrays.stream(Field.values())
                    .filter(f -> f.key().equals(field))
                    .findFirst()
                    .orElse(null);
            if (task == null) {
                problems.add("unknown task '" + name + "' (model tasks: " + String.join(", ", tasks.keySet()) + ")");
            } else if (feed == null) {
                problems.add(
                        "'" + name + "=" + field + "': unknown field '" + field + "' (label, tags, score or pair)");
            } else if (feed != scoredBy(task)) {
                problems.add("task '" + name + "' is " + kind(task) + ", scored from '"
                        + scoredBy(task).key() + "', not '" + field + "'");
            } else if (!fmt.fields().contains(feed)) {
                problems.add("format " + fmt.key() + " has no '" + field + "' field for task '" + name + "' (it has: "
                        + String.join(
                                ", ", fmt.fields().stream().map(Field::key).toList()) + ")");
            } else if (out.put(name, feed) != null) {
                problems.add("task '" + name + "' given twice");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("--feeds: " + String.join("; ", problems));
        }
        return out;
    }

    private static boolean carries(Example e, Field f) {
        return f.presentIn(e);
    }

    /**
     * Every example must carry the field its tasks are scored from: a label, tags for token examples (a
     * text without entities is a sentence with none, valid gold), a pair, a pair's score.
     */
    static void checkExamplesCarry(Map<String, Field> fed, List<Example> examples, Path data) {
        for (var f : fed.entrySet()) {
            for (int i = 0; i < examples.size(); i++) {
                String missing = f.getValue().missingFrom(examples.get(i));
                if (missing != null) {
                    throw new IllegalArgumentException(
                            examples.get(i).locate(data, i) + ": " + missing + " for task '" + f.getKey() + "'");
                }
            }
        }
    }

    /**
     * What sentence pairs measure: scored pairs the correlation with their scores, pairs without scores
     * the retrieval of each positive. Every example must be a pair, and all or none scored.
     */
    static Field pairField(List<Example> examples, Path data) {
        boolean scored = examples.stream().anyMatch(e -> e.score() != null);
        for (int i = 0; i < examples.size(); i++) {
            Example e = examples.get(i);
            if (e.pair() == null) {
                throw new IllegalArgumentException(e.locate(data, i) + ": no sentence pair, in data of sentence pairs");
            }
            if (scored && e.score() == null) {
                throw new IllegalArgumentException(e.locate(data, i)
                        + ": no score, where other pairs have one (score every pair, or none to measure retrieval)");
            }
        }
        return scored ? Field.SCORE : Field.PAIR;
    }
}
