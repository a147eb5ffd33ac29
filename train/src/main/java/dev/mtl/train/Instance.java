package dev.mtl.train;

import java.util.List;
import java.util.Map;

/**
 * One training example, tokenized, with a target for each task its dataset feeds.
 *
 * @param sequences the token ids ([CLS] ... [SEP], at most max_length long) of each text the encoder
 *     reads: one, or a pair (and a hard negative) for pair datasets
 * @param targets per task, what its head's loss takes ({@link dev.mtl.heads.Head#target})
 * @param teacher per sequence, the starting model's embedding of it (distillation), or null
 */
public record Instance(List<long[]> sequences, Map<String, Object> targets, float[][] teacher) {

    public Instance(List<long[]> sequences, Map<String, Object> targets) {
        this(sequences, targets, null);
    }

    /** The first text's ids (the only one outside pair datasets). */
    public long[] ids() {
        return sequences.get(0);
    }

    /** Token ids in all sequences. */
    public long tokens() {
        long n = 0;
        for (long[] s : sequences) {
            n += s.length;
        }
        return n;
    }

    public Instance withTeacher(float[][] vectors) {
        return new Instance(sequences, targets, vectors);
    }
}
