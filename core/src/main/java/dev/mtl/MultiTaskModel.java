package dev.mtl;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mtl.Prediction.ClassPrediction;
import dev.mtl.Prediction.Entity;
import dev.mtl.Prediction.NerResult;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.MtlConfig;
import dev.mtl.config.Task;
import dev.mtl.config.TaskConfig;
import dev.mtl.embedding.EmbeddingHead;
import dev.mtl.heads.ClassificationHead;
import dev.mtl.heads.Entities;
import dev.mtl.heads.Span;
import dev.mtl.heads.TokenClassificationHead;
import dev.mtl.model.ParameterTable;
import dev.mtl.tokenize.Alignment;
import dev.mtl.tokenize.PaddedBatch;
import dev.mtl.tokenize.Windows;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shared BERT encoder, the sentence-embedding head and any number of named task heads
 * (classification and NER), with a forward pass that returns whatever subset of
 * {embedding, classification, ner} the caller asks for while running the encoder once per batch.
 *
 * <pre>{@code
 * try (MultiTaskModel m = MultiTaskModel.load(Path.of("runs/snips/model"))) {
 *     List<Prediction> p = m.predict(List.of("play adele on spotify"), EnumSet.allOf(Task.class));
 * }
 * }</pre>
 *
 * <p>Inputs are tokenized without a length limit; a text longer than the maximum is split into
 * overlapping windows. Sentence-level outputs use the token-weighted mean of the windows' pooled
 * vectors; each word takes its NER scores from the window where it is most central. Sequences are
 * sorted by length before batching (little padding); results come back in input order. Each batch
 * lives in its own native sub-manager, closed before the next. Not thread-safe.
 */
public final class MultiTaskModel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MultiTaskModel.class);
    /** Key prefixes of the heads' parameters in model.safetensors (the encoder's keys are HF's). */
    public static final String EMBEDDING_PREFIX = "embedding.";

    public static final String HEADS_PREFIX = "heads.";

    private final Backbone backbone;
    private final MtlConfig config;
    private final EmbeddingHead embeddingHead;
    private final Map<String, ClassificationHead> classifiers = new LinkedHashMap<>();
    private final Map<String, TokenClassificationHead> taggers = new LinkedHashMap<>();
    private final Map<String, TaskConfig> tasks = new LinkedHashMap<>();
    private final ParameterTable headTable;
    private final ParameterTable allParameters;

    MultiTaskModel(Backbone backbone, MtlConfig config) {
        if (config.maxLength() > backbone.config().maxPositionEmbeddings()) {
            throw new IllegalArgumentException("max length " + config.maxLength() + " exceeds the model's "
                    + "max_position_embeddings " + backbone.config().maxPositionEmbeddings());
        }
        this.backbone = backbone;
        this.config = config;
        int hidden = backbone.config().hiddenSize();
        this.embeddingHead = new EmbeddingHead(
                config.embeddingConfig(), hidden, backbone.config().layerNormEps());
        List<ParameterTable> heads = new ArrayList<>();
        heads.add(ParameterTable.of(embeddingHead, EMBEDDING_PREFIX));
        for (TaskConfig t : config.tasks()) {
            tasks.put(t.name(), t);
            String prefix = HEADS_PREFIX + t.name() + ".";
            if (t.kind() == TaskConfig.Kind.CLASSIFICATION) {
                ClassificationHead h = new ClassificationHead(t, hidden);
                classifiers.put(t.name(), h);
                heads.add(ParameterTable.of(h, prefix));
            } else {
                TokenClassificationHead h = new TokenClassificationHead(t, hidden);
                taggers.put(t.name(), h);
                heads.add(ParameterTable.of(h, prefix));
            }
        }
        this.headTable = ParameterTable.concat(heads);
        this.allParameters = ParameterTable.concat(List.of(backbone.parameters(), headTable));
    }

    /** A model with freshly initialised heads on a loaded backbone (the start of fine-tuning). */
    public static MultiTaskModel create(
            Backbone backbone, EmbeddingConfig embedding, List<TaskConfig> tasks, int maxLength) {
        MultiTaskModel m = new MultiTaskModel(backbone, MtlConfig.of(backbone.name(), maxLength, embedding, tasks));
        m.headTable.initializeMissing(backbone.manager());
        return m;
    }

    /** The embedded all-MiniLM-L6-v2 with the sentence-transformers embedding head and no task heads. */
    public static MultiTaskModel loadDefault() throws IOException {
        Backbone b = Backbone.loadDefault();
        return create(
                b, EmbeddingConfig.sentenceTransformers(), List.of(), b.config().maxPositionEmbeddings());
    }

    /**
     * A model directory: one written by {@link #save} (config.json with an {@code mtl} section), or any
     * Hugging Face BERT directory (then: embedding head only, sentence-transformers settings).
     */
    public static MultiTaskModel load(Path dir) throws IOException {
        return ModelDirectory.load(dir);
    }

    /** Writes config.json, model.safetensors and tokenizer.json atomically (temp directory + rename). */
    public void save(Path dir) throws IOException {
        ModelDirectory.save(this, dir);
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

    public EmbeddingHead embeddingHead() {
        return embeddingHead;
    }

    public Map<String, ClassificationHead> classifiers() {
        return Collections.unmodifiableMap(classifiers);
    }

    public Map<String, TokenClassificationHead> taggers() {
        return Collections.unmodifiableMap(taggers);
    }

    /** Head parameters only, keyed {@code embedding.*} and {@code heads.<task>.*}. */
    public ParameterTable headParameters() {
        return headTable;
    }

    /** Encoder and head parameters, keyed as in model.safetensors. */
    public ParameterTable parameters() {
        return allParameters;
    }

    public int embeddingDimension() {
        return config.embeddingConfig().dimension(backbone.config().hiddenSize());
    }

    /** The tasks this model can answer: embedding always, classification/ner when it has such heads. */
    public Set<Task> availableTasks() {
        Set<Task> s = EnumSet.of(Task.EMBEDDING);
        if (!classifiers.isEmpty()) {
            s.add(Task.CLASSIFICATION);
        }
        if (!taggers.isEmpty()) {
            s.add(Task.NER);
        }
        return s;
    }

    public InferenceOptions defaultOptions() {
        return InferenceOptions.defaults(config.maxLength());
    }

    // ------------------------------------------------------------------ prediction

    public List<Prediction> predict(List<String> texts, Set<Task> requested) {
        return predict(texts, requested, defaultOptions(), n -> {});
    }

    public List<Prediction> predict(
            List<String> texts, Set<Task> requested, InferenceOptions options, IntConsumer progress) {
        return predict(texts, backbone.tokenizer().encodeAll(texts), requested, options, progress);
    }

    /**
     * As {@link #predict(List, Set, InferenceOptions, IntConsumer)}, for texts already tokenized with
     * {@code backbone().tokenizer().encode} (the server counts tokens before batching and reuses them).
     */
    public List<Prediction> predict(
            List<String> texts, Encoding[] enc, Set<Task> requested, InferenceOptions options, IntConsumer progress) {
        if (enc.length != texts.size()) {
            throw new IllegalArgumentException(enc.length + " encodings for " + texts.size() + " texts");
        }
        List<Alignment> inputs = new ArrayList<>(texts.size());
        for (int i = 0; i < enc.length; i++) {
            inputs.add(Alignment.ofText(texts.get(i), enc[i]));
        }
        return run(inputs, texts, requested, options, progress);
    }

    /** Pre-tokenized input: tags come back one per given word. */
    public List<Prediction> predictWords(List<List<String>> words, Set<Task> requested) {
        return predictWords(words, requested, defaultOptions());
    }

    public List<Prediction> predictWords(List<List<String>> words, Set<Task> requested, InferenceOptions options) {
        List<Alignment> inputs = new ArrayList<>(words.size());
        List<String> texts = new ArrayList<>(words.size());
        for (List<String> w : words) {
            for (String word : w) {
                if (word.isEmpty() || word.codePoints().anyMatch(Character::isWhitespace)) {
                    throw new IllegalArgumentException(
                            "pre-tokenized word '" + word + "' is empty or contains whitespace");
                }
            }
            inputs.add(Alignment.ofWords(w, backbone.tokenizer().encodeWords(w)));
            texts.add(String.join(" ", w));
        }
        return run(inputs, texts, requested, options, n -> {});
    }

    /** Sentence embeddings only (what {@code mtl embed} runs). */
    public float[][] embed(List<String> texts, InferenceOptions options, IntConsumer progress) {
        Encoding[] enc = backbone.tokenizer().encodeAll(texts);
        List<Alignment> inputs = new ArrayList<>(texts.size());
        for (Encoding e : enc) {
            inputs.add(new Alignment(e.getIds(), List.of(), new int[0], null, null));
        }
        Pass pass = encode(inputs, EnumSet.of(Task.EMBEDDING), options, progress);
        return finishEmbeddings(pass.pooled, options);
    }

    /** One window of one input. */
    static final class Segment {
        final int input;
        final long[] ids;
        final int contentStart;
        final Map<String, float[][]> emissions = new LinkedHashMap<>();

        Segment(int input, long[] ids, int contentStart) {
            this.input = input;
            this.ids = ids;
            this.contentStart = contentStart;
        }
    }

    /** What the encoder passes produced: pooled means per input and the segments with NER emissions. */
    private record Pass(float[][] pooled, List<List<Segment>> segmentsByInput) {}

    private List<Prediction> run(
            List<Alignment> inputs,
            List<String> texts,
            Set<Task> requested,
            InferenceOptions options,
            IntConsumer progress) {
        for (Task t : requested) {
            if (!availableTasks().contains(t)) {
                throw new IllegalArgumentException("this model has no " + t.jsonName() + " head; available tasks: "
                        + availableTasks().stream().map(Task::jsonName).toList());
            }
        }
        Pass pass = encode(inputs, requested, options, progress);
        int n = inputs.size();
        float[][] embeddings = requested.contains(Task.EMBEDDING) ? finishEmbeddings(pass.pooled, options) : null;
        Map<String, float[][]> classProbs = new LinkedHashMap<>();
        if (requested.contains(Task.CLASSIFICATION)) {
            classifiers.forEach((name, head) -> classProbs.put(name, classify(name, head, pass.pooled, options)));
        }
        Map<String, TokenClassificationHead.Decoder> decoders = new LinkedHashMap<>();
        if (requested.contains(Task.NER)) {
            taggers.forEach((name, head) -> decoders.put(name, head.decoder()));
        }
        List<Prediction> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Map<String, ClassPrediction> cls = null;
            if (requested.contains(Task.CLASSIFICATION)) {
                cls = new LinkedHashMap<>();
                for (var e : classProbs.entrySet()) {
                    cls.put(e.getKey(), classPrediction(tasks.get(e.getKey()), e.getValue()[i]));
                }
            }
            Map<String, NerResult> ner = null;
            if (requested.contains(Task.NER)) {
                ner = new LinkedHashMap<>();
                for (var e : taggers.entrySet()) {
                    ner.put(
                            e.getKey(),
                            tag(
                                    e.getKey(),
                                    e.getValue(),
                                    decoders.get(e.getKey()),
                                    inputs.get(i),
                                    texts.get(i),
                                    pass.segmentsByInput.get(i)));
                }
            }
            out.add(new Prediction(
                    texts.get(i), inputs.get(i).words(), embeddings == null ? null : embeddings[i], cls, ner));
        }
        return out;
    }

    /** Windows, length-sorted batches, one encoder pass per batch. */
    private Pass encode(List<Alignment> inputs, Set<Task> requested, InferenceOptions options, IntConsumer progress) {
        if (options.maxLength() > backbone.config().maxPositionEmbeddings()) {
            throw new IllegalArgumentException("max length " + options.maxLength() + " exceeds the model's "
                    + "max_position_embeddings " + backbone.config().maxPositionEmbeddings());
        }
        Engines.inferenceMode();
        boolean needPooled = requested.contains(Task.EMBEDDING) || requested.contains(Task.CLASSIFICATION);
        boolean needTokens = requested.contains(Task.NER);
        long cls = backbone.tokenizer().clsId();
        long sep = backbone.tokenizer().sepId();
        int n = inputs.size();
        List<List<Segment>> byInput = new ArrayList<>(n);
        List<Segment> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long[] ids = inputs.get(i).ids();
            List<Segment> segs = new ArrayList<>(1);
            if (ids.length > options.maxLength() && options.truncate()) {
                LOG.warn("input {} has {} tokens; truncated to {} as requested", i, ids.length, options.maxLength());
                segs.add(new Segment(i, Windows.truncate(ids, options.maxLength(), cls, sep), 0));
            } else {
                for (Windows.Window w : Windows.split(ids, options.maxLength(), options.overlap(), cls, sep)) {
                    segs.add(new Segment(i, w.ids(), w.contentStart()));
                }
            }
            byInput.add(segs);
            all.addAll(segs);
        }
        int hidden = backbone.config().hiddenSize();
        float[][] pooled = new float[n][hidden];
        float[] weight = new float[n];
        int[] left = new int[n];
        all.forEach(s -> left[s.input]++);
        all.sort(Comparator.comparingInt((Segment s) -> s.ids.length).reversed());
        int[] ends = batchEnds(all, options.batchSize());
        int done = 0;
        for (int k = 0, start = 0; k < ends.length; start = ends[k++]) {
            List<Segment> batch = all.subList(start, ends[k]);
            List<long[]> seqs = new ArrayList<>(batch.size());
            batch.forEach(s -> seqs.add(s.ids));
            PaddedBatch p = PaddedBatch.of(seqs, backbone.tokenizer().padId());
            try (NDManager m = backbone.manager().newSubManager()) {
                Shape shape = new Shape(p.batchSize(), p.length());
                NDArray mask = m.create(p.mask(), shape);
                NDArray states =
                        backbone.model().apply(m.create(p.ids(), shape), m.create(p.typeIds(), shape), mask, false);
                if (needPooled) {
                    float[] pool = embeddingHead.pool(states, mask).toFloatArray(); // (B, H)
                    for (int b = 0; b < batch.size(); b++) {
                        Segment s = batch.get(b);
                        float w = s.ids.length;
                        for (int h = 0; h < hidden; h++) {
                            pooled[s.input][h] += w * pool[b * hidden + h];
                        }
                        weight[s.input] += w;
                    }
                }
                if (needTokens) {
                    for (var e : taggers.entrySet()) {
                        float[] logits = e.getValue().apply(states, false).toFloatArray(); // (B, T, L)
                        int labels = e.getValue().tags().size();
                        for (int b = 0; b < batch.size(); b++) {
                            Segment s = batch.get(b);
                            float[][] rows = new float[s.ids.length][labels];
                            for (int t = 0; t < s.ids.length; t++) {
                                System.arraycopy(logits, (b * p.length() + t) * labels, rows[t], 0, labels);
                            }
                            s.emissions.put(e.getKey(), rows);
                        }
                    }
                }
            }
            for (Segment s : batch) {
                if (--left[s.input] == 0) {
                    done++;
                }
            }
            progress.accept(done);
        }
        if (needPooled) {
            for (int i = 0; i < n; i++) {
                for (int h = 0; h < hidden; h++) {
                    pooled[i][h] /= weight[i];
                }
            }
        }
        return new Pass(pooled, byInput);
    }

    /**
     * Per-batch overhead in padded-token units for {@link #batchEnds}: op dispatch and the low
     * efficiency of small products make a forward pass cost about this much beyond its tokens.
     */
    static final int BATCH_OVERHEAD_TOKENS = 64;

    /**
     * Where to cut segments sorted by decreasing length into batches of at most {@code maxBatch}: the
     * cuts that minimise padded tokens (rows × longest row) plus {@link #BATCH_OVERHEAD_TOKENS} per
     * batch, by dynamic programming over the sorted order. On a large, globally sorted input this gives
     * full batches as fixed-size cutting does; on a small mixed set (the server's merged requests) it
     * puts long and short texts in different batches instead of padding short ones to the longest
     * (on the serving benchmark's mix, estimated from word counts: 1.30 padded tokens per real token with
     * fixed cuts of 32).
     *
     * @return the exclusive end index of each batch, in order
     */
    static int[] batchEnds(List<Segment> sortedDesc, int maxBatch) {
        int n = sortedDesc.size();
        long[] cost = new long[n + 1]; // cost[i]: best cost of segments i..n-1
        int[] next = new int[n + 1];
        for (int i = n - 1; i >= 0; i--) {
            long longest = sortedDesc.get(i).ids.length;
            cost[i] = Long.MAX_VALUE;
            for (int j = i + 1; j <= Math.min(n, i + maxBatch); j++) {
                long c = BATCH_OVERHEAD_TOKENS + (j - i) * longest + cost[j];
                if (c <= cost[i]) { // among equal costs the longer first batch
                    cost[i] = c;
                    next[i] = j;
                }
            }
        }
        List<Integer> ends = new ArrayList<>();
        for (int i = 0; i < n; i = next[i]) {
            ends.add(next[i]);
        }
        return ends.stream().mapToInt(Integer::intValue).toArray();
    }

    private float[][] finishEmbeddings(float[][] pooled, InferenceOptions options) {
        return applyInChunks(pooled, options, embeddingHead::finish);
    }

    private float[][] classify(String name, ClassificationHead head, float[][] pooled, InferenceOptions options) {
        boolean multi = tasks.get(name).multiLabel();
        return applyInChunks(pooled, options, x -> {
            NDArray logits = head.apply(x, false); // (B, L)
            return multi ? logits.getNDArrayInternal().sigmoid() : logits.softmax(-1);
        });
    }

    /** Runs {@code f} over rows of {@code rows} in batches, each in its own sub-manager. */
    private float[][] applyInChunks(
            float[][] rows, InferenceOptions options, java.util.function.UnaryOperator<NDArray> f) {
        int n = rows.length;
        float[][] out = new float[n][];
        if (n == 0) {
            return out;
        }
        int width = rows[0].length;
        for (int start = 0; start < n; start += options.batchSize()) {
            int end = Math.min(n, start + options.batchSize());
            float[] flat = new float[(end - start) * width];
            for (int i = start; i < end; i++) {
                System.arraycopy(rows[i], 0, flat, (i - start) * width, width);
            }
            try (NDManager m = backbone.manager().newSubManager()) {
                NDArray result = f.apply(m.create(flat, new Shape(end - start, width)));
                int dim = (int) result.getShape().get(1);
                float[] r = result.toFloatArray();
                for (int i = start; i < end; i++) {
                    out[i] = java.util.Arrays.copyOfRange(r, (i - start) * dim, (i - start + 1) * dim);
                }
            }
        }
        return out;
    }

    private static ClassPrediction classPrediction(TaskConfig task, float[] probs) {
        Map<String, Float> scores = new LinkedHashMap<>();
        int best = 0;
        List<String> chosen = new ArrayList<>();
        for (int l = 0; l < probs.length; l++) {
            scores.put(task.labels().get(l), probs[l]);
            if (probs[l] > probs[best]) {
                best = l;
            }
            if (task.multiLabel() && probs[l] >= task.threshold()) {
                chosen.add(task.labels().get(l));
            }
        }
        String label = task.labels().get(best);
        return new ClassPrediction(label, scores, task.multiLabel() ? List.copyOf(chosen) : List.of(label));
    }

    /** Word-level emissions (from each word's most central window), decoding, entity spans. */
    private NerResult tag(
            String name,
            TokenClassificationHead head,
            TokenClassificationHead.Decoder decoder,
            Alignment a,
            String text,
            List<Segment> segs) {
        int words = a.words().size();
        int labels = head.tags().size();
        float[][] rows = new float[words][];
        for (int w = 0; w < words; w++) {
            int tok = a.firstToken()[w];
            rows[w] = tok < 0 ? new float[labels] : emissionAt(tok - 1, segs, name); // content index
        }
        int[] path = decoder.decode(rows);
        List<String> tags = new ArrayList<>(words);
        double[] confidence = new double[words];
        for (int w = 0; w < words; w++) {
            tags.add(head.tags().label(path[w]));
            confidence[w] = softmaxAt(rows[w], path[w]);
        }
        int[][] offsets = offsets(a, text);
        List<Entity> entities = new ArrayList<>();
        for (Span s : Entities.spans(path, head.tags())) {
            int start = offsets[0][s.start()];
            int end = offsets[1][s.end() - 1];
            double score = 0;
            for (int w = s.start(); w < s.end(); w++) {
                score += confidence[w];
            }
            entities.add(new Entity(
                    start, end, s.type(), text.substring(start, end), score / s.length(), s.start(), s.end()));
        }
        return new NerResult(List.copyOf(tags), List.copyOf(entities));
    }

    /** The emission row of content token {@code c} from the window where it is most central. */
    static float[] emissionAt(int c, List<Segment> segs, String task) {
        Segment best = null;
        int bestMargin = -1;
        for (Segment s : segs) {
            int len = s.ids.length - Windows.SPECIAL_TOKENS;
            int pos = c - s.contentStart;
            if (pos >= 0 && pos < len) {
                int margin = Math.min(pos, len - 1 - pos);
                if (margin > bestMargin) {
                    best = s;
                    bestMargin = margin;
                }
            }
        }
        if (best == null) { // only possible with explicit truncation: the word is past the cut
            return new float[segs.get(0).emissions.get(task)[0].length];
        }
        return best.emissions.get(task)[c - best.contentStart + 1];
    }

    private static double softmaxAt(float[] logits, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        return Math.exp(logits[k] - max) / sum;
    }

    /** Character start/end of each word: from the tokenizer for raw text, from the joined words otherwise. */
    private static int[][] offsets(Alignment a, String text) {
        if (a.charStart() != null) {
            return new int[][] {a.charStart(), a.charEnd()};
        }
        int n = a.words().size();
        int[] s = new int[n];
        int[] e = new int[n];
        int pos = 0;
        for (int w = 0; w < n; w++) {
            s[w] = pos;
            e[w] = pos + a.words().get(w).length();
            pos = e[w] + 1;
        }
        return new int[][] {s, e};
    }

    @Override
    public void close() {
        backbone.close();
    }
}
