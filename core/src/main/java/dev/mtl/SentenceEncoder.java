package dev.mtl;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.embedding.EmbeddingHead;
import dev.mtl.model.ParameterTable;
import dev.mtl.tokenize.PaddedBatch;
import dev.mtl.tokenize.Windows;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sentence embeddings from a BERT encoder: the public entry point for {@code mtl embed}.
 *
 * <pre>{@code
 * try (SentenceEncoder enc = SentenceEncoder.loadDefault()) {
 *     float[][] vectors = enc.embed(List.of("first text", "second text"));
 * }
 * }</pre>
 *
 * <p>Texts are tokenized without a length limit. A text longer than the maximum length is split into
 * overlapping windows ({@link Windows}); its embedding is the token-weighted mean of the windows'
 * pooled vectors (weight = tokens in the window), followed by the head's projection, LayerNorm and L2.
 * With {@link Options#truncate()} the text is cut at the maximum instead, with a warning.
 *
 * <p>For speed, the sequences of a call are sorted by length and batched, so a batch pads to little
 * more than its longest member; results come back in input order. Each batch runs in its own native
 * sub-manager that is closed before the next, so native memory stays flat however many texts go by.
 * Not thread-safe: use one instance per thread, or the server's batching queue.
 */
public final class SentenceEncoder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SentenceEncoder.class);

    /**
     * Run-time settings.
     *
     * @param batchSize sequences per forward pass
     * @param maxLength the longest sequence, special tokens included; at most max_position_embeddings
     * @param truncate cut long texts at maxLength (with a warning) instead of windowing them
     * @param overlap content tokens shared by consecutive windows
     */
    public record Options(int batchSize, int maxLength, boolean truncate, int overlap) {
        public static final int DEFAULT_BATCH_SIZE = 32;

        public Options {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            }
            if (maxLength < Windows.SPECIAL_TOKENS + 1) {
                throw new IllegalArgumentException("max length must be >= 3, got " + maxLength);
            }
            if (overlap < 0 || overlap >= maxLength - Windows.SPECIAL_TOKENS) {
                throw new IllegalArgumentException("overlap must be in [0, " + (maxLength - Windows.SPECIAL_TOKENS)
                        + "), got " + overlap);
            }
        }

        public static Options defaults(int maxLength) {
            return new Options(DEFAULT_BATCH_SIZE, maxLength, false, Windows.defaultOverlap(maxLength));
        }

        public Options withBatchSize(int n) {
            return new Options(n, maxLength, truncate, overlap);
        }

        public Options withMaxLength(int n) {
            return new Options(batchSize, n, truncate, Math.min(overlap, Windows.defaultOverlap(n)));
        }

        public Options withTruncate(boolean t) {
            return new Options(batchSize, maxLength, t, overlap);
        }
    }

    private final Backbone backbone;
    private final EmbeddingHead head;
    private final Options options;

    public SentenceEncoder(Backbone backbone, EmbeddingHead head, Options options) {
        if (options.maxLength() > backbone.config().maxPositionEmbeddings()) {
            throw new IllegalArgumentException("max length " + options.maxLength() + " exceeds the model's "
                    + "max_position_embeddings " + backbone.config().maxPositionEmbeddings());
        }
        this.backbone = backbone;
        this.head = head;
        this.options = options;
        ParameterTable.of(head, "embedding.").initializeMissing(backbone.manager());
    }

    /** The embedded all-MiniLM-L6-v2 with the sentence-transformers head (mean, L2). */
    public static SentenceEncoder loadDefault() throws IOException {
        return withDefaultHead(Backbone.loadDefault());
    }

    /** A Hugging Face BERT directory with the sentence-transformers head (mean, L2). */
    public static SentenceEncoder load(Path dir) throws IOException {
        return withDefaultHead(Backbone.load(dir));
    }

    private static SentenceEncoder withDefaultHead(Backbone b) {
        EmbeddingHead head = new EmbeddingHead(
                EmbeddingConfig.sentenceTransformers(), b.config().hiddenSize(), b.config().layerNormEps());
        return new SentenceEncoder(b, head, Options.defaults(b.config().maxPositionEmbeddings()));
    }

    /** The same encoder and head with other run-time options. */
    public SentenceEncoder withOptions(Options o) {
        return new SentenceEncoder(backbone, head, o);
    }

    public Options options() {
        return options;
    }

    public Backbone backbone() {
        return backbone;
    }

    public int dimension() {
        return head.config().dimension(backbone.config().hiddenSize());
    }

    public float[][] embed(List<String> texts) {
        return embed(texts, n -> {});
    }

    /**
     * Embeds {@code texts}; {@code progress} receives the number of texts finished so far after each
     * batch (for progress bars).
     */
    public float[][] embed(List<String> texts, IntConsumer progress) {
        Engines.inferenceMode();
        List<Segment> segments = segment(texts);
        int hidden = backbone.config().hiddenSize();
        float[][] pooledSum = new float[texts.size()][hidden];
        float[] weightSum = new float[texts.size()];
        int[] segmentsLeft = new int[texts.size()];
        for (Segment s : segments) {
            segmentsLeft[s.text]++;
        }
        List<Segment> order = new ArrayList<>(segments);
        order.sort(Comparator.comparingInt((Segment s) -> s.ids.length).reversed());
        int done = 0;
        for (int start = 0; start < order.size(); start += options.batchSize()) {
            List<Segment> batch = order.subList(start, Math.min(order.size(), start + options.batchSize()));
            float[] pooled = poolBatch(batch);
            for (int i = 0; i < batch.size(); i++) {
                Segment s = batch.get(i);
                float w = s.ids.length;
                float[] acc = pooledSum[s.text];
                for (int h = 0; h < hidden; h++) {
                    acc[h] += w * pooled[i * hidden + h];
                }
                weightSum[s.text] += w;
                if (--segmentsLeft[s.text] == 0) {
                    done++;
                }
            }
            progress.accept(done);
        }
        for (int i = 0; i < texts.size(); i++) {
            for (int h = 0; h < hidden; h++) {
                pooledSum[i][h] /= weightSum[i];
            }
        }
        return finish(pooledSum);
    }

    /** The last hidden state of each text (B, T, H) with no windowing: for parity checks and debugging. */
    public float[][][] lastHiddenStates(List<long[]> sequences) {
        Engines.inferenceMode();
        int hidden = backbone.config().hiddenSize();
        float[][][] out = new float[sequences.size()][][];
        try (NDManager batch = backbone.manager().newSubManager()) {
            PaddedBatch p = PaddedBatch.of(sequences, backbone.tokenizer().padId());
            float[] flat = encode(batch, p).toFloatArray();
            for (int i = 0; i < sequences.size(); i++) {
                int len = sequences.get(i).length;
                out[i] = new float[len][hidden];
                for (int t = 0; t < len; t++) {
                    System.arraycopy(flat, (i * p.length() + t) * hidden, out[i][t], 0, hidden);
                }
            }
        }
        return out;
    }

    private record Segment(int text, long[] ids) {}

    private List<Segment> segment(List<String> texts) {
        Encoding[] encodings = backbone.tokenizer().encodeAll(texts);
        long cls = backbone.tokenizer().clsId();
        long sep = backbone.tokenizer().sepId();
        List<Segment> out = new ArrayList<>(texts.size());
        for (int i = 0; i < encodings.length; i++) {
            long[] ids = encodings[i].getIds();
            if (ids.length > options.maxLength() && options.truncate()) {
                LOG.warn("text {} has {} tokens; truncated to {} as requested", i, ids.length, options.maxLength());
                out.add(new Segment(i, Windows.truncate(ids, options.maxLength(), cls, sep)));
                continue;
            }
            for (Windows.Window w : Windows.split(ids, options.maxLength(), options.overlap(), cls, sep)) {
                out.add(new Segment(i, w.ids()));
            }
        }
        return out;
    }

    /** One forward pass; returns the pooled (B, H) matrix flattened. */
    private float[] poolBatch(List<Segment> batch) {
        List<long[]> seqs = new ArrayList<>(batch.size());
        for (Segment s : batch) {
            seqs.add(s.ids);
        }
        PaddedBatch p = PaddedBatch.of(seqs, backbone.tokenizer().padId());
        try (NDManager m = backbone.manager().newSubManager()) {
            NDArray mask = m.create(p.mask(), new Shape(p.batchSize(), p.length()));
            return head.pool(encode(m, p), mask).toFloatArray();
        }
    }

    private NDArray encode(NDManager m, PaddedBatch p) {
        Shape shape = new Shape(p.batchSize(), p.length());
        NDArray ids = m.create(p.ids(), shape);
        NDArray types = m.create(p.typeIds(), shape);
        NDArray mask = m.create(p.mask(), shape);
        return backbone.model().apply(ids, types, mask, false); // (B, T, H)
    }

    private float[][] finish(float[][] pooled) {
        int n = pooled.length;
        int hidden = backbone.config().hiddenSize();
        int dim = dimension();
        float[][] out = new float[n][];
        for (int start = 0; start < n; start += options.batchSize()) {
            int end = Math.min(n, start + options.batchSize());
            float[] flat = new float[(end - start) * hidden];
            for (int i = start; i < end; i++) {
                System.arraycopy(pooled[i], 0, flat, (i - start) * hidden, hidden);
            }
            try (NDManager m = backbone.manager().newSubManager()) {
                float[] e = head.finish(m.create(flat, new Shape(end - start, hidden))).toFloatArray();
                for (int i = start; i < end; i++) {
                    out[i] = java.util.Arrays.copyOfRange(e, (i - start) * dim, (i - start + 1) * dim);
                }
            }
        }
        return out;
    }

    /** The head's parameters (empty for the default head), keyed under {@code embedding.}. */
    public ParameterTable headParameters() {
        return ParameterTable.of(head, "embedding.");
    }

    @Override
    public void close() {
        backbone.close();
    }
}
