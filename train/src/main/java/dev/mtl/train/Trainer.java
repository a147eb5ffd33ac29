package dev.mtl.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.Backbone;
import dev.mtl.EngineKind;
import dev.mtl.MultiTaskModel;
import dev.mtl.config.Output;
import dev.mtl.config.TaskConfig;
import dev.mtl.heads.Head;
import dev.mtl.io.AtomicFiles;
import dev.mtl.model.Dropouts;
import dev.mtl.model.Scalars;
import dev.mtl.tokenize.PaddedBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Joint fine-tuning of the shared encoder and all heads. Each step draws a dataset (task sampling),
 * takes its next batch, runs the model's forward pass once with the heads that dataset feeds, adds
 * their weighted losses and back-propagates; AdamW updates after {@code grad_accum} such micro-batches.
 *
 * <p>The output directory holds {@code metrics.jsonl}, {@code checkpoints/step-N/} (the last two),
 * {@code best/} (the best model on dev), {@code model/} (the final model: best if there was a dev set,
 * else last), test metrics and CoNLL prediction files. A run killed at any point resumes from its last
 * checkpoint with {@code resume = true}: the loop's whole state is the {@link TrainState} a checkpoint
 * stores, so the data order, task choices and dropout masks after it are those of an uninterrupted run.
 */
public final class Trainer {

    /** Loss and speed are logged to metrics.jsonl every this many optimizer steps. */
    public static final int LOG_EVERY = 10;

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The end of both divergence messages. */
    private static final String DIVERGED =
            "; the checkpoints already written are kept; try a lower optimizer.lr or optimizer.head_lr";

    /** What a finished run reports. */
    public record Result(
            Path modelDir,
            long steps,
            double seconds,
            Map<String, Map<String, Double>> bestDev,
            Map<String, Map<String, Map<String, Double>>> test,
            double bestScore,
            Map<String, Map<String, Double>> reference) {}

    private final TrainConfig cfg;
    private final List<Dataset> datasets;
    private final List<TaskConfig> tasks;
    private final Path out;
    private final Consumer<String> log;

    /**
     * @param datasets the examples, read by {@link Dataset#readAll}
     * @param tasks the heads, labels resolved ({@link Dataset#resolveTasks})
     */
    public Trainer(
            TrainConfig cfg, List<Dataset> datasets, List<TaskConfig> tasks, Path outputDir, Consumer<String> log) {
        this.cfg = cfg;
        this.datasets = List.copyOf(datasets);
        this.tasks = List.copyOf(tasks);
        this.out = outputDir;
        this.log = log;
    }

    public Result run(boolean resume, TrainingProgress progress) throws IOException {
        Files.createDirectories(out);
        Checkpoints checkpoints = new Checkpoints(out.resolve("checkpoints"));
        MetricsWriter metrics = new MetricsWriter(out.resolve("metrics.jsonl"));
        Path latest = checkpoints.latest();
        if (!resume && latest != null) {
            throw new IOException(out + ": already holds a training run (" + out.relativize(latest)
                    + "); pass --resume to continue it, or choose another output directory");
        }
        DevEvaluator dev = new DevEvaluator(datasets, cfg.eval()); // a bad reference file fails before the model loads
        Engine.getInstance().setRandomSeed((int) cfg.seed()); // before the heads are initialised
        MultiTaskModel model;
        TrainState state;
        Checkpoints.Resumed resumed = latest != null ? checkpoints.resume(log) : null;
        if (resumed != null) {
            model = resumed.model();
            model.useEngine(EngineKind.PYTORCH); // its parameters change from here on
            state = resumed.state();
            log.accept("resuming from " + out.relativize(resumed.path()) + " (step " + state.step() + ")");
            metrics.truncateAfter(state.step());
        } else {
            Backbone b = cfg.defaultBackbone()
                    ? Backbone.loadDefault()
                    : MultiTaskModel.load(Path.of(cfg.backbone())).backbone();
            model = MultiTaskModel.create(b, cfg.embedding(), tasks, cfg.maxLength(), taskLayers(cfg, tasks, b));
            state = TrainState.start(datasets.size());
            metrics.clear();
        }
        try (model;
                StopOnSignal signal = new StopOnSignal();
                NDManager trainer = model.backbone().manager().newSubManager();
                AdamW opt = new AdamW(
                        trainer,
                        (float) cfg.optimizer().beta1(),
                        (float) cfg.optimizer().beta2(),
                        (float) cfg.optimizer().eps())) {
            if (resumed != null) {
                Checkpoints.restoreOptimizer(opt, resumed.optimizer(), state.step());
            }
            state = loop(model, state, trainer, opt, checkpoints, metrics, dev, progress, signal);
        }
        return new FinalModel(dev, cfg, datasets, out, log).write(state);
    }

    private TrainState loop(
            MultiTaskModel model,
            TrainState state,
            NDManager trainer,
            AdamW opt,
            Checkpoints checkpoints,
            MetricsWriter metrics,
            DevEvaluator dev,
            TrainingProgress progress,
            StopOnSignal signal)
            throws IOException {
        // Setup: instances, batches, heads per dataset, loss weighting, parameter groups, schedule.
        InstanceEncoder encoder = new InstanceEncoder(model, cfg.maxLength());
        List<List<Instance>> sets = new ArrayList<>();
        List<List<Head<?, ?>>> fed = new ArrayList<>();
        Map<String, List<Instance>> distilled = new LinkedHashMap<>();
        for (Dataset d : datasets) {
            List<Instance> set = encoder.encode(d.train(), d.feeds());
            List<Head<?, ?>> heads = new ArrayList<>(
                    d.feeds().keySet().stream().<Head<?, ?>>map(model::head).toList());
            if (cfg.preserve().distill() && heads.stream().noneMatch(h -> h.output() == Output.EMBEDDING)) {
                heads.add(model.embeddingHead()); // after the tasks' heads: their dropout draws come first
                distilled.put(d.name(), set);
            }
            sets.add(set);
            fed.add(heads);
        }
        if (encoder.truncatedCount() > 0) {
            log.accept(encoder.truncatedCount() + " training texts were longer than max_length " + cfg.maxLength()
                    + " tokens and were truncated");
        }
        if (!distilled.isEmpty()) {
            Map<String, List<Instance>> withTeacher = Teacher.attach(model, distilled, out, state.step() > 0);
            for (int d = 0; d < datasets.size(); d++) {
                sets.set(d, withTeacher.getOrDefault(datasets.get(d).name(), sets.get(d)));
            }
        }
        long[] sizes = sets.stream().mapToLong(List::size).toArray();
        if (cfg.loss().classWeights() == LossConfig.ClassWeights.BALANCED) {
            LossWeighting.balanceClasses(model, sets);
        }
        LossWeighting weighting = new LossWeighting(
                cfg.loss(), tasks.stream().map(TaskConfig::name).toList(), trainer, state.uncertainty());
        Batches batches = new Batches(
                sets,
                new TaskSampler(cfg.sampling().strategy(), cfg.sampling().temperature(), sizes, cfg.seed()),
                cfg.batchSize(),
                cfg.seed());
        ParameterGroups parameters = new ParameterGroups(model, cfg.optimizer(), cfg.freeze());
        Map<String, Double> atStart = state.step() == 0 ? dev.reference(model) : null;
        if (atStart != null) {
            metrics.writeEval(0, 0, Map.of(DevEvaluator.REFERENCE, atStart), Double.NaN);
            AtomicFiles.write(out.resolve(FinalModel.REFERENCE_START), JSON.writeValueAsBytes(atStart));
            log.accept("embedding of the starting model on the reference pairs: " + FinalModel.percent(atStart));
        }
        OptimizerConfig o = cfg.optimizer();
        long stepsPerEpoch = Math.max(1, batches.batchesPerEpoch() / o.gradAccum());
        long totalSteps = stepsPerEpoch * cfg.epochs();
        long warmup = Math.round(cfg.schedule().warmupRatio() * totalSteps);
        long evalEvery = cfg.eval().every().atEpochEnd()
                ? stepsPerEpoch
                : cfg.eval().every().steps();
        long checkpointEvery = cfg.checkpoint().every() > 0 ? cfg.checkpoint().every() : evalEvery;
        float headScale = (float) (o.headLr() / o.lr());
        double elapsedBefore = state.elapsedSeconds();
        long start = System.nanoTime();
        model.backbone().model().embeddings().trackWordRows(o.lazyEmbeddings());
        progress.start(totalSteps, state.step());

        int groupsEpoch = -1;
        List<AdamW.Group> groups = List.of();
        while (state.step() < totalSteps) {
            int epoch = (int) (state.step() / stepsPerEpoch);
            if (epoch != groupsEpoch) {
                groups = parameters.forEpoch(epoch);
                groupsEpoch = epoch;
            }
            // Forward and backward over grad_accum micro-batches.
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                for (int a = 0; a < o.gradAccum(); a++) {
                    long seed = cfg.seed() * 1_000_003L + state.microBatch(); // dropout depends on (seed, batch)
                    Engine.getInstance().setRandomSeed((int) seed);
                    Dropouts.reseed(seed);
                    Batches.Draw draw = batches.next(state);
                    state = draw.state();
                    Batches.Batch batch = draw.batch();
                    try (NDManager bm = trainer.newSubManager()) {
                        long t0 = System.nanoTime();
                        Map<String, Float> losses = new LinkedHashMap<>();
                        double distillWeight = cfg.preserve().weightAt((double) state.step() / totalSteps);
                        NDArray loss =
                                loss(model, bm, batch, fed.get(batch.dataset()), weighting, distillWeight, losses);
                        checkFinite(
                                losses,
                                state.step() + 1,
                                datasets.get(batch.dataset()).name());
                        long t1 = System.nanoTime();
                        gc.backward(loss.div(Scalars.like(loss, o.gradAccum())));
                        metrics.batch(losses, batch.tokens(), t1 - t0, System.nanoTime() - t1);
                    }
                }
            }
            // The optimizer step: the schedule's rate, lazily updated embedding rows, clipping.
            float lr = (float) (o.lr() * Schedule.factor(cfg.schedule().kind(), state.step(), totalSteps, warmup));
            BitSet wordRows = model.backbone().model().embeddings().drainWordRows();
            List<AdamW.Group> step = new ArrayList<>();
            groups.forEach(g -> step.add(g.lazyRows() ? g.withRows(wordRows) : g));
            step.addAll(weighting.groups(headScale));
            long t2 = System.nanoTime();
            double gradNorm = opt.step(step, lr, (float) o.clipNorm());
            if (!Double.isFinite(gradNorm)) { // AdamW left the weights as they were
                throw new IllegalStateException("training diverged at step " + (state.step() + 1)
                        + ": the gradient norm is " + gradNorm + " (the losses were finite)" + DIVERGED);
            }
            metrics.optimizerStep(System.nanoTime() - t2);
            state = state.stepped(elapsedBefore + (System.nanoTime() - start) / 1e9, weighting.values());
            long s = state.step();
            double epochs = (double) s / stepsPerEpoch;
            // Log, evaluate, keep the best, checkpoint.
            progress.step(s, metrics.lossMeans(), metrics.tokensPerSecond());
            if (s % LOG_EVERY == 0 || s == totalSteps) {
                metrics.writeTrain(s, epochs, state.elapsedSeconds(), lr);
            }
            boolean evalNow = s % evalEvery == 0 || s == totalSteps;
            boolean stop = false;
            if (evalNow && dev.any()) {
                DevEvaluator.Result r = dev.evaluate(model);
                metrics.writeEval(s, epochs, r.metrics(), r.score());
                progress.evaluated(s, r.metrics(), r.score());
                // Reference pairs alone score nothing: only a dev split selects the best model or stops early.
                if (dev.selects()) {
                    state = state.evaluated(r.score());
                    if (state.bestStep() == s) {
                        model.save(out.resolve("best"));
                    }
                    stop = cfg.eval().patience() > 0
                            && state.evalsWithoutImprovement() >= cfg.eval().patience();
                }
            }
            if (s % checkpointEvery == 0 || evalNow || stop || signal.requested()) {
                checkpoints.save(model, opt, state);
                progress.checkpointed(s);
            }
            if (signal.requested()) {
                log.accept("stopped by a signal after step " + s + " of " + totalSteps + "; checkpoint "
                        + out.relativize(checkpoints.latest()) + " written; continue with --resume");
                throw new TrainingStopped(s);
            }
            if (stop) {
                log.accept("early stopping at step " + s + ": no dev improvement in "
                        + cfg.eval().patience() + " evaluations (best at step " + state.bestStep() + ")");
                break;
            }
        }
        progress.finish();
        return state;
    }

    /** Key of the distillation loss in the logs; no task name can contain a dot. */
    static final String DISTILL = "preserve.distill";

    /**
     * The forward pass with the heads a dataset feeds, then their weighted losses, summed. The batch's
     * rows are laid out by text: every example's first text, then every second text (pairs), and so on.
     */
    private NDArray loss(
            MultiTaskModel model,
            NDManager bm,
            Batches.Batch batch,
            List<Head<?, ?>> heads,
            LossWeighting weighting,
            double distillWeight,
            Map<String, Float> values) {
        List<Instance> in = batch.instances();
        int texts = in.get(0).sequences().size();
        boolean distill = heads.contains(model.embeddingHead());
        int distilled = distill && texts == 1 ? cfg.preserve().sampled(in.size()) : in.size();
        if (distilled < in.size()) {
            in = DistillSample.spreadFirst(in, distilled);
        }
        List<long[]> rows = new ArrayList<>(in.size() * texts);
        for (int k = 0; k < texts; k++) {
            for (Instance i : in) {
                rows.add(i.sequences().get(k));
            }
        }
        PaddedBatch padded = PaddedBatch.of(rows, model.backbone().tokenizer().padId());
        MultiTaskModel.Forward f = model.forward(
                bm, padded, heads, distilled * texts, (float) cfg.preserve().sharedPull(), true);
        NDArray total = null;
        for (Head<?, ?> h : heads) {
            NDArray weighted;
            if (h == model.embeddingHead()) {
                List<float[]> teacher = new ArrayList<>(rows.size());
                for (int k = 0; k < texts; k++) {
                    for (Instance i : in.subList(0, distilled)) {
                        teacher.add(i.teacher()[k]);
                    }
                }
                NDArray student = f.output(h);
                if (student.getShape().get(0) > teacher.size()) { // no tower: every row ran
                    student = student.get("0:" + teacher.size());
                }
                NDArray loss = model.embeddingHead().loss(student, teacher);
                values.put(DISTILL, loss.getFloat());
                weighted = loss.mul(Scalars.like(loss, distillWeight));
            } else {
                List<Object> targets =
                        in.stream().map(i -> i.targets().get(h.name())).toList();
                NDArray loss = h.lossOf(f.output(h), targets);
                values.put(h.name(), loss.getFloat());
                weighted = weighting.weigh(h.name(), loss);
            }
            total = total == null ? weighted : total.add(weighted);
        }
        return total;
    }

    /**
     * The task tower's size: {@code preserve.task_layers} when the model has classification or NER heads
     * to read it, else 0.
     */
    static int taskLayers(TrainConfig cfg, List<TaskConfig> tasks, Backbone backbone) {
        int k = cfg.preserve().taskLayers();
        int layers = backbone.config().numHiddenLayers();
        if (k > layers) {
            throw new SettingException(
                    "preserve.task_layers", "must be at most the encoder's " + layers + " layers, got " + k);
        }
        boolean taskHeads = tasks.stream()
                .anyMatch(t -> t.kind() == TaskConfig.Kind.CLASSIFICATION || t.kind() == TaskConfig.Kind.NER);
        return taskHeads ? k : 0;
    }

    /**
     * Stops the run at the first NaN or infinite task loss, naming step, dataset and task: a diverged
     * run would otherwise write NaN weights and fail much later, far from the cause.
     */
    static void checkFinite(Map<String, Float> losses, long step, String dataset) {
        losses.forEach((task, v) -> {
            if (!Float.isFinite(v)) {
                throw new IllegalStateException("training diverged at step " + step + ": the " + task
                        + " loss on dataset " + dataset + " is " + v + DIVERGED);
            }
        });
    }
}
