package dev.mtl.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.mtl.config.TaskConfig;
import dev.mtl.model.Dense;
import dev.mtl.model.Dropouts;
import dev.mtl.model.HfModule;

/**
 * Named-entity recognition (task B): dropout → Linear → tag logits for every sub-token of the final
 * hidden states ({@code BertForTokenClassification}, parameter {@code classifier}); optionally a
 * linear-chain CRF ({@code crf}) whose transitions are trained with the head. Words are read at their
 * first sub-token; decoding (constrained Viterbi, or CRF Viterbi) runs over words and always yields
 * valid BIO. Shapes: B batch, T tokens, H hidden, L tags.
 */
public final class TokenClassificationHead extends HfModule {

    private final Dense classifier;
    private final CrfLayer crf;
    private final TagSet tags;
    private final float dropout;

    public TokenClassificationHead(TaskConfig task, int hidden) {
        this.tags = new TagSet(task.labels());
        this.classifier = module("classifier", new Dense(hidden, task.labels().size()));
        this.crf = task.crf() ? module("crf", new CrfLayer(task.labels().size())) : null;
        this.dropout = (float) task.dropout();
    }

    /** hidden (B, T, H) → emissions (B, T, L). */
    public NDArray apply(NDArray hidden, boolean training) {
        return classifier.apply(Dropouts.apply(hidden, dropout, training)); // (B, T, L)
    }

    public TagSet tags() {
        return tags;
    }

    /** The CRF layer, or null when the head decodes with constrained Viterbi over softmax scores. */
    public CrfLayer crf() {
        return crf;
    }

    /** Turns word-level emission rows (W, L) into the best valid tag path. */
    @FunctionalInterface
    public interface Decoder {
        int[] decode(float[][] emissions);
    }

    /**
     * A decoder over the head's current parameters: CRF Viterbi (constrained to valid BIO) when the
     * head has a CRF, else constrained Viterbi over log-softmax scores. Take one per prediction call:
     * the CRF variant copies the transitions once.
     */
    public Decoder decoder() {
        if (crf != null) {
            CrfDecoder viterbi = crf.decoder(tags, true);
            return emissions -> viterbi.viterbi(emissions).path();
        }
        return emissions -> {
            float[][] logProbs = new float[emissions.length][];
            for (int i = 0; i < emissions.length; i++) {
                logProbs[i] = BioDecoder.logSoftmax(emissions[i]);
            }
            return BioDecoder.constrainedViterbi(logProbs, tags);
        };
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {new Shape(s.get(0), s.get(1), tags.size())};
    }
}
