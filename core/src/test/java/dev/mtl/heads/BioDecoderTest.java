package dev.mtl.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BioDecoderTest {
    private static final int BRUTE_FORCE_TRIALS = 3_000;
    private static final int MAX_BRUTE_LENGTH = 5;
    private static final int MAX_BRUTE_LABELS = 5;
    private static final int PROPERTY_TRIALS = 1_000;
    private static final int MAX_PROPERTY_LENGTH = 30;
    /** Pushes I- logits up so that plain argmax is often invalid and the constraint has work to do. */
    private static final float INSIDE_BIAS = 1.5f;

    private static final double TOLERANCE = 1e-9;

    private static final TagSet THREE_TYPES = TagSet.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG");

    /** Best valid path by exhaustive search; ties go to the first (lexicographically smallest). */
    private static int[] bruteForce(float[][] scores, TagSet tags) {
        int[] best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int[] path : BruteForce.allPaths(scores.length, tags.size())) {
            double s = BruteForce.sumScore(scores, path);
            if (BruteForce.isValidBio(path, tags) && (best == null || s > bestScore)) {
                best = path;
                bestScore = s;
            }
        }
        return best;
    }

    @Test
    void handCaseRepairsAnInvalidArgmax() {
        TagSet tags = TagSet.of("O", "B-PER", "I-PER");
        float[][] logProbs = {
            {(float) Math.log(0.5), (float) Math.log(0.4), (float) Math.log(0.1)},
            {(float) Math.log(0.2), (float) Math.log(0.1), (float) Math.log(0.7)},
        };
        // argmax is O I-PER (invalid); valid: O O .10, O B .05, B O .08, B B .04, B I .28
        assertArrayEquals(new int[] {1, 2}, BioDecoder.constrainedViterbi(logProbs, tags));
    }

    @Test
    void emptySequence() {
        assertArrayEquals(new int[0], BioDecoder.constrainedViterbi(new float[0][], THREE_TYPES));
    }

    @Test
    void matchesBruteForceOverValidPaths() {
        Random random = new Random(42);
        for (int trial = 0; trial < BRUTE_FORCE_TRIALS; trial++) {
            int len = 1 + random.nextInt(MAX_BRUTE_LENGTH);
            TagSet tags = BruteForce.randomTagSet(1 + random.nextInt(MAX_BRUTE_LABELS), random);
            float[][] scores = BruteForce.gaussian(len, tags.size(), 2.0, random);
            int[] expected = bruteForce(scores, tags);
            int[] actual = BioDecoder.constrainedViterbi(scores, tags);
            String where = "trial " + trial + " " + tags + " " + Arrays.deepToString(scores);
            assertArrayEquals(expected, actual, where);
            assertEquals(BruteForce.sumScore(scores, expected), BruteForce.sumScore(scores, actual), TOLERANCE, where);
        }
    }

    @Test
    void tiesGoToTheLexicographicallySmallestValidPath() {
        Random random = new Random(7);
        for (int trial = 0; trial < BRUTE_FORCE_TRIALS; trial++) {
            int len = 1 + random.nextInt(MAX_BRUTE_LENGTH);
            TagSet tags = BruteForce.randomTagSet(1 + random.nextInt(MAX_BRUTE_LABELS), random);
            float[][] scores = BruteForce.smallInts(len, tags.size(), random);
            assertArrayEquals(
                    bruteForce(scores, tags),
                    BioDecoder.constrainedViterbi(scores, tags),
                    "trial " + trial + " " + tags + " " + Arrays.deepToString(scores));
        }
    }

    @Test
    void neverProducesAnInvalidSequence() {
        Random random = new Random(1234);
        int argmaxInvalid = 0;
        for (int trial = 0; trial < PROPERTY_TRIALS; trial++) {
            int len = random.nextInt(MAX_PROPERTY_LENGTH + 1);
            float[][] logits = BruteForce.gaussian(len, THREE_TYPES.size(), 3.0, random);
            int[] argmax = new int[len];
            for (int t = 0; t < len; t++) {
                for (int j = 0; j < THREE_TYPES.size(); j++) {
                    if (THREE_TYPES.isInside(j)) {
                        logits[t][j] += INSIDE_BIAS;
                    }
                    argmax[t] = logits[t][j] > logits[t][argmax[t]] ? j : argmax[t];
                }
            }
            argmaxInvalid += BruteForce.isValidBio(argmax, THREE_TYPES) ? 0 : 1;

            int[] path = BioDecoder.constrainedViterbi(logits, THREE_TYPES);
            assertEquals(len, path.length);
            assertTrue(BruteForce.isValidBio(path, THREE_TYPES), "trial " + trial + ": " + Arrays.toString(path));

            float[][] logProbs = new float[len][];
            for (int t = 0; t < len; t++) {
                logProbs[t] = BioDecoder.logSoftmax(logits[t]);
            }
            assertArrayEquals(
                    path,
                    BioDecoder.constrainedViterbi(logProbs, THREE_TYPES),
                    "logits and log-softmax must give the same path, trial " + trial);
        }
        assertTrue(
                argmaxInvalid > PROPERTY_TRIALS / 2,
                "fixture too easy: plain argmax was invalid only " + argmaxInvalid + " times");
    }

    @Test
    void logSoftmaxHandValues() {
        float[] out = BioDecoder.logSoftmax(new float[] {1, 2, 3});
        double logZ = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)); // 3.40760596...
        assertArrayEquals(new float[] {(float) (1 - logZ), (float) (2 - logZ), (float) (3 - logZ)}, out, 1e-6f);
        assertEquals(-0.40760596, out[2], 1e-6);
    }

    @Test
    void logSoftmaxDoesNotOverflowAndKeepsMaskedLabels() {
        float ln2 = (float) Math.log(2);
        assertArrayEquals(new float[] {-ln2, -ln2}, BioDecoder.logSoftmax(new float[] {1000, 1000}), 1e-6f);
        assertArrayEquals(
                new float[] {Float.NEGATIVE_INFINITY, 0},
                BioDecoder.logSoftmax(new float[] {Float.NEGATIVE_INFINITY, -5}),
                0f);
    }

    @Test
    void confidencesAreSoftmaxOfTheChosenLabel() {
        float ln3 = (float) Math.log(3);
        float[][] logits = {{0, ln3}, {0, ln3}, {2, 2}};
        double[] conf = BioDecoder.confidences(logits, new int[] {1, 0, 1});
        assertArrayEquals(new double[] {0.75, 0.25, 0.5}, conf, 1e-7);
        // shifting a row (logits vs log-probabilities) does not change it
        assertArrayEquals(
                conf,
                BioDecoder.confidences(new float[][] {{10, 10 + ln3}, {-4, -4 + ln3}, {0, 0}}, new int[] {1, 0, 1}),
                1e-6);
    }

    @Test
    void entityConfidenceIsTheMean() {
        double[] conf = {0.9, 0.5, 0.7, 0.2};
        assertEquals(0.7, BioDecoder.entityConfidence(conf, new Span(0, 2, "PER")), 1e-12);
        assertEquals(0.6, BioDecoder.entityConfidence(conf, new Span(1, 3, "PER")), 1e-12);
        assertEquals(0.2, BioDecoder.entityConfidence(conf, new Span(3, 4, "LOC")), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> BioDecoder.entityConfidence(conf, new Span(3, 5, "LOC")));
    }

    @Test
    void badScoresAreNamed() {
        TagSet tags = TagSet.of("O", "B-PER", "I-PER");
        IllegalArgumentException ragged = assertThrows(
                IllegalArgumentException.class,
                () -> BioDecoder.constrainedViterbi(new float[][] {{0, 1, 2}, {0, 1}}, tags));
        assertEquals("scores[1] has 2 labels, expected 3", ragged.getMessage());
        IllegalArgumentException nan = assertThrows(
                IllegalArgumentException.class,
                () -> BioDecoder.constrainedViterbi(new float[][] {{0, Float.NaN, 2}}, tags));
        assertTrue(nan.getMessage().startsWith("scores[0][1] is NaN"), nan.getMessage());
    }
}
