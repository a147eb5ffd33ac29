package dev.mtl.cli;

import dev.mtl.InferenceOptions;
import dev.mtl.MultiTaskModel;
import dev.mtl.config.TaskConfig;
import dev.mtl.data.Example;
import dev.mtl.data.Field;
import dev.mtl.io.AtomicFiles;
import dev.mtl.train.DatasetSpec;
import dev.mtl.train.DatasetSpec.Format;
import dev.mtl.train.EmbeddingEvaluator;
import dev.mtl.train.Evaluator;
import dev.mtl.train.SettingException;
import dev.mtl.train.Split;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mtl eval}: scores a saved model on labelled data, read by the same readers and options as a
 * training config's datasets, so a number here means what it means in {@code mtl train}'s test metrics
 * (both come from {@link Evaluator}). Parsing and orchestration only: which task is scored from what is
 * {@link EvalFeeds}, the table and JSON are {@link EvalReport}, and no metric is computed here.
 */
@Command(
        name = "eval",
        description = "Score a model on labelled data: accuracy/macro-F1 per classification task, entity P/R/F1 per"
                + " NER task; on sentence pairs (stsb, or csv/tsv/jsonl pairs), the embedding: Spearman/Pearson of"
                + " scored pairs, MRR@10 and recall of positive pairs.")
final class EvalCommand implements Callable<Integer> {

    private static final Pattern NON_NEGATIVE_INT = Pattern.compile("\\d{1,9}");
    /** Name of the predictions file Evaluator writes in its scratch directory. */
    private static final String PREFIX = "eval";

    @Mixin
    ModelOption model;

    @Mixin
    InferenceFlags inference;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "PATH",
            description = "Labelled data: a JointBERT directory or a file.")
    Path data;

    @Option(
            names = "--format",
            paramLabel = "FORMAT",
            description = "One of jointbert, conll, csv, tsv, label_prefix, jsonl, stsb (default: from --data: "
                    + "directory → jointbert, .jsonl, .csv, .tsv, .conll by extension; a .csv or .tsv in the STS "
                    + "Benchmark's layout → stsb).")
    String format;

    @Option(
            names = "--feeds",
            paramLabel = "TASK=FIELD,...",
            description = "task=field pairs, field label, tags, score or pair (default: every task of the model "
                    + "whose kind the data can score; on sentence pairs, the embedding itself).")
    String feeds;

    @Option(
            names = "--option",
            paramLabel = "KEY=VALUE",
            description = "Reader option, as under a training config "
                    + "dataset's options (true/false and whole numbers are typed as in YAML). Repeatable.")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(
            names = "--encoding",
            paramLabel = "CHARSET",
            defaultValue = "UTF-8",
            description = "Charset of the data (default: ${DEFAULT-VALUE}).")
    String encoding;

    @Option(names = "--output", paramLabel = "FILE|-", description = "Write the metrics as JSON here (- for stdout).")
    String output;

    @Option(
            names = "--predictions",
            paramLabel = "FILE|-",
            description = "Write 'word gold predicted' (conlleval input) here; with several "
                    + "NER tasks, one file per task with a .<task> suffix.")
    String predictions;

    @Override
    public Integer call() throws Exception {
        inference.validate();
        if (!Files.exists(data)) {
            throw new IllegalArgumentException("--data " + data + ": no such file or directory");
        }
        if ("-".equals(output) && "-".equals(predictions)) {
            throw new IllegalArgumentException("--output and --predictions cannot both be - (stdout)");
        }
        Format fmt = format == null ? EvalFeeds.guessFormat(data) : EvalFeeds.parseFormat(format);
        // Built before the model is loaded so a bad option fails at once; reading does not use feeds.
        DatasetSpec reader = spec(fmt, EvalFeeds.placeholderFeeds(fmt));
        // The table goes to stderr when stdout carries JSON or predictions, so both stay parseable.
        PrintStream table = "-".equals(output) || "-".equals(predictions) ? System.err : System.out;

        try (MultiTaskModel m = model.load()) {
            InferenceOptions run =
                    inference.apply(m.defaultOptions(), m.backbone().config().maxPositionEmbeddings());
            List<Example> examples = reader.read(Split.TRAIN);
            if (examples.isEmpty()) {
                throw new IllegalArgumentException("--data " + data + ": no examples");
            }
            if (feeds == null && examples.stream().anyMatch(Field.PAIR::presentIn)) {
                // Sentence pairs measure the embedding itself, whatever tasks the model has.
                if (predictions != null) {
                    throw new IllegalArgumentException(
                            "--predictions: pair data has no token predictions (it scores the embedding)");
                }
                Field pairs = EvalFeeds.pairField(examples, data);
                Map<String, Double> metrics = EmbeddingEvaluator.evaluate(m, examples, pairs, run);
                EvalReport.printEmbedding(table, pairs, metrics);
                if (output != null) {
                    EvalReport.writeEmbeddingJson(
                            output, model.toString(), data.toString(), fmt, examples.size(), metrics);
                }
                return 0;
            }
            Map<String, TaskConfig> tasks = m.tasks();
            if (tasks.isEmpty()) {
                throw new IllegalArgumentException(
                        "--model " + model + ": no classification or NER task to score ("
                                + (model.embedded() ? "the embedded all-MiniLM-L6-v2" : "this model")
                                + " gives embeddings only); give a model saved by mtl train, or sentence pairs to score the embedding");
            }
            Map<String, Field> fed = feeds == null
                    ? EvalFeeds.defaultFeeds(tasks, fmt, data, examples)
                    : EvalFeeds.parseFeeds(feeds, tasks, fmt);
            EvalFeeds.checkExamplesCarry(fed, examples, data);
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

            Map<String, Field> fields = new LinkedHashMap<>(fed);
            Path scratch = predictions == null ? null : Files.createTempDirectory("mtl-eval");
            try {
                Evaluator.Scores scores = Evaluator.evaluate(m, examples, fields, run, scratch, PREFIX);
                EvalReport.printTable(table, scores, examples.size());
                if (output != null) {
                    EvalReport.writeJson(output, model.toString(), data.toString(), scores, fmt, examples.size());
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
                    AtomicFiles.deleteRecursively(scratch);
                }
            }
        }
        return 0;
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
}
