package dev.mtl.eval;

/**
 * Entity counts for one type (or all types) and the strict scores derived from them: an entity is
 * correct only when gold and prediction agree on start, end and type. Ratios are fractions in [0, 1]
 * (conlleval prints percentages) and 0 when undefined, as in conlleval.
 */
public record EntityScore(int gold, int predicted, int correct) {
    public EntityScore {
        if (correct < 0 || correct > gold || correct > predicted) {
            throw new IllegalArgumentException("need 0 <= correct <= gold, predicted; got correct=" + correct
                    + ", gold=" + gold + ", predicted=" + predicted);
        }
    }

    public double precision() {
        return ClassificationMetrics.ratio(correct, predicted);
    }

    public double recall() {
        return ClassificationMetrics.ratio(correct, gold);
    }

    public double f1() {
        return ClassificationMetrics.f1(precision(), recall());
    }
}
