package dev.mtl.train;

import dev.mtl.MultiTaskModel;
import dev.mtl.data.Example;
import dev.mtl.data.Field;
import dev.mtl.heads.Head;
import dev.mtl.tokenize.Alignment;
import dev.mtl.tokenize.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns examples into {@link Instance}s: tokenizes (pre-split words when the example has tokens, raw
 * text otherwise), asks each fed task's head for its target, and truncates to the training max length
 * (a token head's per-sub-token target with it): counted, and reported by the trainer; long training
 * inputs are cut, not windowed, as in every BERT fine-tuning recipe.
 */
public final class InstanceEncoder {

    private final TextTokenizer tokenizer;
    private final MultiTaskModel model;
    private final int maxLength;
    private int truncated;

    public InstanceEncoder(MultiTaskModel model, int maxLength) {
        this.tokenizer = model.backbone().tokenizer();
        this.model = model;
        this.maxLength = maxLength;
    }

    /** How many examples were cut at the max length so far. */
    public int truncatedCount() {
        return truncated;
    }

    public List<Instance> encode(List<Example> examples, Map<String, Field> feeds) {
        List<Instance> out = new ArrayList<>(examples.size());
        for (Example ex : examples) {
            out.add(encode(ex, feeds));
        }
        return out;
    }

    /** @throws IllegalArgumentException naming the example and what does not fit its task's head */
    public Instance encode(Example ex, Map<String, Field> feeds) {
        Alignment a = ex.tokens().isEmpty()
                ? Alignment.ofText(ex.text(), tokenizer.encode(ex.text()))
                : Alignment.ofWords(ex.tokens(), tokenizer.encodeWords(ex.tokens()));
        long[] ids = a.ids();
        boolean cut = ids.length > maxLength;
        if (cut) {
            truncated++;
            long[] t = Arrays.copyOf(ids, maxLength);
            t[maxLength - 1] = ids[ids.length - 1]; // keep [SEP]
            ids = t;
        }
        Map<String, Object> targets = new LinkedHashMap<>();
        for (var feed : feeds.entrySet()) {
            Head<?, ?> head = model.head(feed.getKey());
            Object target;
            try {
                target = head.target(feed.getValue().gold(ex, a), a);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ex.id() + ": " + e.getMessage(), e);
            }
            if (cut && head.input() == Head.Input.TOKENS && target instanceof int[] perToken) {
                int[] t = Arrays.copyOf(perToken, maxLength);
                t[maxLength - 1] = Alignment.IGNORE; // the kept [SEP]
                target = t;
            }
            targets.put(feed.getKey(), target);
        }
        return new Instance(ids, targets);
    }
}
