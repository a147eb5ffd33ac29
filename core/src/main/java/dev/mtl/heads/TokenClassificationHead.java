package dev.mtl.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.mtl.config.Output;
import dev.mtl.config.TaskConfig;
import dev.mtl.model.Dense;
import dev.mtl.model.Dropouts;
import dev.mtl.tokenize.Alignment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Named-entity recognition (task B): dropout → Linear → tag logits for every sub-token of the final
 * hidden states ({@code BertForTokenClassification}, parameter {@code classifier}), trained with
 * cross-entropy on each word's first sub-token, decoded over words by constrained Viterbi on the
 * log-softmax scores so the tags are always valid BIO. Words map back to character spans of the text.
 * {@link CrfHead} adds a CRF on the same emissions. Shapes: B batch, T tokens, H hidden, L tags.
 *
 * <p>Targets are one label per sub-token: the word's tag on its first sub-token, {@link
 * Alignment#IGNORE} on the others and on the special tokens.
 */
public class TokenClassificationHead extends Head<int[], NerResult> {

    private final Dense classifier;
    private final TagSet tags;
    private final float dropout;

    public TokenClassificationHead(TaskConfig task, int hidden) {
        super(task.name());
        this.tags = new TagSet(task.labels());
        this.classifier = module("classifier", new Dense(hidden, task.labels().size()));
        this.dropout = (float) task.dropout();
    }

    @Override
    public final Input input() {
        return Input.TOKENS;
    }

    @Override
    public final Output output() {
        return Output.NER;
    }

    public final TagSet tags() {
        return tags;
    }

    /** hidden (B, T, H) → emissions (B, T, L). */
    @Override
    public final NDArray forward(NDArray hidden, boolean training) {
        return classifier.apply(Dropouts.apply(hidden, dropout, training)); // (B, T, L)
    }

    @Override
    public NDArray loss(NDArray emissions, List<int[]> targets) {
        long b = emissions.getShape().get(0);
        int t = (int) emissions.getShape().get(1);
        long[] labels = new long[(int) b * t];
        Arrays.fill(labels, Alignment.IGNORE);
        for (int i = 0; i < targets.size(); i++) {
            int[] l = targets.get(i);
            for (int k = 0; k < l.length; k++) {
                labels[i * t + k] = l[k];
            }
        }
        return Losses.tokenCrossEntropy(emissions, emissions.getManager().create(labels, new Shape(b, t)));
    }

    @Override
    public final int[] target(List<String> wordTags, Alignment input) {
        if (wordTags.size() != input.words().size()) {
            throw new IllegalArgumentException(
                    wordTags.size() + " tags for " + input.words().size() + " words (task '" + name() + "')");
        }
        int[] wordLabels = new int[wordTags.size()];
        for (int w = 0; w < wordLabels.length; w++) {
            if (!tags.contains(wordTags.get(w))) {
                throw new IllegalArgumentException(
                        "label '" + wordTags.get(w) + "' is not one of task '" + name() + "' labels");
            }
            wordLabels[w] = tags.index(wordTags.get(w));
        }
        return input.subTokenLabels(wordLabels);
    }

    @Override
    public Decoder<NerResult> decoder() {
        return (rows, input) -> {
            float[][] logProbs = new float[rows.length][];
            for (int i = 0; i < rows.length; i++) {
                logProbs[i] = BioDecoder.logSoftmax(rows[i]);
            }
            return result(BioDecoder.constrainedViterbi(logProbs, tags), rows, input);
        };
    }

    /** Tags of a decoded path and its entities, each with the mean probability of its words' tags. */
    protected final NerResult result(int[] path, float[][] rows, Alignment input) {
        int words = rows.length;
        List<String> out = new ArrayList<>(words);
        double[] confidence = new double[words];
        for (int w = 0; w < words; w++) {
            out.add(tags.label(path[w]));
            confidence[w] = ClassificationHead.softmax(rows[w])[path[w]];
        }
        List<Entity> entities = new ArrayList<>();
        for (Span s : Entities.spans(path, tags)) {
            int start = input.charStart()[s.start()];
            int end = input.charEnd()[s.end() - 1];
            double score = 0;
            for (int w = s.start(); w < s.end(); w++) {
                score += confidence[w];
            }
            entities.add(new Entity(
                    start, end, s.type(), input.text().substring(start, end), score / s.length(), s.start(), s.end()));
        }
        return new NerResult(List.copyOf(out), List.copyOf(entities));
    }
}
