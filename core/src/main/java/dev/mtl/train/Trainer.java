package dev.mtl.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.Backbone;
import dev.mtl.InferenceOptions;
import dev.mtl.MultiTaskModel;
import dev.mtl.config.TaskConfig;
import dev.mtl.data.Example;
import dev.mtl.heads.ClassificationHead;
import dev.mtl.heads.TokenClassificationHead;
import dev.mtl.model.Dropouts;
import dev.mtl.model.HfModule;
import dev.mtl.model.Scalars;
import dev.mtl.tokenize.Alignment;
import dev.mtl.tokenize.PaddedBatch;
import dev.mtl.weights.SafeTensors;
import dev.mtl.weights.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Joint fine-tuning of the shared encoder and all heads. Each step draws a dataset (task sampling),
 * takes its next batch, runs the encoder once, adds the weighted losses of the tasks that dataset
 * feeds, and back-propagates; AdamW updates after {@code grad_accum} such micro-batches.
 *
 * <p>The output directory holds: {@code metrics.jsonl} (a line per logged step and per evaluation),
 * {@code checkpoints/step-N/} (model, optimizer moments, {@link TrainerState}; written to a temporary
 * directory and renamed, the last two kept), {@code best/} (the model with the best dev score),
 * {@code model/} (the final model: best if there was a dev set, else last), test metrics and CoNLL
 * prediction files, and the report. A run killed at any point resumes from its last checkpoint with
 * {@code resume = true}; the data order, the task choices and the dropout masks after the checkpoint
 * are the same as in an uninterrupted run.
 */
public final class Trainer {

    /** Loss and speed are logged to metrics.jsonl every this many optimizer steps. */
    public static final int LOG_EVERY = 10;
    /** Checkpoints kept besides best/. */
    public static final int KEEP_CHECKPOINTS = 2;
    /** The word-embedding table's key: {@code optimizer.lazy_embeddings} applies to it alone. */
    static final String WORD_EMBEDDINGS = "embeddings.word_embeddings.weight";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a finished run reports. */
    public record Result(
            Path modelDir,
            long steps,
            double seconds,
            Map<String, Map<String, Double>> bestDev,
            Map<String, Map<String, Map<String, Double>>> test,
            double bestScore) {}

    /** A loaded dataset: its examples per split and the tasks it feeds. */
    public record Dataset(
            String name,
            List<Example> train,
            List<Example> dev,
            List<Example> test,
            Map<String, InstanceEncoder.Field> feeds) {}

    private final TrainConfig cfg;
    private final List<Dataset> datasets;
    private final List<TaskConfig> tasks;
    private final Path out;
    private final Consumer<String> log;

    /**
     * @param cfg the settings
     * @param datasets the examples, read by {@link #readDatasets}
     * @param tasks the heads, labels resolved ({@link #resolveTasks})
     */
    public Trainer(
            TrainConfig cfg, List<Dataset> datasets, List<TaskConfig> tasks, Path outputDir, Consumer<String> log) {
        this.cfg = cfg;
        this.datasets = List.copyOf(datasets);
        this.tasks = List.copyOf(tasks);
        this.out = outputDir;
        this.log = log;
    }

    /** Reads every dataset of the config (train, and dev/test where given). */
    public static List<Dataset> readDatasets(TrainConfig cfg) throws IOException {
        List<Dataset> out = new ArrayList<>();
        for (DatasetSpec spec : cfg.datasets()) {
            Map<String, InstanceEncoder.Field> feeds = new LinkedHashMap<>();
            spec.feeds()
                    .forEach((task, field) -> feeds.put(
                            task,
                            field == DatasetSpec.Feed.LABEL
                                    ? InstanceEncoder.Field.LABEL
                                    : InstanceEncoder.Field.TAGS));
            out.add(new Dataset(
                    spec.name(),
                    spec.read(Split.TRAIN),
                    spec.path(Split.DEV).isPresent() ? spec.read(Split.DEV) : List.of(),
                    spec.path(Split.TEST).isPresent() ? spec.read(Split.TEST) : List.of(),
                    feeds));
        }
        return out;
    }

    /** The heads of the config, with labels from the config or else derived from the training data. */
    public static List<TaskConfig> resolveTasks(TrainConfig cfg, List<Dataset> datasets) {
        List<TaskConfig> out = new ArrayList<>();
        for (TaskSpec t : cfg.tasks()) {
            out.add(t.toTaskConfig(deriveLabels(t.name(), t.kind(), datasets)));
        }
        return out;
    }

    // ------------------------------------------------------------------ set-up

    private MultiTaskModel model;
    /** Test hook: throw right after this step's checkpoint, as a crash would (-1 = never). */
    long crashAfterStep = -1;

    private final List<List<Instance>> trainSets = new ArrayList<>();
    private final Map<String, NDArray> classWeights = new LinkedHashMap<>();
    private final Map<String, NDArray> uncertainty = new LinkedHashMap<>();
    private NDManager trainerManager;

    public Result run(boolean resume, TrainingProgress progress) throws IOException {
        Files.createDirectories(out);
        Path ckptRoot = out.resolve("checkpoints");
        Path latest = latestCheckpoint(ckptRoot);
        if (!resume && latest != null) {
            throw new IOException(out + ": already holds a training run (" + out.relativize(latest)
                    + "); pass --resume to continue it, or choose another output directory");
        }
        TrainerState state = null;
        // Seed before the heads are initialised, so the same config gives the same run.
        Engine.getInstance().setRandomSeed((int) cfg.seed());
        if (resume && latest != null) {
            model = MultiTaskModel.load(latest.resolve("model"));
            state = JSON.readValue(latest.resolve("trainer.json").toFile(), TrainerState.class);
            log.accept("resuming from " + out.relativize(latest) + " (step " + state.step() + ")");
        } else {
            Backbone b = cfg.defaultBackbone()
                    ? Backbone.loadDefault()
                    : MultiTaskModel.load(Path.of(cfg.backbone())).backbone();
            model = MultiTaskModel.create(b, cfg.embedding(), tasks, cfg.maxLength());
            Files.deleteIfExists(out.resolve("metrics.jsonl"));
        }
        try (NDManager tm = model.backbone().manager().newSubManager()) {
            trainerManager = tm;
            return loop(state, progress);
        } finally {
            model.close();
        }
    }

    private Result loop(TrainerState resumed, TrainingProgress progress) throws IOException {
        InstanceEncoder encoder = new InstanceEncoder(model.backbone().tokenizer(), cfg.maxLength());
        long[] sizes = new long[datasets.size()];
        for (int d = 0; d < datasets.size(); d++) {
            Dataset ds = datasets.get(d);
            List<Instance> inst = encoder.encode(ds.train(), ds.feeds(), model.tasks());
            trainSets.add(inst);
            sizes[d] = inst.size();
        }
        if (encoder.truncatedCount() > 0) {
            log.accept(encoder.truncatedCount() + " training examples were longer than max_length " + cfg.maxLength()
                    + " tokens and were truncated");
        }
        if ((cfg.loss().classWeights() == LossConfig.ClassWeights.BALANCED)) {
            computeClassWeights();
        }
        for (TaskConfig t : tasks) {
            if (cfg.loss().uncertainty()) {
                float s0 = resumed != null && resumed.uncertainty() != null
                        ? resumed.uncertainty().getOrDefault(t.name(), 0f)
                        : 0f;
                NDArray s = trainerManager.create(new float[] {s0});
                s.setRequiresGradient(true);
                uncertainty.put(t.name(), s);
            }
        }
        TaskSampler sampler =
                new TaskSampler(cfg.sampling().strategy(), cfg.sampling().temperature(), sizes, cfg.seed());
        long batchesPerEpoch = 0;
        for (long n : sizes) {
            batchesPerEpoch += (n + cfg.batchSize() - 1) / cfg.batchSize();
        }
        long stepsPerEpoch = Math.max(1, batchesPerEpoch / cfg.optimizer().gradAccum());
        long totalSteps = stepsPerEpoch * cfg.epochs();
        long warmup = Math.round(cfg.schedule().warmupRatio() * totalSteps);
        int evalEvery = !cfg.eval().every().atEpochEnd() ? cfg.eval().every().steps() : (int) stepsPerEpoch;
        int ckptEvery = cfg.checkpoint().every() > 0 ? cfg.checkpoint().every() : evalEvery;

        long step = resumed == null ? 0 : resumed.step();
        long micro = resumed == null ? 0 : resumed.microBatch();
        int n = datasets.size();
        int[] dsEpoch = new int[n];
        int[] dsPos = new int[n];
        double bestScore = Double.NEGATIVE_INFINITY;
        long bestStep = -1;
        int sinceBest = 0;
        double elapsedBefore = 0;
        if (resumed != null) {
            for (int d = 0; d < n; d++) {
                dsEpoch[d] = resumed.datasetEpoch().get(d);
                dsPos[d] = resumed.datasetPosition().get(d);
            }
            bestScore = resumed.bestScore();
            bestStep = resumed.bestStep();
            sinceBest = resumed.evalsWithoutImprovement();
            elapsedBefore = resumed.elapsedSeconds();
            truncateMetrics(step);
        }
        List<int[]> orders = new ArrayList<>();
        for (int d = 0; d < n; d++) {
            orders.add(batchOrder(trainSets.get(d), cfg.batchSize(), cfg.seed(), d, dsEpoch[d]));
        }

        try (AdamW opt = new AdamW(
                trainerManager,
                (float) cfg.optimizer().beta1(),
                (float) cfg.optimizer().beta2(),
                (float) cfg.optimizer().eps())) {
            if (resumed != null) {
                restoreOptimizer(opt, latestCheckpoint(out.resolve("checkpoints")), resumed.step());
            }
            Map<String, HfModule.Slot> slots = model.parameters().slots();
            long startNanos = System.nanoTime();
            Map<String, double[]> lossSums = new LinkedHashMap<>(); // task → {sum, count}
            long[] phaseNanos = new long[3]; // forward, backward, optimizer, since the last log line
            long tokens = 0;
            long windowStart = System.nanoTime();
            int epochOfFreeze = -1;
            List<AdamW.Group> groups = null;
            progress.start(totalSteps, step);
            model.backbone().model().embeddings().trackWordRows(cfg.optimizer().lazyEmbeddings());
            while (step < totalSteps) {
                int epoch = (int) (step / stepsPerEpoch);
                if (epoch != epochOfFreeze) {
                    groups = applyFreezing(slots, epoch);
                    epochOfFreeze = epoch;
                }
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    for (int a = 0; a < cfg.optimizer().gradAccum(); a++) {
                        int d = sampler.datasetForStep(micro);
                        List<Instance> set = trainSets.get(d);
                        int from = dsPos[d];
                        int to = Math.min(set.size(), from + cfg.batchSize());
                        List<Instance> batch = new ArrayList<>(to - from);
                        for (int i = from; i < to; i++) {
                            batch.add(set.get(orders.get(d)[i]));
                        }
                        dsPos[d] = to;
                        if (to >= set.size()) {
                            dsEpoch[d]++;
                            dsPos[d] = 0;
                            orders.set(d, batchOrder(set, cfg.batchSize(), cfg.seed(), d, dsEpoch[d]));
                        }
                        // Dropout masks depend only on (seed, micro-batch): a resumed run draws the same ones.
                        Engine.getInstance().setRandomSeed((int) (cfg.seed() * 1_000_003L + micro));
                        Dropouts.reseed(cfg.seed() * 1_000_003L + micro);
                        try (NDManager bm = trainerManager.newSubManager()) {
                            Map<String, Float> losses = new LinkedHashMap<>();
                            long t0 = System.nanoTime();
                            NDArray loss = batchLoss(bm, batch, datasets.get(d).feeds(), losses);
                            checkFinite(losses, step + 1, datasets.get(d).name());
                            long t1 = System.nanoTime();
                            gc.backward(
                                    loss.div(Scalars.like(loss, cfg.optimizer().gradAccum())));
                            phaseNanos[0] += t1 - t0;
                            phaseNanos[1] += System.nanoTime() - t1;
                            losses.forEach((t, v) -> {
                                double[] s = lossSums.computeIfAbsent(t, k -> new double[2]);
                                s[0] += v;
                                s[1]++;
                            });
                            for (Instance in : batch) {
                                tokens += in.ids().length;
                            }
                        }
                        micro++;
                    }
                }
                float lr = (float)
                        (cfg.optimizer().lr() * Schedule.factor(cfg.schedule().kind(), step, totalSteps, warmup));
                // Lazy word-embedding rows: the optimizer visits the rows the step looked up.
                java.util.BitSet wordRows =
                        model.backbone().model().embeddings().drainWordRows();
                List<AdamW.Group> all = new ArrayList<>(groups.size() + uncertainty.size());
                for (AdamW.Group g : groups) {
                    all.add(
                            g.lazyRows()
                                    ? new AdamW.Group(g.key(), g.weight(), g.lrScale(), g.weightDecay(), true, wordRows)
                                    : g);
                }
                for (var e : uncertainty.entrySet()) {
                    all.add(new AdamW.Group(
                            "uncertainty." + e.getKey(),
                            e.getValue(),
                            (float) (cfg.optimizer().headLr() / cfg.optimizer().lr()),
                            0f));
                }
                long t2 = System.nanoTime();
                double gradNorm = opt.step(all, lr, (float) cfg.optimizer().clipNorm());
                if (!Double.isFinite(gradNorm)) { // AdamW left the weights as they were
                    throw new IllegalStateException("training diverged at step " + (step + 1)
                            + ": the gradient norm is " + gradNorm + " (the losses were finite)" + DIVERGED);
                }
                phaseNanos[2] += System.nanoTime() - t2;
                step++;
                double seconds = elapsedBefore + (System.nanoTime() - startNanos) / 1e9;
                progress.step(
                        step, lossMeans(lossSums), tokens / Math.max(1e-9, (System.nanoTime() - windowStart) / 1e9));
                if (step % LOG_EVERY == 0 || step == totalSteps) {
                    double window = (System.nanoTime() - windowStart) / 1e9;
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("type", "train");
                    line.put("step", step);
                    line.put("epoch", (double) step / stepsPerEpoch);
                    line.put("time_s", seconds);
                    line.put("lr", lr);
                    line.put("loss", lossMeans(lossSums));
                    line.put("tokens_per_s", tokens / window);
                    // Where a step's time goes (ms per optimizer step): forward + losses, backward, AdamW.
                    long stepsInWindow = step % LOG_EVERY == 0 ? LOG_EVERY : step % LOG_EVERY;
                    line.put("steps_per_s", stepsInWindow / window);
                    line.put("ms_forward", phaseNanos[0] / 1e6 / stepsInWindow);
                    line.put("ms_backward", phaseNanos[1] / 1e6 / stepsInWindow);
                    line.put("ms_optimizer", phaseNanos[2] / 1e6 / stepsInWindow);
                    java.util.Arrays.fill(phaseNanos, 0);
                    appendMetrics(line);
                    lossSums.clear();
                    tokens = 0;
                    windowStart = System.nanoTime();
                }
                boolean evalNow = step % evalEvery == 0 || step == totalSteps;
                boolean stop = false;
                if (evalNow && hasDev()) {
                    Map<String, Map<String, Double>> dev = evaluateDev();
                    double score = score(dev);
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("type", "eval");
                    line.put("step", step);
                    line.put("epoch", (double) step / stepsPerEpoch);
                    line.put("split", "dev");
                    line.put("metrics", dev);
                    line.put("score", score);
                    appendMetrics(line);
                    progress.evaluated(step, dev, score);
                    if (score > bestScore) {
                        bestScore = score;
                        bestStep = step;
                        sinceBest = 0;
                        model.save(out.resolve("best"));
                    } else {
                        sinceBest++;
                        stop = cfg.eval().patience() > 0
                                && sinceBest >= cfg.eval().patience();
                    }
                }
                if (step % ckptEvery == 0 || evalNow || stop) {
                    double seconds2 = elapsedBefore + (System.nanoTime() - startNanos) / 1e9;
                    Map<String, Float> unc = new LinkedHashMap<>();
                    uncertainty.forEach((k, v) -> unc.put(k, v.getFloat(0)));
                    saveCheckpoint(
                            opt,
                            new TrainerState(
                                    step,
                                    micro,
                                    toList(dsEpoch),
                                    toList(dsPos),
                                    bestScore,
                                    bestStep,
                                    sinceBest,
                                    unc,
                                    seconds2));
                }
                if (step == crashAfterStep) {
                    throw new IllegalStateException("simulated crash after step " + step);
                }
                if (stop) {
                    log.accept("early stopping at step " + step + ": no dev improvement in "
                            + cfg.eval().patience() + " evaluations (best at step " + bestStep + ")");
                    break;
                }
            }
            progress.finish();
            double seconds = elapsedBefore + (System.nanoTime() - startNanos) / 1e9;
            return finish(step, seconds, bestScore);
        }
    }

    // ------------------------------------------------------------------ one batch

    /** The end of both divergence messages. */
    private static final String DIVERGED =
            "; the checkpoints already written are kept; try a lower optimizer.lr or optimizer.head_lr";

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

    /** Encoder once, then the loss of every task this dataset feeds; records each task's value. */
    private NDArray batchLoss(
            NDManager bm, List<Instance> batch, Map<String, InstanceEncoder.Field> feeds, Map<String, Float> values) {
        List<long[]> seqs = new ArrayList<>(batch.size());
        batch.forEach(i -> seqs.add(i.ids()));
        PaddedBatch p = PaddedBatch.of(seqs, model.backbone().tokenizer().padId());
        Shape shape = new Shape(p.batchSize(), p.length());
        NDArray mask = bm.create(p.mask(), shape);
        NDArray hidden =
                model.backbone().model().apply(bm.create(p.ids(), shape), bm.create(p.typeIds(), shape), mask, true);
        NDArray pooled = null;
        NDArray total = null;
        for (var feed : feeds.entrySet()) {
            String task = feed.getKey();
            TaskConfig taskCfg = model.tasks().get(task);
            NDArray loss;
            if (feed.getValue() == InstanceEncoder.Field.LABEL) {
                if (pooled == null) {
                    pooled = model.embeddingHead().pool(hidden, mask); // (B, H)
                }
                ClassificationHead head = model.classifiers().get(task);
                NDArray logits = head.apply(pooled, true); // (B, L)
                if (taskCfg.multiLabel()) {
                    float[] hot = new float[batch.size() * taskCfg.labels().size()];
                    for (int i = 0; i < batch.size(); i++) {
                        System.arraycopy(
                                batch.get(i).multiHot().get(task),
                                0,
                                hot,
                                i * taskCfg.labels().size(),
                                taskCfg.labels().size());
                    }
                    loss = LossFunctions.binaryCrossEntropy(
                            logits,
                            bm.create(
                                    hot,
                                    new Shape(batch.size(), taskCfg.labels().size())));
                } else {
                    long[] y = new long[batch.size()];
                    for (int i = 0; i < batch.size(); i++) {
                        y[i] = batch.get(i).classLabels().get(task);
                    }
                    NDArray w = classWeights.get(task);
                    loss = LossFunctions.crossEntropy(logits, bm.create(y), w == null ? null : w.duplicate());
                }
            } else {
                TokenClassificationHead head = model.taggers().get(task);
                NDArray emissions = head.apply(hidden, true); // (B, T, L)
                loss = head.crf() == null
                        ? tokenLoss(bm, batch, task, p, emissions)
                        : crfLoss(bm, batch, task, emissions);
            }
            values.put(task, loss.getFloat());
            NDArray weighted;
            NDArray s = uncertainty.get(task);
            if (s != null) {
                // Kendall et al. (2018): exp(−s)·L + s, with s = log σ² learned per task.
                weighted = loss.mul(s.neg().exp().squeeze()).add(s.squeeze());
            } else {
                weighted = loss.mul(Scalars.like(loss, cfg.loss().weight(task)));
            }
            total = total == null ? weighted : total.add(weighted);
        }
        return total;
    }

    private static NDArray tokenLoss(
            NDManager bm, List<Instance> batch, String task, PaddedBatch p, NDArray emissions) {
        long[] labels = new long[p.batchSize() * p.length()];
        Arrays.fill(labels, Alignment.IGNORE);
        for (int i = 0; i < batch.size(); i++) {
            int[] l = batch.get(i).tokenLabels().get(task);
            for (int t = 0; t < l.length; t++) {
                labels[i * p.length() + t] = l[t];
            }
        }
        return LossFunctions.tokenCrossEntropy(emissions, bm.create(labels, new Shape(p.batchSize(), p.length())));
    }

    /** CRF negative log-likelihood over each sentence's first sub-tokens (its words), compacted. */
    private NDArray crfLoss(NDManager bm, List<Instance> batch, String task, NDArray emissions) {
        int b = batch.size();
        List<int[]> positions = new ArrayList<>(b);
        List<int[]> tags = new ArrayList<>(b);
        int w = 1;
        for (Instance in : batch) {
            int[] l = in.tokenLabels().get(task);
            int count = 0;
            for (int v : l) {
                if (v >= 0) {
                    count++;
                }
            }
            int[] pos = new int[count];
            int[] tag = new int[count];
            int k = 0;
            for (int t = 0; t < l.length; t++) {
                if (l[t] >= 0) {
                    pos[k] = t;
                    tag[k++] = l[t];
                }
            }
            positions.add(pos);
            tags.add(tag);
            w = Math.max(w, count);
        }
        long labelsCount = emissions.getShape().get(2);
        long[] index = new long[b * w];
        long[] tagArr = new long[b * w];
        long[] maskArr = new long[b * w];
        float[] rowValid = new float[b];
        for (int i = 0; i < b; i++) {
            int[] pos = positions.get(i);
            for (int k = 0; k < pos.length; k++) {
                index[i * w + k] = pos[k];
                tagArr[i * w + k] = tags.get(i)[k];
                maskArr[i * w + k] = 1;
            }
            rowValid[i] = pos.length > 0 ? 1 : 0;
            maskArr[i * w] = 1; // the CRF needs length >= 1; an empty row is zero-weighted below
        }
        NDArray idx = bm.create(index, new Shape(b, w, 1)).broadcast(new Shape(b, w, labelsCount)); // (B, W, L)
        NDArray words = emissions.gather(idx, 1); // (B, W, L)
        NDArray ll = model.taggers()
                .get(task)
                .crf()
                .logLikelihood(words, bm.create(tagArr, new Shape(b, w)), bm.create(maskArr, new Shape(b, w))); // (B)
        NDArray valid = bm.create(rowValid);
        NDArray nll = ll.mul(valid).sum().neg();
        return nll.div(Scalars.like(nll, Math.max(1f, sum(rowValid))));
    }

    private static float sum(float[] v) {
        float s = 0;
        for (float x : v) {
            s += x;
        }
        return s;
    }

    // ------------------------------------------------------------------ freezing and parameter groups

    /**
     * Marks parameters trainable or frozen for this epoch and returns the trainable ones with their
     * learning-rate scale (heads: head_lr/lr; encoder layer i of L: layer_decay^(L−i); embeddings:
     * layer_decay^(L+1)) and weight decay (none on biases and LayerNorm weights).
     */
    List<AdamW.Group> applyFreezing(Map<String, HfModule.Slot> slots, int epoch) {
        int layers = model.backbone().config().numHiddenLayers();
        List<AdamW.Group> groups = new ArrayList<>();
        for (var e : slots.entrySet()) {
            String key = e.getKey();
            NDArray w = e.getValue().parameter().getArray();
            boolean trainable = !frozen(key, layers, epoch);
            w.setRequiresGradient(trainable);
            if (!trainable) {
                continue;
            }
            float scale;
            if (key.startsWith(MultiTaskModel.HEADS_PREFIX) || key.startsWith(MultiTaskModel.EMBEDDING_PREFIX)) {
                scale = (float) (cfg.optimizer().headLr() / cfg.optimizer().lr());
            } else if (key.startsWith("encoder.layer.")) {
                int i = Integer.parseInt(
                        key.substring("encoder.layer.".length(), key.indexOf('.', "encoder.layer.".length())));
                scale = (float) Math.pow(cfg.optimizer().layerDecay(), layers - i);
            } else {
                scale = (float) Math.pow(cfg.optimizer().layerDecay(), layers + 1);
            }
            boolean noDecay = key.endsWith(".bias") || key.contains("LayerNorm") || key.contains("crf.");
            boolean lazy = cfg.optimizer().lazyEmbeddings() && key.equals(WORD_EMBEDDINGS);
            groups.add(new AdamW.Group(
                    key, w, scale, noDecay ? 0f : (float) cfg.optimizer().weightDecay(), lazy));
        }
        return groups;
    }

    /** Whether {@code key} is frozen in {@code epoch} under the plan's freezing settings. */
    boolean frozen(String key, int layers, int epoch) {
        if (key.startsWith(MultiTaskModel.HEADS_PREFIX)) {
            String task = key.substring(
                    MultiTaskModel.HEADS_PREFIX.length(), key.indexOf('.', MultiTaskModel.HEADS_PREFIX.length()));
            return cfg.freeze().heads().contains(task);
        }
        if (key.startsWith(MultiTaskModel.EMBEDDING_PREFIX)) {
            return false;
        }
        if (cfg.freeze().encoder()) {
            return true;
        }
        int layer = key.startsWith("encoder.layer.")
                ? Integer.parseInt(
                        key.substring("encoder.layer.".length(), key.indexOf('.', "encoder.layer.".length())))
                : -1; // embeddings
        if (cfg.freeze().gradualUnfreeze()) {
            // ULMFiT: epoch 0 trains the heads and the top layer, each later epoch one more layer down.
            int lowestTrainable = layers - 1 - epoch;
            if (layer < lowestTrainable) {
                return true;
            }
        }
        if (layer < 0) {
            return cfg.freeze().embeddings() || cfg.freeze().layers() > 0;
        }
        return layer < cfg.freeze().layers();
    }

    // ------------------------------------------------------------------ evaluation, checkpoints, end

    private boolean hasDev() {
        return datasets.stream().anyMatch(d -> !d.dev().isEmpty());
    }

    private Map<String, Map<String, Double>> evaluateDev() throws IOException {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        InferenceOptions options = model.defaultOptions();
        for (Dataset d : datasets) {
            if (d.dev().isEmpty()) {
                continue;
            }
            Evaluator.Scores s = Evaluator.evaluate(model, d.dev(), d.feeds(), options, null, d.name());
            s.flat()
                    .forEach((task, m) ->
                            out.put(datasets.size() > 1 && taskFedTwice(task) ? d.name() + "/" + task : task, m));
        }
        return out;
    }

    private boolean taskFedTwice(String task) {
        return datasets.stream()
                        .filter(d -> d.feeds().containsKey(task) && !d.dev().isEmpty())
                        .count()
                > 1;
    }

    /** The early-stopping score: one task's metric, or the mean of every task's main metric. */
    double score(Map<String, Map<String, Double>> dev) {
        EvalConfig.Metric metric = cfg.eval().metric();
        if (metric == null || metric.isMean()) {
            double sum = 0;
            int n = 0;
            for (var e : dev.entrySet()) {
                String task = e.getKey().contains("/")
                        ? e.getKey().substring(e.getKey().indexOf('/') + 1)
                        : e.getKey();
                sum += e.getValue()
                        .get(Evaluator.mainMetric(model.tasks().get(task).kind()));
                n++;
            }
            return n == 0 ? 0 : sum / n;
        }
        Map<String, Double> m = dev.get(metric.task());
        return m == null
                ? Double.NEGATIVE_INFINITY
                : m.getOrDefault(metric.measure().key(), Double.NEGATIVE_INFINITY);
    }

    private Result finish(long steps, double seconds, double bestScore) throws IOException {
        Path best = out.resolve("best");
        Path finalDir = out.resolve("model");
        if (hasDev() && Files.isDirectory(best)) {
            model.close();
            model = MultiTaskModel.load(best);
            log.accept("final model: the best on dev (score " + String.format("%.4f", bestScore) + ")");
        }
        model.save(finalDir);
        Map<String, Map<String, Double>> bestDev = hasDev() ? evaluateDev() : Map.of();
        Map<String, Map<String, Map<String, Double>>> test = new LinkedHashMap<>();
        Map<String, Object> testJson = new LinkedHashMap<>();
        for (Dataset d : datasets) {
            if (d.test().isEmpty()) {
                continue;
            }
            Evaluator.Scores s = Evaluator.evaluate(
                    model, d.test(), d.feeds(), model.defaultOptions(), out.resolve("predictions"), d.name() + ".test");
            test.put(d.name(), s.flat());
            Map<String, Object> full = new LinkedHashMap<>();
            s.classification().forEach((t, r) -> full.put(t, r.toMap()));
            s.ner().forEach((t, r) -> full.put(t, r.toMap()));
            testJson.put(d.name(), full);
        }
        writeAtomically(
                out.resolve("test_metrics.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(testJson));
        return new Result(finalDir, steps, seconds, bestDev, test, bestScore);
    }

    private void saveCheckpoint(AdamW opt, TrainerState state) throws IOException {
        Path root = out.resolve("checkpoints");
        Files.createDirectories(root);
        Path temp = Files.createTempDirectory(root, ".step-" + state.step() + ".tmp-");
        try {
            model.save(temp.resolve("model"));
            Map<String, Tensor> moments = new LinkedHashMap<>();
            opt.stateArrays()
                    .forEach((k, a) -> moments.put(k, new Tensor(k, a.getShape().getShape(), a.toFloatArray())));
            SafeTensors.write(
                    temp.resolve("optimizer.safetensors"), moments, Map.of("steps", String.valueOf(opt.steps())));
            Files.write(
                    temp.resolve("trainer.json"),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
            Path target = root.resolve(String.format("step-%08d", state.step()));
            if (Files.exists(target)) {
                deleteRecursively(target);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(temp);
            throw e;
        }
        List<Path> all = checkpoints(root);
        for (int i = 0; i < all.size() - KEEP_CHECKPOINTS; i++) {
            deleteRecursively(all.get(i));
        }
    }

    private void restoreOptimizer(AdamW opt, Path checkpoint, long step) throws IOException {
        Map<String, Tensor> t = SafeTensors.read(checkpoint.resolve("optimizer.safetensors"));
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        t.forEach((k, v) -> {
            values.put(k, v.data());
            shapes.put(k, v.shape());
        });
        opt.restore(values, shapes, step);
    }

    /** The newest complete checkpoint (incomplete ones are temporary directories, never matched). */
    static Path latestCheckpoint(Path root) throws IOException {
        List<Path> all = checkpoints(root);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    private static List<Path> checkpoints(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d{8}"))
                    .filter(p -> Files.isRegularFile(p.resolve("trainer.json")))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList();
        }
    }

    private void appendMetrics(Map<String, Object> line) throws IOException {
        Files.write(
                out.resolve("metrics.jsonl"),
                (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /** On resume: drop metrics lines written after the checkpoint (they will be written again). */
    private void truncateMetrics(long step) throws IOException {
        Path f = out.resolve("metrics.jsonl");
        if (!Files.exists(f)) {
            return;
        }
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                if (JSON.readTree(line).path("step").asLong() <= step) {
                    keep.add(line);
                }
            } catch (IOException e) {
                // a line cut by the kill: drop it
            }
        }
        writeAtomically(f, (String.join("\n", keep) + (keep.isEmpty() ? "" : "\n")).getBytes(StandardCharsets.UTF_8));
    }

    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName(), ".part");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }

    private void computeClassWeights() {
        for (TaskConfig t : tasks) {
            if (t.kind() != TaskConfig.Kind.CLASSIFICATION || t.multiLabel()) {
                continue;
            }
            long[] counts = new long[t.labels().size()];
            long total = 0;
            for (List<Instance> set : trainSets) {
                for (Instance in : set) {
                    Integer y = in.classLabels().get(t.name());
                    if (y != null) {
                        counts[y]++;
                        total++;
                    }
                }
            }
            float[] w = new float[counts.length];
            for (int i = 0; i < w.length; i++) {
                // scikit-learn's "balanced": n / (classes · n_c); an unseen class gets weight 0.
                w[i] = counts[i] == 0 ? 0f : (float) total / (counts.length * counts[i]);
            }
            classWeights.put(t.name(), trainerManager.create(w));
        }
    }

    private static Map<String, Double> lossMeans(Map<String, double[]> sums) {
        Map<String, Double> out = new LinkedHashMap<>();
        double total = 0;
        for (var e : sums.entrySet()) {
            double mean = e.getValue()[0] / Math.max(1, e.getValue()[1]);
            out.put(e.getKey(), mean);
            total += mean;
        }
        out.put("total", total);
        return out;
    }

    /** Examples sorted by length inside a chunk of this many batches, so batches pad little. */
    static final int BUCKET_BATCHES = 50;

    /**
     * The order in which one pass over a dataset is read, {@code batchSize} at a time: a shuffle, then
     * within chunks of {@link #BUCKET_BATCHES} batches a sort by length (so a batch pads to little more
     * than its longest member; random batches of short SNIPS utterances padded ~3× the real tokens),
     * then the batches shuffled. Deterministic in (seed, dataset, pass); a short batch, if any, is last.
     */
    static int[] batchOrder(List<Instance> set, int batchSize, long seed, int dataset, int pass) {
        Random rnd = new Random(seed * 31 + dataset * 1_000_003L + pass * 7919L);
        List<Integer> idx = new ArrayList<>(set.size());
        for (int i = 0; i < set.size(); i++) {
            idx.add(i);
        }
        Collections.shuffle(idx, rnd);
        int chunk = batchSize * BUCKET_BATCHES;
        List<List<Integer>> batches = new ArrayList<>();
        List<Integer> tail = List.of();
        for (int c = 0; c < idx.size(); c += chunk) {
            List<Integer> part = new ArrayList<>(idx.subList(c, Math.min(idx.size(), c + chunk)));
            part.sort(Comparator.comparingInt(i -> set.get(i).ids().length));
            for (int b = 0; b < part.size(); b += batchSize) {
                List<Integer> batch = part.subList(b, Math.min(part.size(), b + batchSize));
                if (batch.size() < batchSize) {
                    tail = batch;
                } else {
                    batches.add(batch);
                }
            }
        }
        Collections.shuffle(batches, rnd);
        int[] out = new int[set.size()];
        int k = 0;
        for (List<Integer> b : batches) {
            for (int i : b) {
                out[k++] = i;
            }
        }
        for (int i : tail) {
            out[k++] = i;
        }
        return out;
    }

    private static List<Integer> toList(int[] a) {
        return Arrays.stream(a).boxed().toList();
    }

    /** Derives a task's labels from training data when the config gives none. */
    public static List<String> deriveLabels(String task, TaskConfig.Kind kind, List<Dataset> datasets) {
        TreeSet<String> seen = new TreeSet<>();
        for (Dataset d : datasets) {
            InstanceEncoder.Field f = d.feeds().get(task);
            if (f == null) {
                continue;
            }
            for (Example e : d.train()) {
                if (f == InstanceEncoder.Field.LABEL) {
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
        if (kind == TaskConfig.Kind.CLASSIFICATION) {
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
