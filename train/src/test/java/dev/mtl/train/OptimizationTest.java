package dev.mtl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.mtl.Engines;
import dev.mtl.model.NativeViews;
import java.util.List;
import org.junit.jupiter.api.Test;

/** AdamW, the schedules and the task sampler on hand-computed cases. */
class OptimizationTest {

    /** torch.optim.AdamW by hand: m = 0.1g, v = 0.001g², m̂ = g, v̂ = g², p -= lr(wd·p + g/(|g|+eps)). */
    @Test
    void adamWFirstStepMatchesTheFormula() {
        try (NDManager m = Engines.newManager();
                AdamW opt = new AdamW(m, 0.9f, 0.999f, 1e-8f)) {
            NDArray w = m.create(new float[] {1f, -2f, 3f});
            NDArray b = m.create(new float[] {0.5f});
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                // loss = sum(w * [1, 2, -4]) + 3b → grad w = [1, 2, -4], grad b = [3]
                gc.backward(w.mul(m.create(new float[] {1f, 2f, -4f}))
                        .sum()
                        .add(b.mul(3f).sum()));
            }
            double norm =
                    opt.step(List.of(new AdamW.Group("w", w, 1f, 0.1f), new AdamW.Group("b", b, 2f, 0f)), 0.01f, 0f);
            assertEquals(Math.sqrt(1 + 4 + 16 + 9), norm, 1e-5);
            float lr = 0.01f;
            assertArrayEquals(
                    new float[] {1f * (1 - lr * 0.1f) - lr, -2f * (1 - lr * 0.1f) - lr, 3f * (1 - lr * 0.1f) + lr},
                    w.toFloatArray(),
                    1e-6f);
            assertArrayEquals(new float[] {0.5f - 2 * lr}, b.toFloatArray(), 1e-6f); // scale 2, no decay
            try (NDArray g = w.getGradient()) {
                assertArrayEquals(new float[] {0, 0, 0}, g.toFloatArray(), 0f); // zeroed after the update (-0 counts)
            }
        }
    }

    /**
     * Three steps on a tensor of several work chunks plus a small one, with decay, clipping and a
     * changing learning rate, against torch.optim.AdamW written out in double precision.
     */
    @Test
    void severalStepsMatchAReferenceInDouble() {
        int n = 200_003; // four chunks of 2^16 and a ragged end
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        float[] w0 = new float[n];
        for (int i = 0; i < n; i++) {
            w0[i] = (float) rnd.nextGaussian();
        }
        double[] p = new double[n + 1];
        double[] mm = new double[n + 1];
        double[] vv = new double[n + 1];
        for (int i = 0; i < n; i++) {
            p[i] = w0[i];
        }
        p[n] = 0.25;
        try (NDManager m = Engines.newManager();
                AdamW opt = new AdamW(m, 0.9f, 0.999f, 1e-8f)) {
            NDArray w = m.create(w0);
            NDArray b = m.create(new float[] {0.25f});
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            float[] lrs = {1e-3f, 5e-4f, 2e-4f};
            for (int t = 1; t <= 3; t++) {
                float[] coef = new float[n];
                for (int i = 0; i < n; i++) {
                    coef[i] = (float) rnd.nextGaussian() * t;
                }
                float cb = -2f * t;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(w.mul(m.create(coef)).sum().add(b.mul(cb).sum()));
                }
                double sq = cb * (double) cb;
                for (float c : coef) {
                    sq += c * (double) c;
                }
                double clip = 100;
                double norm = opt.step(
                        List.of(new AdamW.Group("w", w, 1f, 0.01f), new AdamW.Group("b", b, 10f, 0f)),
                        lrs[t - 1],
                        (float) clip);
                assertEquals(Math.sqrt(sq), norm, 1e-6 * Math.sqrt(sq));
                assertTrue(
                        NativeViews.floats(w) != null && NativeViews.floats(b) != null,
                        "both tensors can be updated in place through direct views");
                double scale = Math.sqrt(sq) > clip ? clip / (Math.sqrt(sq) + 1e-6) : 1;
                for (int i = 0; i <= n; i++) {
                    double lr = i < n ? lrs[t - 1] : lrs[t - 1] * 10.0;
                    double wd = i < n ? 0.01 : 0;
                    double g = (i < n ? coef[i] : cb) * scale;
                    p[i] *= 1 - lr * wd;
                    mm[i] = 0.9 * mm[i] + 0.1 * g;
                    vv[i] = 0.999 * vv[i] + 0.001 * g * g;
                    double denom = Math.sqrt(vv[i]) / Math.sqrt(1 - Math.pow(0.999, t)) + 1e-8;
                    p[i] -= lr / (1 - Math.pow(0.9, t)) * mm[i] / denom;
                }
            }
            float[] got = w.toFloatArray();
            double worst = 0;
            for (int i = 0; i < n; i++) {
                worst = Math.max(worst, Math.abs(got[i] - p[i]));
            }
            assertEquals(0, worst, 1e-6, "largest difference from the double-precision reference");
            assertEquals(p[n], b.toFloatArray()[0], 1e-6);
            try (NDArray g = w.getGradient()) {
                assertEquals(0f, g.abs().max().getFloat(), 0f); // zeroed after the update
            }
        }
    }

    /** Lazy rows: a row without gradient keeps value and moments; the others get the dense update. */
    @Test
    void lazyRowsSkipRowsWithoutGradient() {
        try (NDManager m = Engines.newManager();
                AdamW lazy = new AdamW(m, 0.9f, 0.999f, 1e-8f);
                AdamW dense = new AdamW(m, 0.9f, 0.999f, 1e-8f)) {
            float[] init = {1f, 2f, 3f, 4f, 5f, 6f}; // 3 rows of 2
            NDArray a = m.create(init, new ai.djl.ndarray.types.Shape(3, 2));
            NDArray b = m.create(init, new ai.djl.ndarray.types.Shape(3, 2));
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            NDArray coef1 = m.create(
                    new float[] {1f, -1f, 0f, 0f, 2f, 0.5f}, new ai.djl.ndarray.types.Shape(3, 2)); // row 1 unused
            NDArray coef2 =
                    m.create(new float[] {0f, 0f, 0f, 0f, 1f, 1f}, new ai.djl.ndarray.types.Shape(3, 2)); // only row 2
            for (NDArray coef : List.of(coef1, coef2)) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(a.mul(coef).sum().add(b.mul(coef).sum()));
                }
                lazy.step(List.of(new AdamW.Group("e", a, 1f, 0.1f, true)), 0.01f, 0f);
                dense.step(List.of(new AdamW.Group("e", b, 1f, 0.1f, false)), 0.01f, 0f);
            }
            float[] la = a.toFloatArray();
            float[] de = b.toFloatArray();
            assertArrayEquals(new float[] {3f, 4f}, new float[] {la[2], la[3]}, 0f); // never had a gradient
            assertArrayEquals(new float[] {de[4], de[5]}, new float[] {la[4], la[5]}, 0f); // gradient in both steps
            // Row 0 had a gradient in step 1 only: lazy leaves it after step 1, dense moves it on (momentum, decay).
            assertEquals(1f * (1 - 0.01f * 0.1f) - 0.01f, la[0], 1e-6f);
            assertTrue(Math.abs(de[0] - la[0]) > 1e-3, "dense keeps moving row 0: " + de[0] + " vs " + la[0]);
            assertTrue(NativeViews.floats(a) != null, "the lazy table has a direct view");
        }
    }

    /**
     * Lazy rows told which rows the step looked up give the same bits as the scan for non-zero rows:
     * weights, moments and the gradient norm, over three steps with clipping on a table whose rows are
     * not a multiple of 4 long and whose chunks end inside the row set. A listed row whose gradient
     * is zero stays untouched, as in the scan.
     */
    @Test
    void lazyRowsWithTheRowsLookedUpEqualTheScanBitForBit() {
        int rows = 700;
        int width = 99; // 64Ki / 99 rows per chunk: chunks of 661 rows, tails not a multiple of 4
        java.util.Random rnd = new java.util.Random(5);
        float[] init = new float[rows * width];
        for (int i = 0; i < init.length; i++) {
            init[i] = (float) rnd.nextGaussian();
        }
        try (NDManager m = Engines.newManager();
                AdamW scan = new AdamW(m, 0.9f, 0.999f, 1e-8f);
                AdamW listed = new AdamW(m, 0.9f, 0.999f, 1e-8f)) {
            NDArray a = m.create(init, new ai.djl.ndarray.types.Shape(rows, width));
            NDArray b = m.create(init, new ai.djl.ndarray.types.Shape(rows, width));
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            for (int step = 0; step < 3; step++) {
                java.util.BitSet used = new java.util.BitSet();
                float[] coef = new float[rows * width];
                for (int k = 0; k < 40; k++) {
                    int r = rnd.nextInt(rows);
                    used.set(r);
                    for (int j = 0; j < width; j++) {
                        coef[r * width + j] = (float) rnd.nextGaussian();
                    }
                }
                used.set(660); // listed, but no gradient
                used.set(661);
                java.util.Arrays.fill(coef, 660 * width, 662 * width, 0f);
                NDArray c = m.create(coef, new ai.djl.ndarray.types.Shape(rows, width));
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(a.mul(c).sum().add(b.mul(c).sum()));
                }
                double n1 = scan.step(List.of(new AdamW.Group("e", a, 1f, 0.1f, true)), 0.01f, 0.5f);
                double n2 = listed.step(List.of(new AdamW.Group("e", b, 1f, 0.1f, true, used)), 0.01f, 0.5f);
                assertEquals(Double.doubleToLongBits(n1), Double.doubleToLongBits(n2), "norm at step " + step);
            }
            assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 0f);
            assertArrayEquals(
                    scan.stateArrays().get("e.m").toFloatArray(),
                    listed.stateArrays().get("e.m").toFloatArray(),
                    0f);
            assertArrayEquals(
                    scan.stateArrays().get("e.v").toFloatArray(),
                    listed.stateArrays().get("e.v").toFloatArray(),
                    0f);
            float[] after = b.toFloatArray();
            assertArrayEquals(
                    java.util.Arrays.copyOfRange(init, 660 * width, 662 * width),
                    java.util.Arrays.copyOfRange(after, 660 * width, 662 * width),
                    0f); // listed, never a gradient
            assertTrue(!java.util.Arrays.equals(init, after), "the listed rows with a gradient moved");
        }
    }

    @Test
    void clippingScalesTheGlobalNorm() {
        try (NDManager m = Engines.newManager();
                AdamW opt = new AdamW(m, 0.9f, 0.999f, 1e-8f)) {
            NDArray w = m.create(new float[] {0f, 0f});
            w.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(w.mul(m.create(new float[] {30f, 40f})).sum()); // norm 50
            }
            assertEquals(50.0, opt.step(List.of(new AdamW.Group("w", w, 1f, 0f)), 0.1f, 1f), 1e-4);
            // Adam's first step is sign-like whatever the scale: -lr·g/|g| per element.
            assertArrayEquals(new float[] {-0.1f, -0.1f}, w.toFloatArray(), 1e-5f);
        }
    }

    @Test
    void aNonFiniteGradientChangesNothing() {
        try (NDManager m = Engines.newManager();
                AdamW opt = new AdamW(m, 0.9f, 0.999f, 1e-8f)) {
            NDArray w = m.create(new float[] {1f, 2f});
            w.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(w.mul(m.create(new float[] {Float.NaN, 1f})).sum());
            }
            assertTrue(Double.isNaN(opt.step(List.of(new AdamW.Group("w", w, 1f, 0.1f)), 0.1f, 1f)));
            assertArrayEquals(new float[] {1f, 2f}, w.toFloatArray(), 0f);
            assertEquals(0, opt.steps());
            assertTrue(opt.stateArrays().values().stream()
                    .allMatch(a -> a.abs().sum().getFloat() == 0f));
        }
    }

    @Test
    void aNonFiniteLossStopsTheRunNamingStepDatasetAndTask() {
        java.util.Map<String, Float> losses = new java.util.LinkedHashMap<>();
        losses.put("intent", 0.5f);
        Trainer.checkFinite(losses, 3, "snips"); // finite: no error
        losses.put("slots", Float.NaN);
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalStateException.class, () -> Trainer.checkFinite(losses, 12, "snips"));
        assertTrue(
                e.getMessage().startsWith("training diverged at step 12: the slots loss on dataset snips is NaN"),
                e.getMessage());
    }

    @Test
    void schedules() {
        assertEquals(0.25, Schedule.factor(ScheduleKind.LINEAR, 0, 100, 4), 1e-9); // warmup 1/4
        assertEquals(1.0, Schedule.factor(ScheduleKind.LINEAR, 3, 100, 4), 1e-9);
        assertEquals(0.5, Schedule.factor(ScheduleKind.LINEAR, 52, 100, 4), 1e-9); // halfway down
        assertEquals(0.5, Schedule.factor(ScheduleKind.COSINE, 52, 100, 4), 1e-9);
        assertEquals(0.0, Schedule.factor(ScheduleKind.COSINE, 100, 100, 4), 1e-9);
        assertEquals(1.0, Schedule.factor(ScheduleKind.CONSTANT, 90, 100, 4), 1e-9);
    }

    @Test
    void samplingProbabilities() {
        long[] sizes = {9000, 1000};
        assertArrayEquals(
                new double[] {0.9, 0.1},
                new TaskSampler(SamplingStrategy.PROPORTIONAL, 1, sizes, 1).probabilities(),
                1e-9);
        assertArrayEquals(
                new double[] {0.75, 0.25},
                new TaskSampler(SamplingStrategy.TEMPERATURE, 2, sizes, 1).probabilities(),
                1e-9);
        TaskSampler rr = new TaskSampler(SamplingStrategy.ROUND_ROBIN, 1, sizes, 1);
        assertEquals(
                List.of(0, 1, 0, 1),
                List.of(rr.datasetForStep(0), rr.datasetForStep(1), rr.datasetForStep(2), rr.datasetForStep(3)));
        // Temperature sampling draws about 75% from the big set, and the same choice for the same step.
        TaskSampler t = new TaskSampler(SamplingStrategy.TEMPERATURE, 2, sizes, 5);
        int big = 0;
        for (int s = 0; s < 20_000; s++) {
            big += t.datasetForStep(s) == 0 ? 1 : 0;
        }
        assertEquals(0.75, big / 20_000.0, 0.015);
        assertEquals(
                t.datasetForStep(1234),
                new TaskSampler(SamplingStrategy.TEMPERATURE, 2, sizes, 5).datasetForStep(1234));
    }
}
