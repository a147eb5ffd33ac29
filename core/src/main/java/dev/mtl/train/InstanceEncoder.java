package dev.mtl.train;

import dev.mtl.config.TaskConfig;
import dev.mtl.data.CharEntity;
import dev.mtl.data.Example;
import dev.mtl.tokenize.Alignment;
import dev.mtl.tokenize.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns examples into {@link Instance}s: tokenizes (pre-split words when the example has tokens, raw
 * text otherwise), maps labels to indices, aligns word tags to sub-tokens, and truncates to the
 * training max length (counted, and reported by the trainer: long training inputs are cut, not
 * windowed, as in every BERT fine-tuning recipe). Span entities are turned into word tags (B- on the
 * first word that overlaps the span, I- on the following overlapping words).
 */
public final class InstanceEncoder {

    /** Which field of an example feeds a task. */
    public enum Field {
        LABEL,
        TAGS
    }

    private final TextTokenizer tokenizer;
    private final int maxLength;
    private int truncated;

    public InstanceEncoder(TextTokenizer tokenizer, int maxLength) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
    }

    /** How many examples were cut at the max length so far. */
    public int truncatedCount() {
        return truncated;
    }

    public List<Instance> encode(List<Example> examples, Map<String, Field> feeds, Map<String, TaskConfig> tasks) {
        List<Instance> out = new ArrayList<>(examples.size());
        for (Example ex : examples) {
            out.add(encode(ex, feeds, tasks));
        }
        return out;
    }

    public Instance encode(Example ex, Map<String, Field> feeds, Map<String, TaskConfig> tasks) {
        boolean words = !ex.tokens().isEmpty();
        Alignment a = words
                ? Alignment.ofWords(ex.tokens(), tokenizer.encodeWords(ex.tokens()))
                : Alignment.ofText(ex.text(), tokenizer.encode(ex.text()));
        long[] ids = a.ids();
        boolean cut = ids.length > maxLength;
        if (cut) {
            truncated++;
            long[] t = Arrays.copyOf(ids, maxLength);
            t[maxLength - 1] = ids[ids.length - 1]; // keep [SEP]
            ids = t;
        }
        Map<String, Integer> cls = new HashMap<>();
        Map<String, float[]> multi = new HashMap<>();
        Map<String, int[]> tok = new HashMap<>();
        for (var e : feeds.entrySet()) {
            TaskConfig task = tasks.get(e.getKey());
            if (e.getValue() == Field.LABEL) {
                if (ex.labels().isEmpty()) {
                    throw new IllegalArgumentException(ex.id() + ": no label for task '" + task.name() + "'");
                }
                if (task.multiLabel()) {
                    float[] hot = new float[task.labels().size()];
                    for (String l : ex.labels()) {
                        hot[labelIndex(task, l, ex)] = 1f;
                    }
                    multi.put(task.name(), hot);
                } else {
                    if (ex.labels().size() != 1) {
                        throw new IllegalArgumentException(
                                ex.id() + ": " + ex.labels().size() + " labels " + ex.labels()
                                        + " for single-label task '" + task.name() + "' (set multi_label: true)");
                    }
                    cls.put(task.name(), labelIndex(task, ex.labels().get(0), ex));
                }
            } else {
                List<String> tags = words ? ex.tags() : tagsFromSpans(ex, a);
                if (tags.size() != a.words().size()) {
                    throw new IllegalArgumentException(ex.id() + ": no tags for task '" + task.name() + "'");
                }
                int[] wordLabels = new int[tags.size()];
                for (int w = 0; w < tags.size(); w++) {
                    wordLabels[w] = labelIndex(task, tags.get(w), ex);
                }
                int[] sub = a.subTokenLabels(wordLabels);
                if (cut) {
                    int[] t = Arrays.copyOf(sub, maxLength);
                    t[maxLength - 1] = Alignment.IGNORE;
                    sub = t;
                }
                tok.put(task.name(), sub);
            }
        }
        return new Instance(ids, cls, multi, tok);
    }

    private static int labelIndex(TaskConfig task, String label, Example ex) {
        int i = task.labels().indexOf(label);
        if (i < 0) {
            throw new IllegalArgumentException(
                    ex.id() + ": label '" + label + "' is not one of task '" + task.name() + "' labels");
        }
        return i;
    }

    /** BIO word tags from character-span entities over the tokenizer's words. */
    static List<String> tagsFromSpans(Example ex, Alignment a) {
        List<String> tags = new ArrayList<>();
        for (int w = 0; w < a.words().size(); w++) {
            tags.add("O");
        }
        for (CharEntity e : ex.entities()) {
            boolean first = true;
            for (int w = 0; w < a.words().size(); w++) {
                if (a.charStart()[w] < e.end() && a.charEnd()[w] > e.start()) {
                    tags.set(w, (first ? "B-" : "I-") + e.label());
                    first = false;
                }
            }
        }
        return tags;
    }
}
