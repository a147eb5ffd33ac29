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
 * Turns examples into {@link Instance}s: tokenizes each text the encoder reads (pre-split words when
 * the example has tokens, raw text otherwise; both texts of a pair), asks each fed task's head for its
 * target, and truncates to the training max length (a token head's per-sub-token target with it):
 * counted, and reported by the trainer; long training inputs are cut, not windowed, as in every BERT
 * fine-tuning recipe.
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

    /** How many texts were cut at the max length so far. */
    public int truncatedCount() {
        return truncated;
    }

    /**
     * @throws IllegalArgumentException naming the example and what does not fit its task's head, or a
     *     pair dataset whose examples do not all have (or all lack) a hard negative
     */
    public List<Instance> encode(List<Example> examples, Map<String, Field> feeds) {
        List<Instance> out = new ArrayList<>(examples.size());
        for (Example ex : examples) {
            Instance in = encode(ex, feeds);
            if (!out.isEmpty()
                    && in.sequences().size() != out.get(0).sequences().size()) {
                throw new IllegalArgumentException(
                        ex.id() + ": " + in.sequences().size() + " texts where "
                                + examples.get(0).id() + " has "
                                + out.get(0).sequences().size()
                                + " (give every pair a hard negative, or none)");
            }
            out.add(in);
        }
        return out;
    }

    public Instance encode(Example ex, Map<String, Field> feeds) {
        Field pairs = feeds.values().stream().filter(Field::pairs).findFirst().orElse(null);
        Alignment a = ex.tokens().isEmpty() || pairs != null
                ? Alignment.ofText(ex.text(), tokenizer.encode(ex.text()))
                : Alignment.ofWords(ex.tokens(), tokenizer.encodeWords(ex.tokens()));
        List<long[]> sequences = new ArrayList<>();
        sequences.add(cut(a.ids()));
        if (pairs != null) {
            List<String> texts = pairs.texts(ex);
            for (String t : texts.subList(1, texts.size())) {
                sequences.add(cut(tokenizer.encode(t).getIds()));
            }
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
            if (a.ids().length > maxLength && head.input() == Head.Input.TOKENS && target instanceof int[] perToken) {
                int[] t = Arrays.copyOf(perToken, maxLength);
                t[maxLength - 1] = Alignment.IGNORE; // the kept [SEP]
                target = t;
            }
            targets.put(feed.getKey(), target);
        }
        return new Instance(List.copyOf(sequences), targets);
    }

    /** The ids cut at the max length, [SEP] kept last. */
    private long[] cut(long[] ids) {
        if (ids.length <= maxLength) {
            return ids;
        }
        truncated++;
        long[] t = Arrays.copyOf(ids, maxLength);
        t[maxLength - 1] = ids[ids.length - 1];
        return t;
    }
}
