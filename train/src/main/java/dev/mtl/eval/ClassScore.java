package dev.mtl.eval;

/**
 * Scores for one class. A ratio whose denominator is zero (a class never predicted, or never in gold)
 * is 0, as scikit-learn's {@code zero_division=0}.
 *
 * @param support how many gold examples have this label
 */
public record ClassScore(String label, double precision, double recall, double f1, int support) {}
