package dev.mtl.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Counts of (gold, predicted) label pairs: row = gold, column = predicted, both in {@link #labels()}
 * order. Immutable. Not normalised: divide by row sums for per-class recall views.
 */
public record ConfusionMatrix(List<String> labels, List<List<Integer>> counts) {
    public ConfusionMatrix {
        labels = List.copyOf(labels);
        List<List<Integer>> rows = new ArrayList<>();
        for (List<Integer> row : counts) {
            if (row.size() != labels.size()) {
                throw new IllegalArgumentException("row of " + row.size() + " counts for " + labels.size() + " labels");
            }
            rows.add(List.copyOf(row));
        }
        if (rows.size() != labels.size()) {
            throw new IllegalArgumentException(rows.size() + " rows for " + labels.size() + " labels");
        }
        counts = List.copyOf(rows);
    }

    /** How many examples with gold label {@code gold} were predicted as {@code predicted}. */
    public int count(String gold, String predicted) {
        int g = labels.indexOf(gold);
        int p = labels.indexOf(predicted);
        return g < 0 || p < 0 ? 0 : counts.get(g).get(p);
    }
}
