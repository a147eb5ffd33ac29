package dev.mtl.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mtl.config.TaskConfig;
import dev.mtl.model.Scalars;
import java.util.ArrayList;
import java.util.List;

/**
 * NER with a linear-chain CRF ({@code crf}) on the token head's emissions: trained by the CRF's
 * negative log-likelihood over each sentence's words (their first sub-tokens), decoded by CRF Viterbi
 * constrained to valid BIO. Shapes: B batch, T tokens, W words, L tags.
 */
public final class CrfHead extends TokenClassificationHead {

    private final CrfLayer crf;

    public CrfHead(TaskConfig task, int hidden) {
        super(task, hidden);
        this.crf = module("crf", new CrfLayer(task.labels().size()));
    }

    public CrfLayer crf() {
        return crf;
    }

    /** CRF negative log-likelihood over each sentence's first sub-tokens (its words), compacted. */
    @Override
    public NDArray loss(NDArray emissions, List<int[]> targets) {
        NDManager bm = emissions.getManager();
        int b = targets.size();
        List<int[]> positions = new ArrayList<>(b);
        List<int[]> tags = new ArrayList<>(b);
        int w = 1;
        for (int[] l : targets) {
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
        float validRows = 0;
        for (int i = 0; i < b; i++) {
            int[] pos = positions.get(i);
            for (int k = 0; k < pos.length; k++) {
                index[i * w + k] = pos[k];
                tagArr[i * w + k] = tags.get(i)[k];
                maskArr[i * w + k] = 1;
            }
            rowValid[i] = pos.length > 0 ? 1 : 0;
            validRows += rowValid[i];
            maskArr[i * w] = 1; // the CRF needs length >= 1; an empty row is zero-weighted below
        }
        NDArray idx = bm.create(index, new Shape(b, w, 1)).broadcast(new Shape(b, w, labelsCount)); // (B, W, L)
        NDArray words = emissions.gather(idx, 1); // (B, W, L)
        NDArray ll = crf.logLikelihood(words, bm.create(tagArr, new Shape(b, w)), bm.create(maskArr, new Shape(b, w)));
        NDArray nll = ll.mul(bm.create(rowValid)).sum().neg(); // (B) → scalar
        return nll.div(Scalars.like(nll, Math.max(1f, validRows)));
    }

    @Override
    public Decoder<NerResult> decoder() {
        CrfDecoder viterbi = crf.decoder(tags(), true); // a snapshot of the transitions
        return (rows, input) -> result(viterbi.viterbi(rows).path(), rows, input);
    }
}
