package dev.mtl.cli;

import dev.mtl.MultiTaskModel;
import dev.mtl.Prediction;
import dev.mtl.config.EmbeddingLoss;
import dev.mtl.config.Output;
import dev.mtl.config.TaskConfig;
import dev.mtl.data.Example;
import dev.mtl.eval.ReportInfo;
import dev.mtl.eval.TrainingReport;
import dev.mtl.train.Dataset;
import dev.mtl.train.TrainConfig;
import dev.mtl.train.Trainer;
import dev.mtl.train.TrainingProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mtl train}: joint fine-tuning from a YAML/JSON config, with progress, metrics and a report. */
@Command(
        name = "train",
        description = "Fine-tune the shared encoder and all heads jointly; the config keys are in docs/usage.md.")
final class TrainCommand implements Callable<Integer> {

    /** Example predictions shown at the end and in the report. */
    static final int EXAMPLES = 5;

    @Option(
            names = "--config",
            required = true,
            paramLabel = "FILE",
            description = "Training config (.yaml, .yml or .json).")
    Path config;

    @Option(
            names = "--output",
            required = true,
            paramLabel = "DIR",
            description = "Output directory (model, checkpoints, metrics, report).")
    Path output;

    @Option(names = "--resume", description = "Continue the run in --output from its last checkpoint.")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        TrainConfig cfg = TrainConfig.load(config);
        List<Dataset> data = Dataset.readAll(cfg);
        List<TaskConfig> tasks = Dataset.resolveTasks(cfg, data);
        for (Dataset d : data) {
            System.err.printf(
                    "dataset %s: %d train, %d dev, %d test; feeds %s%n",
                    d.name(),
                    d.train().size(),
                    d.dev().size(),
                    d.test().size(),
                    d.feeds().keySet());
        }
        for (TaskConfig t : tasks) {
            System.err.println(taskLine(t));
        }
        Trainer trainer = new Trainer(cfg, data, tasks, output, msg -> System.err.println("mtl train: " + msg));
        Trainer.Result r = trainer.run(resume, new BarProgress(System.console() != null));
        double wall = (System.nanoTime() - t0) / 1e9;

        List<ReportInfo.Prediction> examples = new ArrayList<>();
        try (MultiTaskModel m = MultiTaskModel.load(r.modelDir())) {
            List<String> texts = exampleTexts(data);
            Map<String, Map<String, Double>> flatTest = new LinkedHashMap<>();
            r.test()
                    .forEach((ds, tasksOf) ->
                            tasksOf.forEach((t, v) -> flatTest.put(r.test().size() > 1 ? ds + "/" + t : t, v)));
            System.out.println();
            if (!flatTest.isEmpty()) {
                System.out.println("test metrics of the final model:");
                flatTest.forEach((task, metrics) -> System.out.println(metricsLine(task, metrics)));
            }
            // Tasks without a test split (an STS-B dev set, say) show their dev scores.
            Map<String, Map<String, Double>> devOnly = new LinkedHashMap<>();
            r.bestDev().forEach((task, metrics) -> {
                if (!flatTest.containsKey(task)) {
                    devOnly.put(task, metrics);
                }
            });
            if (!devOnly.isEmpty()) {
                System.out.println("dev metrics of the final model:");
                devOnly.forEach((task, metrics) -> System.out.println(metricsLine(task, metrics)));
            }
            if (r.reference().containsKey("final")) {
                System.out.println(referenceLine(r.reference()));
            }
            Set<Output> heads = EnumSet.noneOf(Output.class);
            m.availableOutputs().stream().filter(o -> o != Output.EMBEDDING).forEach(heads::add);
            if (!heads.isEmpty()) {
                System.out.println("example predictions:");
                for (Prediction p : m.predict(texts, heads)) {
                    String rendered = render(p);
                    System.out.println("  " + p.text() + "\n    → " + rendered);
                    examples.add(new ReportInfo.Prediction(p.text(), rendered));
                }
            }
            TrainingReport.write(
                    output.resolve("metrics.jsonl"),
                    output,
                    new ReportInfo(
                            "mtl train: " + config.getFileName(), Files.readString(config), wall, flatTest, examples));
        }
        System.out.printf(
                Locale.ROOT,
                "%nmodel: %s%nreport: %s%ntrained %d steps in %.0f s (wall time %.0f s)%n",
                r.modelDir(),
                output.resolve("report.html"),
                r.steps(),
                r.seconds(),
                wall);
        return 0;
    }

    /** "task sts (embedding, cosent)": kind, and the loss of an embedding task; labels where the task has them. */
    static String taskLine(TaskConfig t) {
        String detail = t.kind() == TaskConfig.Kind.EMBEDDING
                ? ", " + t.loss().key()
                : t.crf() ? ", crf" : t.multiLabel() ? ", multi-label" : "";
        boolean labelled =
                t.kind() != TaskConfig.Kind.EMBEDDING || t.loss().data() == EmbeddingLoss.Data.LABELLED_TEXTS;
        return "task " + t.name() + " (" + t.kind().name().toLowerCase(Locale.ROOT) + detail + ")"
                + (labelled ? ": " + t.labels().size() + " labels" : "");
    }

    /** The reference pairs' Spearman now, and at the start when the run measured it (not after a resume that added them). */
    static String referenceLine(Map<String, Map<String, Double>> reference) {
        Map<String, Double> start = reference.get("start");
        return String.format(
                Locale.ROOT,
                "embedding on the reference pairs (Spearman): %s%.2f now%s",
                start == null ? "" : String.format(Locale.ROOT, "%.2f at the start, ", 100 * start.get("spearman")),
                100 * reference.get("final").get("spearman"),
                start == null ? " (the start was not measured)" : "");
    }

    /** Counts that sit beside the scores in a task's metrics; shown as they are, not as percentages. */
    private static final Set<String> COUNTS = Set.of("pairs", "texts", "queries", "pool");

    /** "  task: metric 98.29 …", scores as percentages, counts as whole numbers. */
    static String metricsLine(String task, Map<String, Double> metrics) {
        StringBuilder sb = new StringBuilder("  " + task + ":");
        metrics.forEach((k, v) -> sb.append(
                COUNTS.contains(k)
                        ? String.format(Locale.ROOT, " %s %d", k, v.longValue())
                        : String.format(Locale.ROOT, " %s %.2f", k, 100 * v)));
        return sb.toString();
    }

    /** A few texts from the first test (else dev) split, spread over it. */
    static List<String> exampleTexts(List<Dataset> data) {
        for (Dataset d : data) {
            List<Example> pool = !d.test().isEmpty() ? d.test() : d.dev();
            if (!pool.isEmpty()) {
                List<String> out = new ArrayList<>();
                for (int i = 0; i < EXAMPLES && i < pool.size(); i++) {
                    out.add(pool.get(i * pool.size() / EXAMPLES).text());
                }
                return out;
            }
        }
        return List.of();
    }

    static String render(Prediction p) {
        List<String> parts = new ArrayList<>();
        if (p.classification() != null) {
            p.classification()
                    .forEach((t, c) -> parts.add(String.format(
                            Locale.ROOT,
                            "%s=%s (%.2f)",
                            t,
                            String.join("+", c.labels()),
                            c.scores().get(c.label()))));
        }
        if (p.ner() != null) {
            p.ner().forEach((t, r) -> {
                List<String> ents = new ArrayList<>();
                r.entities().forEach(e -> ents.add(e.label() + ": \"" + e.text() + "\""));
                parts.add(t + "=[" + String.join(", ", ents) + "]");
            });
        }
        return String.join("  ", parts);
    }

    /** A progress bar with ETA, per-task loss and tokens/s on a terminal; a line per 10% otherwise. */
    static final class BarProgress implements TrainingProgress {
        private final boolean terminal;
        private ProgressBar bar;
        private long total;
        private long lastPrinted = -1;

        BarProgress(boolean terminal) {
            this.terminal = terminal;
        }

        @Override
        public void start(long totalSteps, long startStep) {
            total = totalSteps;
            if (terminal) {
                bar = new me.tongfei.progressbar.ProgressBarBuilder()
                        .setTaskName("train")
                        .setInitialMax(totalSteps)
                        .setStyle(me.tongfei.progressbar.ProgressBarStyle.ASCII)
                        .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                        .setUnit(" steps", 1)
                        .showSpeed()
                        .startsFrom(startStep, java.time.Duration.ZERO)
                        .build();
            }
        }

        @Override
        public void step(long step, Map<String, Double> losses, double tokensPerSecond) {
            StringBuilder sb = new StringBuilder();
            losses.forEach((t, v) -> {
                if (!t.equals("total")) {
                    sb.append(String.format(Locale.ROOT, "%s %.3f ", t, v));
                }
            });
            sb.append(String.format(Locale.ROOT, "| %.0f tok/s", tokensPerSecond));
            if (bar != null) {
                bar.stepTo(step);
                bar.setExtraMessage(sb.toString());
            } else if (step * 10 / Math.max(1, total) != lastPrinted) {
                lastPrinted = step * 10 / Math.max(1, total);
                System.err.printf("step %d/%d  %s%n", step, total, sb);
            }
        }

        @Override
        public void evaluated(long step, Map<String, Map<String, Double>> dev, double score) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "dev @ step %d:", step));
            dev.forEach((task, m) -> m.forEach((k, v) -> {
                if (!k.equals("precision") && !k.equals("recall") && !COUNTS.contains(k)) {
                    sb.append(String.format(Locale.ROOT, " %s.%s %.2f", task, k, 100 * v));
                }
            }));
            if (Double.isFinite(score)) {
                sb.append(String.format(Locale.ROOT, "  (score %.4f)", score));
            }
            if (bar != null) {
                System.err.println();
            }
            System.err.println(sb);
        }

        @Override
        public void finish() {
            if (bar != null) {
                bar.close();
            }
        }
    }
}
