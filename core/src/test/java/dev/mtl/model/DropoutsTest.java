package dev.mtl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.mtl.Engines;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The Java-drawn dropout mask: its values, its rate, its reproducibility and its gradient. */
class DropoutsTest {

    @Test
    void keepsOneMinusRateScaledAndZeroesTheRest() {
        try (NDManager m = Engines.newManager()) {
            NDArray x = m.ones(new Shape(1000, 1000));
            Dropouts.reseed(7);
            float[] y = Dropouts.apply(x, 0.1f, true).toFloatArray();
            long kept = 0;
            for (float v : y) {
                assertTrue(v == 0f || v == 1f / 0.9f, "value " + v);
                if (v != 0f) {
                    kept++;
                }
            }
            // 1e6 Bernoulli(0.9) draws: standard deviation 300, so 5 sigma is 1,500.
            assertEquals(900_000, kept, 1_500);
        }
    }

    @Test
    void branchFreeFillFollowsTheComparisonRule() {
        // The rule the fill implements: element i of block b is kept when its unsigned 32-bit draw from
        // the block's generator is at least round(rate * 2^32). Checked at the edges of that threshold too.
        int n = Dropouts.BLOCK + 1001; // two blocks, the second with an odd tail
        for (float rate : new float[] {0.1f, 0.5f, 1e-12f, 0.999999f}) {
            java.nio.FloatBuffer out = java.nio.ByteBuffer.allocateDirect(n * 4)
                    .order(java.nio.ByteOrder.nativeOrder())
                    .asFloatBuffer();
            Dropouts.fill(out, n, rate, 42);
            long threshold = Math.round(rate * 4294967296.0);
            float scale = 1f / (1f - rate);
            long[] draws = new long[n];
            for (int b = 0; b * Dropouts.BLOCK < n; b++) {
                java.util.SplittableRandom rnd = new java.util.SplittableRandom(Dropouts.blockSeed(42, b));
                int from = b * Dropouts.BLOCK;
                int to = Math.min(n, from + Dropouts.BLOCK);
                for (int i = from; i < to; i += 2) {
                    long r = rnd.nextLong();
                    draws[i] = r & 0xFFFFFFFFL;
                    if (i + 1 < to) {
                        draws[i + 1] = r >>> 32;
                    }
                }
            }
            int kept = 0;
            for (int i = 0; i < n; i++) {
                float want = draws[i] >= threshold ? scale : 0f;
                assertEquals(want, out.get(i), "rate " + rate + ", element " + i);
                kept += want != 0f ? 1 : 0;
            }
            assertTrue(
                    rate > 0.9f ? kept < 10 : rate < 1e-6f ? kept == n : kept > 0 && kept < n,
                    "rate " + rate + ": kept " + kept);
        }
    }

    @Test
    void sameSeedSameMasksAndSuccessiveCallsDiffer() {
        try (NDManager m = Engines.newManager()) {
            NDArray x = m.ones(new Shape(300, 384)); // several blocks, filled in parallel
            Dropouts.reseed(42);
            float[] a1 = Dropouts.apply(x, 0.1f, true).toFloatArray();
            float[] a2 = Dropouts.apply(x, 0.1f, true).toFloatArray();
            Dropouts.reseed(42);
            float[] b1 = Dropouts.apply(x, 0.1f, true).toFloatArray();
            float[] b2 = Dropouts.apply(x, 0.1f, true).toFloatArray();
            Dropouts.reseed(43);
            float[] c1 = Dropouts.apply(x, 0.1f, true).toFloatArray();
            assertArrayEquals(a1, b1);
            assertArrayEquals(a2, b2);
            assertFalse(Arrays.equals(a1, a2));
            assertFalse(Arrays.equals(a1, c1));
        }
    }

    @Test
    void gradientIsTheMask() {
        try (NDManager m = Engines.newManager()) {
            NDArray x = m.randomNormal(new Shape(64, 100));
            x.setRequiresGradient(true);
            Dropouts.reseed(1);
            NDArray y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                y = Dropouts.apply(x, 0.25f, true);
                gc.backward(y.sum());
            }
            float[] xs = x.toFloatArray();
            float[] ys = y.toFloatArray();
            float[] g = x.getGradient().toFloatArray();
            for (int i = 0; i < xs.length; i++) {
                float mask = g[i];
                assertTrue(mask == 0f || mask == 1f / 0.75f, "gradient " + mask);
                assertEquals(xs[i] * mask, ys[i], 1e-6f);
            }
        }
    }

    @Test
    void offOutsideTrainingAndAtRateZero() {
        try (NDManager m = Engines.newManager()) {
            NDArray x = m.ones(new Shape(10));
            assertSame(x, Dropouts.apply(x, 0.1f, false));
            assertSame(x, Dropouts.apply(x, 0f, true));
        }
    }
}
