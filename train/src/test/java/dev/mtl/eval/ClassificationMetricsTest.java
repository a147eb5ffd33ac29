package dev.mtl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClassificationMetricsTest {
    private static final double EPS = 1e-12;

    /**
     * Pairs (gold, predicted): (a,a) (a,a) (a,b) (b,b) (b,c) (c,c). Accuracy 4/6.
     * a: tp 2, predicted 2, support 3: P 1, R 2/3, F1 0.8. b: tp 1, predicted 2, support 2: P R F1 0.5.
     * c: tp 1, predicted 2, support 1: P 0.5, R 1, F1 2/3. Macro-F1 (0.8 + 0.5 + 2/3) / 3.
     */
    @Test
    void handComputedThreeClasses() {
        ClassificationReport r = ClassificationMetrics.evaluate(
                List.of("a", "a", "a", "b", "b", "c"), List.of("a", "a", "b", "b", "c", "c"));
        assertEquals(6, r.total());
        assertEquals(4.0 / 6, r.accuracy(), EPS);
        assertEquals((0.8 + 0.5 + 2.0 / 3) / 3, r.macroF1(), EPS);
        assertEquals("a", r.perClass().get(0).label());
        assertEquals(1.0, r.perClass().get(0).precision(), EPS);
        assertEquals(2.0 / 3, r.perClass().get(0).recall(), EPS);
        assertEquals(0.8, r.perClass().get(0).f1(), EPS);
        assertEquals(0.5, r.perClass().get(2).precision(), EPS);
        assertEquals(1.0, r.perClass().get(2).recall(), EPS);
        assertEquals(1, r.perClass().get(2).support());
        assertEquals(List.of("a", "b", "c"), r.confusion().labels());
        assertEquals(
                List.of(List.of(2, 1, 0), List.of(0, 1, 1), List.of(0, 0, 1)),
                r.confusion().counts());
        assertEquals(1, r.confusion().count("b", "c"));
    }

    /** z is only predicted: it joins the label set with F1 0, halving macro-F1 from 2/3 to 1/3. */
    @Test
    void macroF1CountsLabelsOnlyPredicted() {
        ClassificationReport r = ClassificationMetrics.evaluate(List.of("a", "a"), List.of("a", "z"));
        assertEquals(List.of("a", "z"), r.confusion().labels());
        assertEquals(1.0 / 3, r.macroF1(), EPS);
        assertEquals(0.0, r.perClass().get(1).precision());
        assertEquals(0, r.perClass().get(1).support());
    }

    @Test
    void toMapIsJsonFriendly() {
        Map<String, Object> map = ClassificationMetrics.evaluate(List.of("x", "y"), List.of("x", "x"))
                .toMap();
        assertEquals(List.of("total", "accuracy", "macro_f1", "per_class", "confusion"), List.copyOf(map.keySet()));
        assertEquals(0.5, map.get("accuracy"));
        assertEquals(
                Map.of("labels", List.of("x", "y"), "counts", List.of(List.of(1, 0), List.of(1, 0))),
                map.get("confusion"));
    }

    @Test
    void mismatchedLengthsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.evaluate(List.of("a"), List.of()));
    }
}
