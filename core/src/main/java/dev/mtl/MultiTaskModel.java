package dev.mtl;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.MtlConfig;
import dev.mtl.config.Output;
import dev.mtl.config.TaskConfig;
import dev.mtl.embedding.EmbeddingHead;
import dev.mtl.embedding.Pooler;
import dev.mtl.heads.Head;
import dev.mtl.interop.ExportFormat;
import dev.mtl.interop.ModelExport;
import dev.mtl.interop.ModelParts;
import dev.mtl.interop.TrainingRecord;
import dev.mtl.model.ParameterTable;
import dev.mtl.model.TaskTower;
import dev.mtl.tokenize.Alignment;
import dev.mtl.tokenize.PaddedBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * One shared BERT encoder, the sentence-embedding head and any number of named task heads, with one
 * forward pass ({@link #forward}) that training and inference share: the encoder runs once per batch,
 * then each requested head reads what it needs (the pooled vector or every token's hidden state).
 *
 * <pre>{@code
 * try (MultiTaskModel m = MultiTaskModel.load(Path.of("runs/snips/model"))) {
 *     List<Prediction> p = m.predict(List.of("play adele on spotify"), EnumSet.allOf(Output.class));
 * }
 * }</pre>
 *
 * <p>Inputs are tokenized without a length limit; a text longer than the maximum is split into
 * overlapping windows ({@link Inference}). Not thread-safe.
 */
public final class MultiTaskModel implements AutoCloseable {

    /** Key prefixes of the heads' parameters in model.safetensors (the encoder's keys are HF's). */
    public static final String EMBEDDING_PREFIX = "embedding.";

    public static final String HEADS_PREFIX = "heads.";

    /** Key prefix of the task heads' private top layers ({@code task_tower.layer.0.attention...}). */
    public static final String TASK_TOWER_PREFIX = ModelParts.TASK_TOWER_PREFIX;

    private final Backbone backbone;
    private final MtlConfig config;
    private final Pooler pooler;
    private final EmbeddingHead embeddingHead;
    /** The classification and NER heads' private top layers, or null when they read the shared ones. */
    private final TaskTower tower;

    private final Map<String, Head<?, ?>> heads = new LinkedHashMap<>();
    private final Map<String, TaskConfig> tasks = new LinkedHashMap<>();
    private final ParameterTable headTable;
    private final ParameterTable allParameters;
    private TrainingRecord trainingRecord;
    /** What inference runs on: the engine's kind, the engine once open, its pass count. */
    private final EngineSlot engine = new EngineSlot(this);

    MultiTaskModel(Backbone backbone, MtlConfig config) {
        if (config.maxLength() > backbone.config().maxPositionEmbeddings()) {
            throw new IllegalArgumentException("max length " + config.maxLength() + " exceeds the model's "
                    + "max_position_embeddings " + backbone.config().maxPositionEmbeddings());
        }
        this.backbone = backbone;
        this.config = config;
        int hidden = backbone.config().hiddenSize();
        EmbeddingConfig embedding = config.embeddingConfig();
        this.pooler = new Pooler(embedding.pooling());
        this.embeddingHead =
                new EmbeddingHead(embedding, hidden, backbone.config().layerNormEps());
        List<ParameterTable> tables = new ArrayList<>();
        tables.add(ParameterTable.of(embeddingHead, EMBEDDING_PREFIX));
        for (TaskConfig t : config.tasks()) {
            Head<?, ?> h = Heads.create(t, hidden, embeddingHead);
            tasks.put(t.name(), t);
            heads.put(t.name(), h);
            tables.add(ParameterTable.of(h, HEADS_PREFIX + t.name() + "."));
        }
        this.tower = config.taskLayers() > 0 ? new TaskTower(backbone.config(), config.taskLayers()) : null;
        if (tower != null) {
            tables.add(ParameterTable.of(tower, TASK_TOWER_PREFIX));
        }
        this.headTable = ParameterTable.concat(tables);
        this.allParameters = ParameterTable.concat(List.of(backbone.parameters(), headTable));
    }

    /** A model with freshly initialised heads on a loaded backbone (the start of fine-tuning). */
    public static MultiTaskModel create(
            Backbone backbone, EmbeddingConfig embedding, List<TaskConfig> tasks, int maxLength) {
        return create(backbone, embedding, tasks, maxLength, 0);
    }

    /**
     * As {@link #create(Backbone, EmbeddingConfig, List, int)}, with the encoder's top {@code taskLayers}
     * layers copied for the classification and NER heads (0: they read the shared layers). The copies
     * start equal to the encoder's, so every output of the new model is the same as without them.
     */
    public static MultiTaskModel create(
            Backbone backbone, EmbeddingConfig embedding, List<TaskConfig> tasks, int maxLength, int taskLayers) {
        MultiTaskModel m =
                new MultiTaskModel(backbone, MtlConfig.of(backbone.name(), maxLength, embedding, tasks, taskLayers));
        if (m.tower != null) {
            m.tower.copyTopLayers(backbone.model(), backbone.manager());
        }
        m.headTable.initializeMissing(backbone.manager());
        return m;
    }

    /** The embedded all-MiniLM-L6-v2 with the sentence-transformers embedding head and no task heads. */
    public static MultiTaskModel loadDefault() throws IOException {
        Backbone b = Backbone.loadDefault();
        MultiTaskModel m = create(
                b, EmbeddingConfig.sentenceTransformers(), List.of(), b.config().maxPositionEmbeddings());
        m.engine.chooseAtFirstUse(null);
        return m;
    }

    /**
     * A model directory: one written by {@link #save} (config.json with an {@code mtl} section), or any
     * Hugging Face BERT directory (then: embedding head only, sentence-transformers settings).
     */
    public static MultiTaskModel load(Path dir) throws IOException {
        MultiTaskModel m = ModelDirectory.load(dir);
        m.engine.chooseAtFirstUse(dir);
        return m;
    }

    // ------------------------------------------------------------------ the inference engine

    /**
     * The engine that {@link #predict} and {@link #embed} run on: for a loaded model, the one {@code
     * -Dmtl.engine} or {@code MTL_ENGINE} names, else ONNX Runtime when {@code mtl-onnx} is on the class
     * path, else PyTorch; for a model made by {@link #create} (a model about to be trained), PyTorch.
     */
    public EngineKind engineKind() {
        return engine.kind();
    }

    /**
     * Runs inference on {@code kind} from now on. Training pins PyTorch: another engine reads the
     * parameters once, when it opens, and would not see them change.
     */
    public void useEngine(EngineKind kind) {
        engine.use(kind);
    }

    EngineSlot engineSlot() {
        return engine;
    }

    /** Encoder passes so far, on any engine (the server exports it; every head shares one pass). */
    public long forwardCount() {
        return engine.forwardCount();
    }

    /**
     * Writes config.json, model.safetensors and tokenizer.json atomically (temp directory + rename), with
     * the files that make the directory a sentence-transformers and Hugging Face BERT model too.
     */
    public void save(Path dir) throws IOException {
        ModelDirectory.save(this, dir);
    }

    /**
     * Writes one task in another library's layout ({@link ModelExport#export}).
     *
     * @return what the export could not carry over; empty when it is exact
     */
    public List<String> export(ExportFormat format, String task, boolean force, Path out) throws IOException {
        return ModelExport.export(ModelDirectory.parts(this), format, task, force, out);
    }

    /** What the training run that wrote this model recorded (saved as training.json), or null. */
    public TrainingRecord trainingRecord() {
        return trainingRecord;
    }

    void setTrainingRecord(TrainingRecord record) {
        this.trainingRecord = record;
    }

    // ------------------------------------------------------------------ accessors

    public Backbone backbone() {
        return backbone;
    }

    public MtlConfig config() {
        return config;
    }

    public Map<String, TaskConfig> tasks() {
        return Collections.unmodifiableMap(tasks);
    }

    public Pooler pooler() {
        return pooler;
    }

    public EmbeddingHead embeddingHead() {
        return embeddingHead;
    }

    /** The task heads by task name, in the config's order. */
    public Map<String, Head<?, ?>> heads() {
        return Collections.unmodifiableMap(heads);
    }

    public Head<?, ?> head(String task) {
        Head<?, ?> h = heads.get(task);
        if (h == null) {
            throw new IllegalArgumentException("this model has no task '" + task + "'; tasks: " + heads.keySet());
        }
        return h;
    }

    /** Head parameters only, keyed {@code embedding.*}, {@code heads.<task>.*} and {@code task_tower.*}. */
    public ParameterTable headParameters() {
        return headTable;
    }

    /** Encoder and head parameters, keyed as in model.safetensors. */
    public ParameterTable parameters() {
        return allParameters;
    }

    public int embeddingDimension() {
        return embeddingHead.dimension();
    }

    /** The outputs this model can give: the embedding always, classification/ner when it has such heads. */
    public Set<Output> availableOutputs() {
        Set<Output> s = EnumSet.of(Output.EMBEDDING);
        heads.values().forEach(h -> s.add(h.output()));
        return s;
    }

    public InferenceOptions defaultOptions() {
        return InferenceOptions.defaults(config.maxLength());
    }

    // ------------------------------------------------------------------ the forward pass

    /**
     * What one forward pass produced; arrays belong to the batch's manager.
     *
     * @param hidden the final hidden states (B, T, H; the first rows only if the pass was asked for fewer)
     * @param mask the 0/1 attention mask (B, T)
     * @param pooled the pooled sentence vectors (B, H), or null if no sentence-level head ran
     * @param taskPooled the same pooled from the task tower (what classification heads read), or null
     * @param outputs each head's output
     */
    public record Forward(
            NDArray hidden, NDArray mask, NDArray pooled, NDArray taskPooled, Map<Head<?, ?>, NDArray> outputs) {
        public NDArray output(Head<?, ?> head) {
            return outputs.get(head);
        }
    }

    /**
     * The one forward pass, for training and inference alike: the encoder once over the batch, the
     * pooled vector when a sentence-level head is asked for, then each head, in the order given (which
     * fixes the order of dropout draws in training).
     *
     * @param m the batch's manager: every array of the pass belongs to it
     */
    public Forward forward(NDManager m, PaddedBatch batch, Collection<? extends Head<?, ?>> heads, boolean training) {
        return forward(m, batch, heads, batch.batchSize(), 1f, training);
    }

    /**
     * As {@link #forward(NDManager, PaddedBatch, Collection, boolean)}, with the shared top layers that a
     * task tower duplicates run for the batch's first {@code sharedRows} rows only: the heads that read
     * the shared stack (the embedding head) then see those rows. A model without a tower runs every row.
     * In training, {@code pull} (0 to 1) scales the gradient that those layers pass down to the layers
     * below the tower, which the tower's heads then train (0: they alone). Without a tower it is ignored.
     */
    public Forward forward(
            NDManager m,
            PaddedBatch batch,
            Collection<? extends Head<?, ?>> heads,
            int sharedRows,
            float pull,
            boolean training) {
        return tower == null
                ? ForwardPass.run(this, null, m, batch, heads, batch.batchSize(), 1f, training)
                : ForwardPass.run(this, tower, m, batch, heads, sharedRows, pull, training);
    }

    /** Whether {@code head} reads the task tower: classification and NER heads of a model that has one. */
    public boolean readsTower(Head<?, ?> head) {
        return tower != null && (head.output() == Output.CLASSIFICATION || head.output() == Output.NER);
    }

    // ------------------------------------------------------------------ prediction

    public List<Prediction> predict(List<String> texts, Set<Output> requested) {
        return predict(texts, requested, defaultOptions(), n -> {});
    }

    public List<Prediction> predict(
            List<String> texts, Set<Output> requested, InferenceOptions options, IntConsumer progress) {
        return predict(texts, backbone.tokenizer().encodeAll(texts), requested, options, progress);
    }

    /**
     * As {@link #predict(List, Set, InferenceOptions, IntConsumer)}, for texts already tokenized with
     * {@code backbone().tokenizer().encode} (the server counts tokens before batching and reuses them).
     */
    public List<Prediction> predict(
            List<String> texts, Encoding[] enc, Set<Output> requested, InferenceOptions options, IntConsumer progress) {
        if (enc.length != texts.size()) {
            throw new IllegalArgumentException(enc.length + " encodings for " + texts.size() + " texts");
        }
        List<Alignment> inputs = new ArrayList<>(texts.size());
        for (int i = 0; i < enc.length; i++) {
            inputs.add(Alignment.ofText(texts.get(i), enc[i]));
        }
        return Predictions.of(this, inputs, requested, options, progress);
    }

    /** Pre-tokenized input: tags come back one per given word. */
    public List<Prediction> predictWords(List<List<String>> words, Set<Output> requested) {
        return predictWords(words, requested, defaultOptions());
    }

    public List<Prediction> predictWords(List<List<String>> words, Set<Output> requested, InferenceOptions options) {
        List<Alignment> inputs = new ArrayList<>(words.size());
        for (List<String> w : words) {
            for (String word : w) {
                if (word.isEmpty() || word.codePoints().anyMatch(Character::isWhitespace)) {
                    throw new IllegalArgumentException(
                            "pre-tokenized word '" + word + "' is empty or contains whitespace");
                }
            }
            inputs.add(Alignment.ofWords(w, backbone.tokenizer().encodeWords(w)));
        }
        return Predictions.of(this, inputs, requested, options, n -> {});
    }

    /** Sentence embeddings only (what {@code mtl embed} runs). */
    public float[][] embed(List<String> texts, InferenceOptions options, IntConsumer progress) {
        Encoding[] enc = backbone.tokenizer().encodeAll(texts);
        List<Alignment> inputs = new ArrayList<>(texts.size());
        for (Encoding e : enc) {
            inputs.add(Alignment.ofIds(e.getIds()));
        }
        Object[] results = Inference.run(this, inputs, List.of(embeddingHead), options, progress)
                .get(embeddingHead);
        float[][] out = new float[results.length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float[]) results[i];
        }
        return out;
    }

    @Override
    public void close() {
        engine.close();
        backbone.close();
    }
}
