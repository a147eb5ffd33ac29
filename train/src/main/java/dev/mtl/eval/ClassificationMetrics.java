package dev.mtl.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Single-label classification metrics from parallel lists of gold and predicted labels. Macro-F1 averages
 * the per-class F1 over gold ∪ predicted labels (scikit-learn's default label set), so predicting a
 * class that never occurs in gold costs macro-F1 instead of going unnoticed. Not for multi-label
 * examples: score each label as its own binary task.
 */
public final class ClassificationMetrics {
    private ClassificationMetrics() {}

    public static ClassificationReport evaluate(List<String> gold, List<String> predicted) {
        if (gold.size() != predicted.size()) {
            throw new IllegalArgumentException(gold.size() + " gold labels for " + predicted.size() + " predictions");
        }
        if (gold.isEmpty()) {
            throw new IllegalArgumentException("no examples: accuracy of nothing is undefined");
        }
        TreeSet<String> labelSet = new TreeSet<>(gold);
        labelSet.addAll(predicted);
        List<String> labels = List.copyOf(labelSet);
        int n = labels.size();
        int[][] counts = new int[n][n];
        int correct = 0;
        for (int i = 0; i < gold.size(); i++) {
            counts[labels.indexOf(gold.get(i))][labels.indexOf(predicted.get(i))]++;
            correct += gold.get(i).equals(predicted.get(i)) ? 1 : 0;
        }

        List<ClassScore> perClass = new ArrayList<>(n);
        double f1Sum = 0;
        for (int c = 0; c < n; c++) {
            int truePositives = counts[c][c];
            int support = 0;
            int predictedAs = 0;
            for (int k = 0; k < n; k++) {
                support += counts[c][k];
                predictedAs += counts[k][c];
            }
            double precision = ratio(truePositives, predictedAs);
            double recall = ratio(truePositives, support);
            double f1 = f1(precision, recall);
            f1Sum += f1;
            perClass.add(new ClassScore(labels.get(c), precision, recall, f1, support));
        }
        List<List<Integer>> rows = new ArrayList<>(n);
        for (int[] row : counts) {
            rows.add(Arrays.stream(row).boxed().toList());
        }
        return new ClassificationReport(
                gold.size(), (double) correct / gold.size(), f1Sum / n, perClass, new ConfusionMatrix(labels, rows));
    }

    /** {@code num / den}, or 0 when {@code den} is 0. */
    static double ratio(int num, int den) {
        return den == 0 ? 0.0 : (double) num / den;
    }

    /** Harmonic mean, 0 when both are 0. */
    static double f1(double precision, double recall) {
        return precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);
    }
}
