package dev.mtl.eval;

import dev.mtl.heads.Entities;
import dev.mtl.heads.Span;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Entity-level strict precision/recall/F1 for NER, equal to conlleval's on the same tags (chunks from
 * {@link Chunk#extract}, sentence by sentence, a sentence end closing every entity). Not span-overlap or
 * partial-match scoring.
 */
public final class EntityMetrics {
    private static final int GOLD = 0;
    private static final int PREDICTED = 1;
    private static final int CORRECT = 2;

    private EntityMetrics() {}

    /** @param gold and {@code predicted}: one tag list per sentence, same lengths sentence by sentence */
    public static NerReport evaluate(List<List<String>> gold, List<List<String>> predicted) {
        if (gold.size() != predicted.size()) {
            throw new IllegalArgumentException(gold.size() + " gold sentences for " + predicted.size() + " predicted");
        }
        Map<String, int[]> counts = new TreeMap<>(); // type -> {gold, predicted, correct}
        int tokens = 0;
        int correctTags = 0;
        for (int s = 0; s < gold.size(); s++) {
            List<String> g = gold.get(s);
            List<String> p = predicted.get(s);
            if (g.size() != p.size()) {
                throw new IllegalArgumentException(
                        "sentence " + s + ": " + g.size() + " gold tags, " + p.size() + " predicted");
            }
            for (int t = 0; t < g.size(); t++) {
                correctTags += g.get(t).equals(p.get(t)) ? 1 : 0;
            }
            tokens += g.size();
            Set<Span> predictedChunks = new HashSet<>(Entities.spans(p));
            for (Span c : Entities.spans(g)) {
                int[] n = counts.computeIfAbsent(c.type(), k -> new int[3]);
                n[GOLD]++;
                n[CORRECT] += predictedChunks.contains(c) ? 1 : 0;
            }
            for (Span c : predictedChunks) {
                counts.computeIfAbsent(c.type(), k -> new int[3])[PREDICTED]++;
            }
        }
        Map<String, EntityScore> perType = new TreeMap<>();
        int[] total = new int[3];
        counts.forEach((type, n) -> {
            perType.put(type, new EntityScore(n[GOLD], n[PREDICTED], n[CORRECT]));
            for (int k = 0; k < total.length; k++) {
                total[k] += n[k];
            }
        });
        EntityScore overall = new EntityScore(total[GOLD], total[PREDICTED], total[CORRECT]);
        return new NerReport(overall, perType, ClassificationMetrics.ratio(correctTags, tokens));
    }
}
