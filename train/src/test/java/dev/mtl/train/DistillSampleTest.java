package dev.mtl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DistillSampleTest {

    private static final List<Integer> BATCH = IntStream.range(0, 32).boxed().toList();

    @Test
    void theSampleSpansTheBatchAndComesFirst() {
        List<Integer> out = DistillSample.spreadFirst(BATCH, 8);
        assertEquals(List.of(2, 6, 10, 14, 18, 22, 26, 30), out.subList(0, 8), "the middle of each eighth");
        assertEquals(List.of(0, 1, 3, 4, 5, 7), out.subList(8, 14), "then the others in order");
        assertEquals(BATCH, out.stream().sorted().toList(), "every item once");
        assertEquals(List.of(1), DistillSample.spreadFirst(List.of(0, 1, 2), 1).subList(0, 1));
        assertEquals(BATCH, DistillSample.spreadFirst(BATCH, 32), "all of them: the order stays");
    }

    @Test
    void aSampleMustFitTheBatch() {
        assertThrows(IllegalArgumentException.class, () -> DistillSample.spreadFirst(BATCH, 0));
        assertThrows(IllegalArgumentException.class, () -> DistillSample.spreadFirst(BATCH, 33));
    }
}
