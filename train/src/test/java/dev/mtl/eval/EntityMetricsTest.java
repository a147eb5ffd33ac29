package dev.mtl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mtl.heads.Entities;
import dev.mtl.heads.Span;
import java.util.List;
import org.junit.jupiter.api.Test;

class EntityMetricsTest {
    private static final double EPS = 1e-12;

    @Test
    void entityStartingWithInside() {
        assertEquals(List.of(new Span(0, 2, "PER")), Entities.spans(List.of("I-PER", "I-PER", "O")));
        assertEquals(List.of(new Span(1, 2, "PER")), Entities.spans(List.of("O", "I-PER", "O")));
    }

    @Test
    void typeMismatchStartsANewEntity() {
        assertEquals(
                List.of(new Span(0, 1, "PER"), new Span(1, 3, "LOC")),
                Entities.spans(List.of("B-PER", "I-LOC", "I-LOC")));
    }

    @Test
    void adjacentEntitiesOfOneType() {
        assertEquals(
                List.of(new Span(0, 1, "PER"), new Span(1, 3, "PER")),
                Entities.spans(List.of("B-PER", "B-PER", "I-PER")));
    }

    @Test
    void entityAtSentenceEnd() {
        assertEquals(
                List.of(new Span(1, 3, "creative-work")),
                Entities.spans(List.of("O", "B-creative-work", "I-creative-work")));
    }

    @Test
    void invalidTagIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Entities.spans(List.of("O", "E-PER")));
    }

    /**
     * Four sentences, gold / predicted:
     * <pre>
     * 1  B-PER I-PER O B-LOC  /  B-PER I-PER O B-ORG   PER(0,2) right; LOC vs ORG at 3 wrong
     * 2  O B-ORG I-ORG O      /  O B-ORG O O           ORG(1,3) vs ORG(1,2): wrong end
     * 3  B-LOC O              /  I-LOC O               I- opens LOC(0,1): right
     * 4  O O                  /  B-PER O               spurious PER
     * </pre>
     * Gold 4 (PER 1, LOC 2, ORG 1); predicted 5 (PER 2, LOC 1, ORG 2); correct 2 (PER 1, LOC 1).
     * Overall P = 2/5 = 0.4, R = 2/4 = 0.5, F1 = 2 * 0.4 * 0.5 / 0.9 = 4/9.
     * PER: P 1/2, R 1/1, F1 2/3. LOC: P 1/1, R 1/2, F1 2/3. ORG: P 0/2, R 0/1, F1 0.
     * Token accuracy 8/12 (B-LOC vs I-LOC is a wrong tag though the entity is right).
     */
    @Test
    void multiSentenceHandComputed() {
        NerReport r = EntityMetrics.evaluate(
                List.of(
                        List.of("B-PER", "I-PER", "O", "B-LOC"),
                        List.of("O", "B-ORG", "I-ORG", "O"),
                        List.of("B-LOC", "O"),
                        List.of("O", "O")),
                List.of(
                        List.of("B-PER", "I-PER", "O", "B-ORG"),
                        List.of("O", "B-ORG", "O", "O"),
                        List.of("I-LOC", "O"),
                        List.of("B-PER", "O")));
        assertEquals(new EntityScore(4, 5, 2), r.overall());
        assertEquals(0.4, r.overall().precision(), EPS);
        assertEquals(0.5, r.overall().recall(), EPS);
        assertEquals(4.0 / 9, r.overall().f1(), EPS);
        assertEquals(new EntityScore(1, 2, 1), r.perType().get("PER"));
        assertEquals(2.0 / 3, r.perType().get("PER").f1(), EPS);
        assertEquals(new EntityScore(2, 1, 1), r.perType().get("LOC"));
        assertEquals(2.0 / 3, r.perType().get("LOC").f1(), EPS);
        assertEquals(new EntityScore(1, 2, 0), r.perType().get("ORG"));
        assertEquals(0.0, r.perType().get("ORG").f1());
        assertEquals(8.0 / 12, r.tokenAccuracy(), EPS);
        assertEquals(
                List.of("overall", "token_accuracy", "per_type"),
                List.copyOf(r.toMap().keySet()));
    }

    /** An entity must not run across a sentence break: B-X at the end, I-X at the next start are two. */
    @Test
    void sentenceEndClosesEntities() {
        NerReport r = EntityMetrics.evaluate(
                List.of(List.of("O", "B-X"), List.of("I-X")), List.of(List.of("O", "B-X"), List.of("B-X")));
        assertEquals(new EntityScore(2, 2, 2), r.overall());
    }

    @Test
    void noPredictionsScoreZeroNotNaN() {
        NerReport r = EntityMetrics.evaluate(List.of(List.of("B-X")), List.of(List.of("O")));
        assertEquals(0.0, r.overall().precision());
        assertEquals(0.0, r.overall().f1());
    }
}
