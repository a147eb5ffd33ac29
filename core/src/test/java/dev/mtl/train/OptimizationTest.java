package dev.mtl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.mtl.Engines;
import java.util.List;
import org.junit.jupiter.api.Test;

/** AdamW, the schedules and the task sampler on hand-computed cases. */
class OptimizationTest {

    /** torch.optim.AdamW by hand: m = 0.1g, v = 0.001g², m̂ = g, v̂ = g², p -= lr(wd·p + g/(|g|+eps)). */
    @Test
    void adamWFirstStepMatchesTheFormula() {
        try (NDManager m = Engines.newManager(); AdamW opt = new AdamW(m, 0.9f, 0.999f, 1e-8f)) {
            NDArray w = m.create(new float[] {1f, -2f, 3f});
            NDArray b = m.create(new float[] {0.5f});
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                // loss = sum(w * [1, 2, -4]) + 3b → grad w = [1, 2, -4], grad b = [3]
                gc.backward(w.mul(m.create(new float[] {1f, 2f, -4f})).sum().add(b.mul(3f).sum()));
            }
            double norm = opt.step(List.of(new AdamW.Group("w", w, 1f, 0.1f), new AdamW.Group("b", b, 2f, 0f)), 0.01f, 0f);
            assertEquals(Math.sqrt(1 + 4 + 16 + 9), norm, 1e-5);
            float lr = 0.01f;
            assertArrayEquals(new float[] {
                1f * (1 - lr * 0.1f) - lr, -2f * (1 - lr * 0.1f) - lr, 3f * (1 - lr * 0.1f) + lr}, w.toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {0.5f - 2 * lr}, b.toFloatArray(), 1e-6f); // scale 2, no decay
            try (NDArray g = w.getGradient()) {
                assertArrayEquals(new float[] {0, 0, 0}, g.toFloatArray(), 0f); // zeroed after the update (-0 counts)
            }
        }
    }

    @Test
    void clippingScalesTheGlobalNorm() {
        try (NDManager m = Engines.newManager(); AdamW opt = new AdamW(m, 0.9f, 0.999f, 1e-8f)) {
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
        assertArrayEquals(new double[] {0.9, 0.1}, new TaskSampler(SamplingStrategy.PROPORTIONAL, 1, sizes, 1).probabilities(), 1e-9);
        assertArrayEquals(new double[] {0.75, 0.25}, new TaskSampler(SamplingStrategy.TEMPERATURE, 2, sizes, 1).probabilities(), 1e-9);
        TaskSampler rr = new TaskSampler(SamplingStrategy.ROUND_ROBIN, 1, sizes, 1);
        assertEquals(List.of(0, 1, 0, 1), List.of(rr.datasetForStep(0), rr.datasetForStep(1), rr.datasetForStep(2), rr.datasetForStep(3)));
        // Temperature sampling draws about 75% from the big set, and the same choice for the same step.
        TaskSampler t = new TaskSampler(SamplingStrategy.TEMPERATURE, 2, sizes, 5);
        int big = 0;
        for (int s = 0; s < 20_000; s++) {
            big += t.datasetForStep(s) == 0 ? 1 : 0;
        }
        assertEquals(0.75, big / 20_000.0, 0.015);
        assertEquals(t.datasetForStep(1234), new TaskSampler(SamplingStrategy.TEMPERATURE, 2, sizes, 5).datasetForStep(1234));
    }
}
