package dev.mtl;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.tokenize.PaddedBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Sentence embeddings: the simplest public entry point, for {@code mtl embed}.
 *
 * <pre>{@code
 * try (SentenceEncoder enc = SentenceEncoder.loadDefault()) {
 *     float[][] vectors = enc.embed(List.of("first text", "second text"));
 * }
 * }</pre>
 *
 * <p>A view of a {@link MultiTaskModel} that asks only for embeddings: pooling, optional projection
 * and LayerNorm, L2. A text longer than the maximum length is split into overlapping windows; its
 * embedding is the token-weighted mean of the windows' pooled vectors (weight = tokens in the
 * window), then projection/LayerNorm/L2. With {@link InferenceOptions#truncate()} the text is cut at
 * the maximum instead, with a warning. Not thread-safe.
 */
public final class SentenceEncoder implements AutoCloseable {

    private final MultiTaskModel model;
    private final InferenceOptions options;

    public SentenceEncoder(MultiTaskModel model, InferenceOptions options) {
        this.model = model;
        this.options = options;
    }

    /** An encoder with the given embedding head (fresh parameters if it has any) on a backbone. */
    public SentenceEncoder(Backbone backbone, EmbeddingConfig head, InferenceOptions options) {
        this(MultiTaskModel.create(backbone, head, List.of(), options.maxLength()), options);
    }

    /** The embedded all-MiniLM-L6-v2 with the sentence-transformers head (mean, L2). */
    public static SentenceEncoder loadDefault() throws IOException {
        MultiTaskModel m = MultiTaskModel.loadDefault();
        return new SentenceEncoder(m, m.defaultOptions());
    }

    /** A model directory (ours, or a Hugging Face BERT directory: then mean pooling and L2). */
    public static SentenceEncoder load(Path dir) throws IOException {
        MultiTaskModel m = MultiTaskModel.load(dir);
        return new SentenceEncoder(m, m.defaultOptions());
    }

    /** The same model with other run-time options (a view: closing either closes the model). */
    public SentenceEncoder withOptions(InferenceOptions o) {
        return new SentenceEncoder(model, o);
    }

    public InferenceOptions options() {
        return options;
    }

    public MultiTaskModel model() {
        return model;
    }

    public Backbone backbone() {
        return model.backbone();
    }

    public int dimension() {
        return model.embeddingDimension();
    }

    public float[][] embed(List<String> texts) {
        return embed(texts, n -> {});
    }

    /** Embeds {@code texts}; {@code progress} receives the number of texts finished after each batch. */
    public float[][] embed(List<String> texts, IntConsumer progress) {
        return model.embed(texts, options, progress);
    }

    /** The last hidden state of each sequence (no windowing), for parity checks and debugging. */
    public float[][][] lastHiddenStates(List<long[]> sequences) {
        Backbone b = model.backbone();
        int hidden = b.config().hiddenSize();
        float[][][] out = new float[sequences.size()][][];
        try (Engines.NoGrad g = Engines.noGrad();
                NDManager m = b.manager().newSubManager()) {
            PaddedBatch p = PaddedBatch.of(sequences, b.tokenizer().padId());
            Shape shape = new Shape(p.batchSize(), p.length());
            float[] flat = b.model()
                    .apply(m.create(p.ids(), shape), m.create(p.typeIds(), shape), m.create(p.mask(), shape), false)
                    .toFloatArray();
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

    @Override
    public void close() {
        model.close();
    }
}
