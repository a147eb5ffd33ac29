package dev.mtl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How length-sorted segments are cut into batches (hand-computed cases). */
class BatchCutTest {

    private static List<Inference.Segment> lengths(int... ls) {
        List<Inference.Segment> out = new ArrayList<>();
        for (int i = 0; i < ls.length; i++) {
            out.add(new Inference.Segment(i, new long[ls[i]], 0));
        }
        return out;
    }

    private static int[] repeat(int n, int len) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, len);
        return a;
    }

    @Test
    void equalLengthsGiveFullBatches() {
        assertArrayEquals(new int[] {32, 64, 70}, Inference.batchEnds(lengths(repeat(70, 10)), 32));
    }

    @Test
    void oneLongTextGoesAloneRatherThanPaddingTheRest() {
        int[] ls = new int[32];
        java.util.Arrays.fill(ls, 10);
        ls[0] = 40;
        // Together: 64 + 32·40 = 1344 padded-token units; apart: 64 + 40 + 64 + 31·10 = 478.
        assertArrayEquals(new int[] {1, 32}, Inference.batchEnds(lengths(ls), 32));
    }

    @Test
    void aSmallLengthStepIsNotWorthABatch() {
        // 12 then 11s: splitting saves 1 unit per row (31) but costs 64 for the extra batch.
        int[] ls = repeat(32, 11);
        ls[0] = 12;
        assertArrayEquals(new int[] {32}, Inference.batchEnds(lengths(ls), 32));
    }

    @Test
    void emptyInputHasNoBatches() {
        assertArrayEquals(new int[0], Inference.batchEnds(lengths(), 32));
    }

    @Test
    void anEngineRunningSeveralPassesGetsOneFromEachCallWhenItCan() {
        assertEquals(32, Inference.maxBatch(40, 32, 1));
        assertEquals(20, Inference.maxBatch(40, 32, 2));
        assertEquals(11, Inference.maxBatch(21, 32, 2));
        assertEquals(32, Inference.maxBatch(100, 32, 2));
        assertEquals(1, Inference.maxBatch(1, 32, 2));
        assertEquals(1, Inference.maxBatch(0, 32, 2));
    }
}
