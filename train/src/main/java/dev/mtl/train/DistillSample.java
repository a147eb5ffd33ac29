package dev.mtl.train;

import java.util.ArrayList;
import java.util.List;

/** Which of a batch's texts distillation reads when {@code preserve.sample} is below 1. */
final class DistillSample {

    private DistillSample() {}

    /**
     * {@code items} reordered so that {@code k} of them, evenly spread over the list, come first (in
     * their order), then the others in theirs. A batch is sorted by length, so the sample spans its
     * lengths instead of taking the shortest texts.
     */
    static <T> List<T> spreadFirst(List<T> items, int k) {
        int n = items.size();
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("a sample of " + k + " from " + n);
        }
        boolean[] taken = new boolean[n];
        List<T> out = new ArrayList<>(n);
        for (int j = 0; j < k; j++) {
            int i = (int) ((2L * j + 1) * n / (2L * k)); // the middle of the j-th of k equal parts
            taken[i] = true;
            out.add(items.get(i));
        }
        for (int i = 0; i < n; i++) {
            if (!taken[i]) {
                out.add(items.get(i));
            }
        }
        return out;
    }
}
