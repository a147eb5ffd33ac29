package dev.mtl.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.mtl.Engines;
import dev.mtl.model.Param;
import dev.mtl.model.ParameterTable;
import dev.mtl.weights.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The trainable CRF against the Java {@link CrfDecoder}: values, gradients, a short fit and native
 * memory. Every batch mixes lengths and fills its padding with noise, so masking matters.
 */
class CrfLayerTest {
    private static final int L = 4;
    /** The cycle O → B-X → I-X → B-Y → O used in the fit is a valid IOB2 sequence under these. */
    private static final TagSet TAGS = TagSet.of("O", "B-X", "I-X", "B-Y");

    private static final double VALUE_TOLERANCE = 1e-4;
    private static final double GRADIENT_RELATIVE_TOLERANCE = 1e-2;
    /** Finite-difference step; the Java decoder sums in double, so truncation error dominates (~h²). */
    private static final float FD_STEP = 1e-2f;

    private NDManager manager;
    private CrfLayer crf;
    private ParameterTable table;

    @BeforeEach
    void setUp() {
        manager = Engines.newManager();
        crf = new CrfLayer(L);
        table = ParameterTable.of(crf, "");
        table.initializeMissing(manager);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    /** A padded batch in Java form; positions past a row's length hold random labels and scores. */
    private record Batch(float[][][] em, int[][] tags, int[] lengths) {
        static Batch random(Random random, int len, int[] lengths, double scale) {
            float[][][] em = new float[lengths.length][][];
            int[][] tags = new int[lengths.length][len];
            for (int b = 0; b < lengths.length; b++) {
                em[b] = BruteForce.gaussian(len, L, scale, random);
                for (int t = 0; t < len; t++) {
                    tags[b][t] = random.nextInt(L);
                }
            }
            return new Batch(em, tags, lengths);
        }

        int size() {
            return em.length;
        }

        int len() {
            return em[0].length;
        }

        NDArray emissions(NDManager m) {
            float[] flat = new float[size() * len() * L];
            for (int b = 0; b < size(); b++) {
                for (int t = 0; t < len(); t++) {
                    System.arraycopy(em[b][t], 0, flat, (b * len() + t) * L, L);
                }
            }
            return m.create(flat, new Shape(size(), len(), L));
        }

        NDArray tagArray(NDManager m) {
            long[] flat = new long[size() * len()];
            for (int b = 0; b < size(); b++) {
                for (int t = 0; t < len(); t++) {
                    flat[b * len() + t] = tags[b][t];
                }
            }
            return m.create(flat, new Shape(size(), len()));
        }

        NDArray mask(NDManager m) {
            float[] flat = new float[size() * len()];
            for (int b = 0; b < size(); b++) {
                Arrays.fill(flat, b * len(), b * len() + lengths[b], 1f);
            }
            return m.create(flat, new Shape(size(), len()));
        }

        float[] logLikelihood(CrfLayer crf, NDManager parent) {
            try (NDManager m = parent.newSubManager()) {
                return crf.logLikelihood(emissions(m), tagArray(m), mask(m)).toFloatArray();
            }
        }

        /** Sum over rows of -log p, in double, on each row's unpadded prefix. */
        double javaNll(CrfDecoder decoder) {
            double nll = 0;
            for (int b = 0; b < size(); b++) {
                float[][] rowEm = Arrays.copyOf(em[b], lengths[b]);
                nll -= decoder.pathScore(rowEm, Arrays.copyOf(tags[b], lengths[b])) - decoder.logPartition(rowEm);
            }
            return nll;
        }
    }

    private Param param(String name) {
        return table.params().get(name);
    }

    private void loadGaussian(Random random, double scale) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (var e : table.params().entrySet()) {
            long[] shape = e.getValue().shape().getShape();
            float[] data = BruteForce.gaussian(1, (int) e.getValue().shape().size(), scale, random)[0];
            tensors.put(e.getKey(), new Tensor(e.getKey(), shape, data));
        }
        table.load(tensors, manager, "test");
    }

    private float[][] transitions() {
        float[] flat = param("transitions").array().toFloatArray();
        float[][] m = new float[L][];
        for (int i = 0; i < L; i++) {
            m[i] = Arrays.copyOfRange(flat, i * L, (i + 1) * L);
        }
        return m;
    }

    @Test
    void parametersHavePytorchCrfNamesShapesAndInitialRange() {
        assertEquals(
                List.of("transitions", "start_transitions", "end_transitions"),
                List.copyOf(table.params().keySet()));
        assertArrayEquals(
                new long[] {L, L}, param("transitions").array().getShape().getShape());
        assertArrayEquals(
                new long[] {L}, param("end_transitions").array().getShape().getShape());
        float[] values = param("transitions").array().toFloatArray();
        for (float v : values) {
            assertTrue(v >= -CrfLayer.INIT_RANGE && v <= CrfLayer.INIT_RANGE, "initial value " + v);
        }
        assertTrue(values[0] != values[1], "random, not constant");
    }

    @Test
    void logLikelihoodMatchesJavaDecoderOnEachRowsPrefix() {
        for (int seed = 1; seed <= 6; seed++) {
            Random random = new Random(seed);
            if (seed > 1) { // seed 1 keeps pytorch-crf's small initial values
                loadGaussian(random, 1.0);
            }
            int len = 2 + random.nextInt(5); // 2..6
            int[] lengths = {len, 1, 1 + random.nextInt(len)};
            Batch batch = Batch.random(random, len, lengths, 2.0);
            float[] ll = batch.logLikelihood(crf, manager);
            CrfDecoder decoder = crf.decoder(TAGS, false);
            assertEquals(3, ll.length);
            for (int b = 0; b < 3; b++) {
                float[][] rowEm = Arrays.copyOf(batch.em()[b], lengths[b]);
                double expected = decoder.pathScore(rowEm, Arrays.copyOf(batch.tags()[b], lengths[b]))
                        - decoder.logPartition(rowEm);
                assertEquals(
                        expected,
                        ll[b],
                        VALUE_TOLERANCE,
                        "seed " + seed + " row " + b + " length " + lengths[b] + " of " + len);
                assertTrue(ll[b] < 0, "a probability below 1");
            }
        }
    }

    @Test
    void transitionGradientMatchesCentralFiniteDifference() {
        Random random = new Random(42);
        loadGaussian(random, 0.5);
        Batch batch = Batch.random(random, 5, new int[] {5, 2, 4}, 1.0);
        for (String name : table.params().keySet()) {
            param(name).array().setRequiresGradient(true);
        }
        float[] grad;
        try (NDManager m = manager.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray ll = crf.logLikelihood(batch.emissions(m), batch.tagArray(m), batch.mask(m));
            gc.backward(ll.sum().neg());
        }
        try (NDArray g = param("transitions").array().getGradient()) { // lives in the parameter's manager
            grad = g.toFloatArray();
        }
        float[][] trans = transitions();
        float[] start = param("start_transitions").array().toFloatArray();
        float[] end = param("end_transitions").array().toFloatArray();
        int[][] entries = {{batch.tags()[0][0], batch.tags()[0][1]}, {1, 2}, {3, 0}}; // first is on a gold path
        for (int[] e : entries) {
            float x = trans[e[0]][e[1]];
            float[][] plus = Arrays.stream(trans).map(float[]::clone).toArray(float[][]::new);
            float[][] minus = Arrays.stream(trans).map(float[]::clone).toArray(float[][]::new);
            plus[e[0]][e[1]] = x + FD_STEP;
            minus[e[0]][e[1]] = x - FD_STEP;
            double fd =
                    (batch.javaNll(new CrfDecoder(plus, start, end)) - batch.javaNll(new CrfDecoder(minus, start, end)))
                            / ((double) plus[e[0]][e[1]] - minus[e[0]][e[1]]);
            double g = grad[e[0] * L + e[1]];
            assertTrue(Math.abs(fd) > 1e-3, "entry " + Arrays.toString(e) + " has a gradient to compare");
            assertEquals(
                    fd,
                    g,
                    GRADIENT_RELATIVE_TOLERANCE * Math.abs(fd),
                    "d(-sum log p)/d transitions" + Arrays.toString(e));
        }
    }

    @Test
    void shortFitLearnsTheTransitionCycle() {
        Random random = new Random(11);
        int batchSize = 16;
        int len = 6;
        int[] lengths = new int[batchSize];
        for (int b = 0; b < batchSize; b++) {
            lengths[b] = b == 0 ? len : 3 + random.nextInt(len - 2); // 3..6
        }
        Batch noise = Batch.random(random, len, lengths, 1.0); // emissions carry no information
        int[] starts = {0, 1, 3}; // every label but I-X may start
        for (int[] row : noise.tags()) {
            row[0] = starts[random.nextInt(starts.length)];
            for (int t = 1; t < len; t++) {
                row[t] = (row[t - 1] + 1) % L; // 0 → 1 → 2 → 3 → 0, padding included (ignored)
            }
        }
        double initial = meanNll(noise);
        for (String name : table.params().keySet()) {
            param(name).array().setRequiresGradient(true);
        }
        Optimizer adamW =
                Optimizer.adamW().optLearningRateTracker(Tracker.fixed(0.1f)).build();
        int afterFirstStep = -1;
        for (int step = 0; step < 200; step++) {
            try (NDManager m = manager.newSubManager()) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray ll = crf.logLikelihood(noise.emissions(m), noise.tagArray(m), noise.mask(m));
                    gc.backward(ll.mean().neg());
                }
                for (String name : table.params().keySet()) {
                    NDArray w = param(name).array();
                    try (NDArray g = w.getGradient()) {
                        adamW.update(name, w, g);
                        g.muli(0); // gradients accumulate across backward calls
                    }
                }
            }
            if (step == 0) {
                afterFirstStep = manager.getManagedArrays().size(); // AdamW's state is created lazily
            }
        }
        assertEquals(afterFirstStep, manager.getManagedArrays().size(), "training leaves nothing behind");
        try (NDArray g = param("transitions").array().getGradient()) {
            assertArrayEquals(new float[L * L], g.toFloatArray(), "g.muli(0) zeroed the parameter's gradient");
        }
        double trained = meanNll(noise);
        assertTrue(trained <= 0.5 * initial, "mean NLL " + initial + " → " + trained);

        float[][] trans = transitions();
        for (int i = 0; i < L; i++) {
            int best = 0;
            for (int j = 1; j < L; j++) {
                best = trans[i][j] > trans[i][best] ? j : best;
            }
            assertEquals((i + 1) % L, best, "most likely successor of " + TAGS.label(i));
        }
        CrfDecoder free = crf.decoder(TAGS, false);
        CrfDecoder constrained = crf.decoder(TAGS, true);
        for (int trial = 0; trial < 5; trial++) {
            float[][] em = BruteForce.gaussian(8, L, 1.0, random);
            int[] path = free.viterbi(em).path();
            for (int t = 1; t < path.length; t++) {
                assertEquals((path[t - 1] + 1) % L, path[t], "Viterbi path " + Arrays.toString(path));
            }
            assertArrayEquals(path, constrained.viterbi(em).path(), "the cycle is valid BIO");
        }
    }

    private double meanNll(Batch batch) {
        double sum = 0;
        for (float v : batch.logLikelihood(crf, manager)) {
            sum -= v;
        }
        return sum / batch.size();
    }

    @Test
    void parameterManagerHoldsNoIntermediates() {
        Random random = new Random(3);
        Batch batch = Batch.random(random, 6, new int[] {6, 2, 4}, 1.0);
        float[] first = batch.logLikelihood(crf, manager);
        int before = manager.getManagedArrays().size();
        float[] last = first;
        for (int i = 0; i < 100; i++) {
            last = batch.logLikelihood(crf, manager); // each call in its own sub-manager
        }
        assertEquals(before, manager.getManagedArrays().size(), "live arrays in the parameters' manager");
        assertArrayEquals(first, last, 0f, "same input, same log-likelihood");
        assertEquals(table.params().size(), before, "only the three parameters live there");
    }
}
