package dev.mtl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mtl.MultiTaskModel;
import dev.mtl.config.TaskConfig;
import dev.mtl.data.Example;
import dev.mtl.data.Field;
import dev.mtl.eval.ClassScore;
import dev.mtl.eval.EntityScore;
import dev.mtl.train.DatasetSpec;
import dev.mtl.train.DatasetSpec.Format;
import dev.mtl.train.Evaluator;
import dev.mtl.train.SettingException;
import dev.mtl.train.Split;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mtl eval}: scores a saved model on labelled data, read by the same readers and options as a
 * training config's datasets, so a number here means what it means in {@code mtl train}'s test metrics
 * (both come from {@link Evaluator}). Parsing, feed resolution and printing only; no metric is computed
 * here.
 */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description =
                "Score a model on labelled data: accuracy/macro-F1 per classification task, entity P/R/F1 per NER task.")
final class EvalCommand implements Callable<Integer> {

    private static final String FORMATS =
            String.join(", ", Arrays.stream(Format.values()).map(Format::key).toList());
    private static final Pattern NON_NEGATIVE_INT = Pattern.compile("\\d{1,9}");
    /** Name of the predictions file Evaluator writes in its scratch directory. */
    private static final String PREFIX = "eval";

    @Option(names = "--model", required = true, description = "Model directory saved by mtl.")
    Path model;

    @Option(names = "--data", required = true, description = "Labelled data: a JointBERT directory or a file.")
    Path data;

    @Option(
            names = "--format",
            description = "One of jointbert, conll, csv, tsv, label_prefix, jsonl (default: from --data: "
                    + "directory → jointbert, .jsonl, .csv, .tsv, .conll by extension).")
    String format;

    @Option(
            names = "--feeds",
            description = "task=field pairs, field label or tags (default: every task of the model "
                    + "whose kind the data can score).")
    String feeds;

    @Option(
            names = "--option",
            paramLabel = "KEY=VALUE",
            description = "Reader option, as under a training config "
                    + "dataset's options (true/false and whole numbers are typed as in YAML). Repeatable.")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(
            names = "--encoding",
            defaultValue = "UTF-8",
            description = "Charset of the data (default: ${DEFAULT-VALUE}).")
    String encoding;

    @Option(names = "--output", description = "Write the metrics as JSON here (- for stdout).")
    String output;

    @Option(
            names = "--predictions",
            description = "Write 'word gold predicted' (conlleval input) here; with several "
                    + "NER tasks, one file per task with a .<task> suffix.")
    String predictions;

    @Option(names = "--verbose", description = "Show stack traces on errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(data)) {
            throw new IllegalArgumentException("--data " + data + ": no such file or directory");
        }
        if ("-".equals(output) && "-".equals(predictions)) {
            throw new IllegalArgumentException("--output and --predictions cannot both be - (stdout)");
        }
        Format fmt = format == null ? guessFormat(data) : parseFormat(format);
        // Built before the model is loaded so a bad option fails at once; reading does not use feeds.
        DatasetSpec reader = spec(fmt, placeholderFeeds(fmt));
        // The table goes to stderr when stdout carries JSON or predictions, so both stay parseable.
        PrintStream table = "-".equals(output) || "-".equals(predictions) ? System.err : System.out;

        try (MultiTaskModel m = MultiTaskModel.load(model)) {
            Map<String, TaskConfig> tasks = m.tasks();
            List<Example> examples = reader.read(Split.TRAIN);
            if (examples.isEmpty()) {
                throw new IllegalArgumentException("--data " + data + ": no examples");
            }
            Map<String, Field> fed = feeds == null ? defaultFeeds(tasks, fmt, examples) : parseFeeds(feeds, tasks, fmt);
            checkExamplesCarry(fed, examples);
            List<String> nerTasks = fed.entrySet().stream()
                    .filter(e -> e.getValue() == Field.TAGS)
                    .map(Map.Entry::getKey)
                    .toList();
            if (predictions != null && nerTasks.isEmpty()) {
                throw new IllegalArgumentException(
                        "--predictions: no NER task is evaluated (tasks: " + String.join(", ", fed.keySet()) + ")");
            }
            if ("-".equals(predictions) && nerTasks.size() > 1) {
                throw new IllegalArgumentException("--predictions -: " + nerTasks.size() + " NER tasks ("
                        + String.join(", ", nerTasks) + ") need a file name, one file per task");
            }

            Map<String, Field> fields = new LinkedHashMap<>();
            fed.forEach((t, f) -> fields.put(t, f == Field.LABEL ? Field.LABEL : Field.TAGS));
            Path scratch = predictions == null ? null : Files.createTempDirectory("mtl-eval");
            try {
                Evaluator.Scores scores = Evaluator.evaluate(m, examples, fields, m.defaultOptions(), scratch, PREFIX);
                printTable(table, scores, examples.size());
                if (output != null) {
                    writeJson(output, scores, fmt, examples.size());
                }
                if (predictions != null) {
                    for (String task : nerTasks) {
                        String target = nerTasks.size() == 1 ? predictions : predictions + "." + task;
                        try (Outputs out = Outputs.open(target)) {
                            Files.copy(scratch.resolve(PREFIX + "." + task + ".conll"), out.stream());
                            out.commit();
                        }
                        System.err.println("predictions of " + task + " → " + (target.equals("-") ? "stdout" : target));
                    }
                }
            } finally {
                if (scratch != null) {
                    deleteTree(scratch);
                }
            }
        }
        return 0;
    }

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
            case "csv" -> Format.CSV;
            case "tsv" -> Format.TSV;
            case "conll" -> Format.CONLL;
            default ->
                throw new IllegalArgumentException("--data " + data + ": cannot tell the format from the name; "
                        + "give --format (one of " + FORMATS + ")");
        };
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
    private static Map<String, Field> placeholderFeeds(Format fmt) {
        Map<String, Field> out = new LinkedHashMap<>();
        fmt.fields().forEach(f -> out.put(f.key(), f));
        return out;
    }

    private DatasetSpec spec(Format fmt, Map<String, Field> fed) {
        Map<String, Object> typed = new LinkedHashMap<>();
        options.forEach((k, v) -> typed.put(k, typed(v)));
        try {
            return new DatasetSpec("eval", fmt, data, null, null, fed, encoding, typed);
        } catch (SettingException e) {
            throw new IllegalArgumentException(cliMessage(e, fmt), e);
        }
    }

    /** The values a YAML config would give the reader options: booleans and column indices typed, the rest text. */
    static Object typed(String value) {
        if (value.equals("true") || value.equals("false")) {
            return Boolean.valueOf(value);
        }
        return NON_NEGATIVE_INT.matcher(value).matches() ? (Object) Integer.valueOf(value) : value;
    }

    /** A config-key message reworded for the flag the user typed. */
    private static String cliMessage(SettingException e, Format fmt) {
        String key = e.key();
        if (key.startsWith("options.")) {
            String option = key.substring("options.".length());
            if (!fmt.options().contains(option)) {
                return "--option " + option + ": unknown for format " + fmt.key() + "; "
                        + (fmt.options().isEmpty()
                                ? "it takes no options"
                                : "allowed: " + String.join(", ", fmt.options()));
            }
            return "--option " + e.getMessage();
        }
        if (key.equals("encoding")) {
            return "--" + e.getMessage();
        }
        return e.getMessage();
    }

    private static Field scoredBy(TaskConfig task) {
        return task.kind() == TaskConfig.Kind.CLASSIFICATION ? Field.LABEL : Field.TAGS;
    }

    private static String kind(TaskConfig task) {
        return task.kind().name().toLowerCase(Locale.ROOT);
    }

    /**
     * Every task whose kind matches a field the format fills and at least one example carries (a JSONL
     * file with labels only would otherwise score its NER task against all-O gold).
     */
    private Map<String, Field> defaultFeeds(Map<String, TaskConfig> tasks, Format fmt, List<Example> examples) {
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
                problems.add("'" + name + "=" + field + "': unknown field '" + field + "' (label or tags)");
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
        return f == Field.LABEL
                ? !e.labels().isEmpty()
                : !e.tags().isEmpty() || !e.entities().isEmpty();
    }

    /**
     * An example without a label cannot be scored for a classification task. Token examples without
     * tags likewise; a text example without entities is a sentence with none, which is valid gold.
     */
    private static void checkExamplesCarry(Map<String, Field> fed, List<Example> examples) {
        for (var f : fed.entrySet()) {
            for (Example e : examples) {
                boolean missing = f.getValue() == Field.LABEL
                        ? e.labels().isEmpty()
                        : !e.tokens().isEmpty() && e.tags().isEmpty();
                if (missing) {
                    throw new IllegalArgumentException(
                            e.id() + ": no " + f.getValue().key() + " for task '" + f.getKey() + "'");
                }
            }
        }
    }

    static void printTable(PrintStream out, Evaluator.Scores scores, int examples) {
        scores.classification().forEach((task, r) -> {
            out.printf(Locale.ROOT, "%s (classification, %d examples)%n", task, examples);
            out.printf(Locale.ROOT, "  accuracy %6.2f   macro-F1 %6.2f%n", 100 * r.accuracy(), 100 * r.macroF1());
            int w = Math.max(
                    5,
                    r.perClass().stream()
                            .mapToInt(c -> c.label().length())
                            .max()
                            .orElse(0));
            out.printf(
                    Locale.ROOT,
                    "  %-" + w + "s  %9s  %6s  %6s  %7s%n",
                    "label",
                    "precision",
                    "recall",
                    "f1",
                    "support");
            for (ClassScore c : r.perClass()) {
                out.printf(
                        Locale.ROOT,
                        "  %-" + w + "s  %9.2f  %6.2f  %6.2f  %7d%n",
                        c.label(),
                        100 * c.precision(),
                        100 * c.recall(),
                        100 * c.f1(),
                        c.support());
            }
            out.println();
        });
        scores.ner().forEach((task, r) -> {
            out.printf(Locale.ROOT, "%s (ner, %d examples)%n", task, examples);
            Map<String, EntityScore> rows = new LinkedHashMap<>();
            rows.put("overall", r.overall());
            rows.putAll(new TreeMap<>(r.perType()));
            int w = Math.max(
                    7, rows.keySet().stream().mapToInt(String::length).max().orElse(0));
            out.printf(
                    Locale.ROOT,
                    "  %-" + w + "s  %9s  %6s  %6s  %5s  %9s  %7s%n",
                    "type",
                    "precision",
                    "recall",
                    "f1",
                    "gold",
                    "predicted",
                    "correct");
            rows.forEach((type, s) -> out.printf(
                    Locale.ROOT,
                    "  %-" + w + "s  %9.2f  %6.2f  %6.2f  %5d  %9d  %7d%n",
                    type,
                    100 * s.precision(),
                    100 * s.recall(),
                    100 * s.f1(),
                    s.gold(),
                    s.predicted(),
                    s.correct()));
            out.printf(Locale.ROOT, "  token accuracy %.2f%n%n", 100 * r.tokenAccuracy());
        });
        out.flush();
    }

    private void writeJson(String path, Evaluator.Scores scores, Format fmt, int examples) throws IOException {
        Map<String, Object> tasks = new LinkedHashMap<>();
        scores.classification().forEach((t, r) -> tasks.put(t, withKind("classification", r.toMap())));
        scores.ner().forEach((t, r) -> tasks.put(t, withKind("ner", r.toMap())));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("model", model.toString());
        doc.put("data", data.toString());
        doc.put("format", fmt.key());
        doc.put("examples", examples);
        doc.put("tasks", tasks);
        try (Outputs out = Outputs.open(path)) {
            out.stream()
                    .write(new ObjectMapper()
                            .enable(SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsBytes(doc));
            out.stream().write('\n');
            out.commit();
        }
        if (!path.equals("-")) {
            System.err.println("metrics → " + path);
        }
    }

    private static Map<String, Object> withKind(String kind, Map<String, Object> report) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        m.putAll(report);
        return m;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
