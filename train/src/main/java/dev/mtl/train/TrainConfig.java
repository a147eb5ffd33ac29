package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.TaskConfig;
import dev.mtl.data.Field;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Everything a training run needs to know, read from YAML or JSON by {@link #load}. Checked as a whole:
 * each section in its own record, and here what spans sections (feeds name declared tasks, every task
 * is fed, the eval metric suits its task). Not the model's own config.json section: that is
 * {@link dev.mtl.config.MtlConfig}, written after training with the labels the data produced.
 *
 * @param backbone {@value #DEFAULT_BACKBONE} for the embedded all-MiniLM-L6-v2, or a model directory
 *     (resolved against the config file's directory by {@link #load})
 * @param maxLength sub-tokens per input, [CLS] and [SEP] included
 * @param datasets each feeds one or more of {@code tasks}
 */
public record TrainConfig(
        @JsonProperty(value = "backbone", defaultValue = DEFAULT_BACKBONE)
        String backbone,

        @JsonProperty(value = "max_length", defaultValue = "128")
        int maxLength,

        @JsonProperty(value = "batch_size", defaultValue = "32")
        int batchSize,

        @JsonProperty(value = "epochs", defaultValue = "5") int epochs,
        @JsonProperty(value = "seed", defaultValue = "42") long seed,

        @JsonProperty(
                value = "embedding",
                defaultValue = "{pooling: mean, projection_dim: 0, layer_norm: false, normalize: true}")
        EmbeddingConfig embedding,

        @JsonProperty(value = "tasks", required = true) List<TaskSpec> tasks,
        @JsonProperty(value = "datasets", required = true) List<DatasetSpec> datasets,

        @JsonProperty(value = "sampling", defaultValue = "{}")
        SamplingConfig sampling,

        @JsonProperty(value = "loss", defaultValue = "{}") LossConfig loss,

        @JsonProperty(value = "optimizer", defaultValue = "{}")
        OptimizerConfig optimizer,

        @JsonProperty(value = "schedule", defaultValue = "{}")
        ScheduleConfig schedule,

        @JsonProperty(value = "freeze", defaultValue = "{}") FreezeConfig freeze,
        @JsonProperty(value = "eval", defaultValue = "{}") EvalConfig eval,

        @JsonProperty(value = "checkpoint", defaultValue = "{}")
        CheckpointConfig checkpoint,

        @JsonProperty(value = "preserve", defaultValue = "{}")
        PreserveConfig preserve) {

    public static final String DEFAULT_BACKBONE = "default";
    /** BERT's position table has 512 entries. */
    public static final int MAX_LENGTH_LIMIT = 512;
    /** [CLS], one token, [SEP]. */
    private static final int MIN_LENGTH = 3;

    public TrainConfig {
        if (backbone == null || backbone.isBlank()) {
            throw new SettingException("backbone", "must be '" + DEFAULT_BACKBONE + "' or a model directory");
        }
        if (maxLength < MIN_LENGTH || maxLength > MAX_LENGTH_LIMIT) {
            throw new SettingException(
                    "max_length", "must be in [" + MIN_LENGTH + ", " + MAX_LENGTH_LIMIT + "], got " + maxLength);
        }
        if (batchSize < 1 || epochs < 1) {
            throw new SettingException(
                    batchSize < 1 ? "batch_size" : "epochs",
                    "must be >= 1, got " + (batchSize < 1 ? batchSize : epochs));
        }
        if (embedding == null) {
            embedding = EmbeddingConfig.sentenceTransformers();
        }
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
        datasets = datasets == null ? List.of() : List.copyOf(datasets);
        if (tasks.isEmpty() || datasets.isEmpty()) {
            throw new SettingException(tasks.isEmpty() ? "tasks" : "datasets", "must list at least one");
        }
        sampling = sampling != null ? sampling : new SamplingConfig(SamplingStrategy.TEMPERATURE, 2.0);
        loss = loss != null ? loss : new LossConfig(Map.of(), false, LossConfig.ClassWeights.NONE);
        optimizer = optimizer != null
                ? optimizer
                : new OptimizerConfig(5e-5, 1e-3, 0.01, List.of(0.9, 0.999), 1e-8, 1, 1, 1, false);
        schedule = schedule != null ? schedule : new ScheduleConfig(ScheduleKind.LINEAR, 0.1);
        freeze = freeze != null ? freeze : new FreezeConfig(false, false, 0, List.of(), false);
        eval = eval != null
                ? eval
                : new EvalConfig(new EvalConfig.Every(0), new EvalConfig.Metric(null, null), 0, null);
        checkpoint = checkpoint != null ? checkpoint : new CheckpointConfig(200);
        preserve = preserve != null ? preserve : new PreserveConfig(PreserveConfig.Method.DISTILL, 1.0);
        checkAcrossSections(tasks, datasets, loss, freeze, eval);
    }

    private static void checkAcrossSections(
            List<TaskSpec> tasks, List<DatasetSpec> datasets, LossConfig loss, FreezeConfig freeze, EvalConfig eval) {
        Map<String, TaskConfig.Kind> kinds = new HashMap<>();
        Map<String, TaskSpec> specs = new HashMap<>();
        tasks.forEach(t -> specs.put(t.name(), t));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            if (kinds.put(tasks.get(i).name(), tasks.get(i).kind()) != null) {
                throw new SettingException(
                        "tasks[" + i + "].name", "task '" + tasks.get(i).name() + "' is declared twice");
            }
            names.add(tasks.get(i).name());
        }
        String declared = "; tasks: " + String.join(", ", names);
        Set<String> fed = new HashSet<>();
        Set<String> datasetNames = new HashSet<>();
        for (int i = 0; i < datasets.size(); i++) {
            DatasetSpec d = datasets.get(i);
            if (!datasetNames.add(d.name())) {
                throw new SettingException("datasets[" + i + "].name", "data set '" + d.name() + "' is declared twice");
            }
            for (Map.Entry<String, Field> f : d.feeds().entrySet()) {
                String key = "datasets[" + i + "].feeds." + f.getKey();
                TaskSpec task = specs.get(f.getKey());
                if (task == null) {
                    throw new SettingException(key, "'" + f.getKey() + "' is not a declared task" + declared);
                }
                Field wanted = wantedField(task);
                if (f.getValue() != wanted) {
                    throw new SettingException(
                            key,
                            "'" + f.getValue().key() + "' cannot feed "
                                    + task.kind().name().toLowerCase(Locale.ROOT) + " task '" + f.getKey() + "'"
                                    + (task.loss() == null
                                            ? ""
                                            : " (loss " + task.loss().key() + ")")
                                    + "; allowed: " + wanted.key());
                }
                fed.add(f.getKey());
            }
            long pairFields = d.feeds().values().stream().filter(Field::pairs).count();
            if (pairFields > 0 && d.feeds().size() > 1) {
                throw new SettingException(
                        "datasets[" + i + "].feeds",
                        "a dataset of pairs feeds one task (the encoder reads its texts differently for each); got "
                                + d.feeds().keySet());
            }
        }
        for (int i = 0; i < tasks.size(); i++) {
            if (!fed.contains(tasks.get(i).name())) {
                throw new SettingException(
                        "tasks[" + i + "]",
                        "task '" + tasks.get(i).name() + "' is fed by no data set (add it to a data set's feeds)");
            }
        }
        for (String task : loss.weights().keySet()) {
            if (!kinds.containsKey(task)) {
                throw new SettingException("loss.weights." + task, "'" + task + "' is not a declared task" + declared);
            }
        }
        for (int i = 0; i < freeze.heads().size(); i++) {
            if (!kinds.containsKey(freeze.heads().get(i))) {
                throw new SettingException(
                        "freeze.heads[" + i + "]", "'" + freeze.heads().get(i) + "' is not a declared task" + declared);
            }
        }
        if (eval.patience() > 0 && datasets.stream().allMatch(d -> d.dev() == null)) {
            throw new SettingException(
                    "eval.patience",
                    "early stopping watches the dev score, and no data set has a dev split (give one, or patience 0)");
        }
        EvalConfig.Metric metric = eval.metric();
        if (!metric.isMean()) {
            TaskConfig.Kind kind = kinds.get(metric.task());
            if (kind == null) {
                throw new SettingException("eval.metric", "'" + metric + "' names no declared task" + declared);
            }
            List<EvalConfig.Measure> valid =
                    EvalConfig.Measure.validFor(kind, specs.get(metric.task()).loss());
            if (!valid.contains(metric.measure())) {
                throw new SettingException(
                        "eval.metric",
                        "'" + metric + "': " + kind.name().toLowerCase(Locale.ROOT) + " task '" + metric.task()
                                + "' allows "
                                + String.join(
                                        ", ",
                                        valid.stream()
                                                .map(EvalConfig.Measure::key)
                                                .toList()));
            }
        }
    }

    /** The field that feeds a task: labels, tags, or what its embedding loss learns from. */
    static Field wantedField(TaskSpec task) {
        return switch (task.kind()) {
            case CLASSIFICATION -> Field.LABEL;
            case NER -> Field.TAGS;
            case EMBEDDING ->
                switch (task.loss().data()) {
                    case SCORED_PAIRS -> Field.SCORE;
                    case POSITIVE_PAIRS -> Field.PAIR;
                    case LABELLED_TEXTS -> Field.LABEL;
                };
        };
    }

    public boolean defaultBackbone() {
        return DEFAULT_BACKBONE.equals(backbone);
    }

    public TaskSpec task(String name) {
        return tasks.stream()
                .filter(t -> t.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no task '" + name + "'"));
    }

    /**
     * Reads a {@code .yaml}/{@code .yml} or {@code .json} file: every key known, every value valid, paths
     * resolved against the file's directory and the data files present.
     *
     * @throws TrainConfigException for anything wrong in the file, as {@code file:line: problem}
     * @throws IOException when the file itself cannot be read
     */
    public static TrainConfig load(Path file) throws IOException {
        return TrainConfigFile.read(file);
    }

    /** Paths against {@code dir}; a data path or backbone directory that does not exist is an error now. */
    TrainConfig resolve(Path dir) {
        String resolvedBackbone = backbone;
        if (!defaultBackbone()) {
            Path b = dir.resolve(backbone).normalize();
            if (!Files.isDirectory(b)) {
                throw new SettingException(
                        "backbone",
                        "'" + backbone + "' is not '" + DEFAULT_BACKBONE
                                + "' or an existing model directory (resolved: " + b + ")");
            }
            resolvedBackbone = b.toString();
        }
        EvalConfig resolvedEval = eval;
        if (eval.reference() != null) {
            Path r = dir.resolve(eval.reference()).normalize();
            if (!Files.isRegularFile(r)) {
                throw new SettingException(
                        "eval.reference", "'" + eval.reference() + "' is not a file (resolved: " + r + ")");
            }
            resolvedEval = new EvalConfig(eval.every(), eval.metric(), eval.patience(), r);
        }
        List<DatasetSpec> resolved = new ArrayList<>();
        for (int i = 0; i < datasets.size(); i++) {
            DatasetSpec d = datasets.get(i);
            DatasetSpec r = d.resolve(dir);
            for (Split split : Split.values()) {
                if (r.path(split).isPresent() && !Files.exists(r.path(split).get())) {
                    throw new SettingException(
                            "datasets[" + i + "]." + split.name().toLowerCase(Locale.ROOT),
                            "'" + d.path(split).get() + "' does not exist (resolved: "
                                    + r.path(split).get() + ")");
                }
            }
            resolved.add(r);
        }
        return new TrainConfig(
                resolvedBackbone,
                maxLength,
                batchSize,
                epochs,
                seed,
                embedding,
                tasks,
                resolved,
                sampling,
                loss,
                optimizer,
                schedule,
                freeze,
                resolvedEval,
                checkpoint,
                preserve);
    }
}
