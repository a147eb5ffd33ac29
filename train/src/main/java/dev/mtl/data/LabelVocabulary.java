package dev.mtl.data;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The label ↔ index table for one task, built from the training examples only. Index 0 is
 * {@link #UNKNOWN}: a label never seen in training (a dev/test intent, a new NER tag) maps there on
 * purpose instead of failing, because a model cannot predict a class it was never trained on and the
 * evaluation should count such examples as errors, not crash. {@link #unknownCount()} says how many
 * lookups fell back, so a surprising number is visible. Known labels follow in sorted order, so the
 * table does not depend on example order. Not a tokenizer vocabulary.
 */
public final class LabelVocabulary {
    /** Same spelling as the UNK entry of JointBERT's intent_label.txt/slot_label.txt. */
    public static final String UNKNOWN = "UNK";

    public static final int UNKNOWN_INDEX = 0;

    private final List<String> labels;
    private final Map<String, Integer> index = new HashMap<>();
    private final AtomicLong unknown = new AtomicLong();

    private LabelVocabulary(Collection<String> known) {
        labels = new ArrayList<>();
        labels.add(UNKNOWN);
        for (String label : new TreeSet<>(known)) {
            if (!label.equals(UNKNOWN)) {
                labels.add(label);
            }
        }
        for (int i = 0; i < labels.size(); i++) {
            index.put(labels.get(i), i);
        }
    }

    /**
     * @param field which labels to collect, e.g. {@code Example::labels} (classes) or {@code Example::tags}
     *     (token tags)
     */
    public static LabelVocabulary fromExamples(Collection<Example> training, Function<Example, List<String>> field) {
        List<String> all = new ArrayList<>();
        training.forEach(e -> all.addAll(field.apply(e)));
        return new LabelVocabulary(all);
    }

    /** The index of {@code label}; {@link #UNKNOWN_INDEX} (counted) when training never had it. */
    public int indexOf(String label) {
        Integer i = index.get(label);
        if (i == null) {
            unknown.incrementAndGet();
            return UNKNOWN_INDEX;
        }
        return i;
    }

    public String label(int i) {
        return labels.get(i);
    }

    /** Number of entries including {@link #UNKNOWN}. */
    public int size() {
        return labels.size();
    }

    public List<String> labels() {
        return List.copyOf(labels);
    }

    /** How many {@link #indexOf} calls so far mapped an unseen label to {@link #UNKNOWN}. */
    public long unknownCount() {
        return unknown.get();
    }
}
