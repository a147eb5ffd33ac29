package dev.mtl.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CrfDecoderTest {
    private static final int TRIALS = 2_000;
    private static final int MAX_LENGTH = 5;
    private static final int MAX_LABELS = 5;
    private static final double TOLERANCE = 1e-9;
    private static final float LARGE_SHIFT = 1000f;

    /** One random CRF problem: parameters, emissions and a tag set of the same size. */
    private record Case(TagSet tags, float[][] em, float[][] trans, float[] start, float[] end) {
        static Case random(Random random, boolean smallInts) {
            int len = 1 + random.nextInt(MAX_LENGTH);
            TagSet tags = BruteForce.randomTagSet(1 + random.nextInt(MAX_LABELS), random);
            int l = tags.size();
            if (smallInts) {
                float[][] se = BruteForce.smallInts(2, l, random);
                return new Case(
                        tags, BruteForce.smallInts(len, l, random), BruteForce.smallInts(l, l, random), se[0], se[1]);
            }
            float[][] se = BruteForce.gaussian(2, l, 1.0, random);
            return new Case(
                    tags,
                    BruteForce.gaussian(len, l, 2.0, random),
                    BruteForce.gaussian(l, l, 1.0, random),
                    se[0],
                    se[1]);
        }

        CrfDecoder decoder() {
            return new CrfDecoder(trans, start, end);
        }

        double score(int[] path) {
            return BruteForce.crfScore(em, trans, start, end, path);
        }

        /** Lexicographically first best path, over valid BIO paths only if {@code validOnly}. */
        int[] bruteForceBest(boolean validOnly) {
            int[] best = null;
            for (int[] path : BruteForce.allPaths(em.length, tags.size())) {
                if ((!validOnly || BruteForce.isValidBio(path, tags)) && (best == null || score(path) > score(best))) {
                    best = path;
                }
            }
            return best;
        }

        @Override
        public String toString() {
            return tags + " em=" + Arrays.deepToString(em) + " trans=" + Arrays.deepToString(trans) + " start="
                    + Arrays.toString(start) + " end=" + Arrays.toString(end);
        }
    }

    @Test
    void pathScoreHandCase() {
        CrfDecoder crf = new CrfDecoder(
                new float[][] {{0.1f, 0.2f}, {0.3f, 0.4f}}, new float[] {0.5f, -1f}, new float[] {0f, 2f});
        float[][] em = {{1, 2}, {3, 4}};
        assertEquals(0.5 + 1 + 0.2 + 4 + 2, crf.pathScore(em, new int[] {0, 1}), 1e-6);
        assertEquals(-1 + 2 + 0.3 + 3 + 0, crf.pathScore(em, new int[] {1, 0}), 1e-6);
        // the best of the four: [1,1] = -1 + 2 + 0.4 + 4 + 2 = 7.4 < [0,1] = 7.7
        CrfDecoder.Result best = crf.viterbi(em);
        assertArrayEquals(new int[] {0, 1}, best.path());
        assertEquals(7.7, best.score(), 1e-6);
    }

    @Test
    void viterbiMatchesBruteForce() {
        Random random = new Random(11);
        for (int trial = 0; trial < TRIALS; trial++) {
            Case c = Case.random(random, false);
            int[] expected = c.bruteForceBest(false);
            CrfDecoder.Result result = c.decoder().viterbi(c.em());
            assertArrayEquals(expected, result.path(), "trial " + trial + " " + c);
            assertEquals(c.score(expected), result.score(), TOLERANCE, "trial " + trial);
            assertEquals(c.score(expected), c.decoder().pathScore(c.em(), expected), TOLERANCE);
        }
    }

    @Test
    void viterbiTiesGoToTheLexicographicallySmallestPath() {
        Random random = new Random(12);
        for (int trial = 0; trial < TRIALS; trial++) {
            Case c = Case.random(random, true);
            assertArrayEquals(
                    c.bruteForceBest(false), c.decoder().viterbi(c.em()).path(), "trial " + trial + " " + c);
            assertArrayEquals(
                    c.bruteForceBest(true),
                    c.decoder().constrained(c.tags()).viterbi(c.em()).path(),
                    "constrained, trial " + trial + " " + c);
        }
    }

    @Test
    void constrainedViterbiIsTheBestValidPath() {
        Random random = new Random(13);
        int differs = 0;
        for (int trial = 0; trial < TRIALS; trial++) {
            Case c = Case.random(random, false);
            int[] expected = c.bruteForceBest(true);
            CrfDecoder.Result result = c.decoder().constrained(c.tags()).viterbi(c.em());
            assertArrayEquals(expected, result.path(), "trial " + trial + " " + c);
            assertEquals(c.score(expected), result.score(), TOLERANCE, "trial " + trial);
            differs += Arrays.equals(expected, c.bruteForceBest(false)) ? 0 : 1;
        }
        assertTrue(differs > TRIALS / 10, "constraint changed the answer only " + differs + " times");
    }

    @Test
    void constrainedGivesInvalidPathsMinusInfinity() {
        TagSet tags = TagSet.of("O", "B-PER", "I-PER");
        CrfDecoder crf = new CrfDecoder(new float[3][3], new float[3], new float[3]).constrained(tags);
        float[][] em = {{0, 1, 2}, {0, 1, 2}};
        assertEquals(Double.NEGATIVE_INFINITY, crf.pathScore(em, new int[] {2, 2})); // starts with I-
        assertEquals(Double.NEGATIVE_INFINITY, crf.pathScore(em, new int[] {0, 2})); // O then I-
        assertEquals(3.0, crf.pathScore(em, new int[] {1, 2}), 0);
        assertArrayEquals(new int[] {1, 2}, crf.viterbi(em).path());
    }

    @Test
    void probabilitiesOfAllPathsSumToOne() {
        Random random = new Random(14);
        for (int trial = 0; trial < TRIALS; trial++) {
            Case c = Case.random(random, false);
            for (CrfDecoder crf : new CrfDecoder[] {c.decoder(), c.decoder().constrained(c.tags())}) {
                double logZ = crf.logPartition(c.em());
                double sum = 0;
                for (int[] path : BruteForce.allPaths(c.em().length, c.tags().size())) {
                    sum += Math.exp(crf.pathScore(c.em(), path) - logZ);
                }
                assertEquals(1.0, sum, TOLERANCE, "trial " + trial + " " + c);
            }
        }
    }

    @Test
    void logPartitionMatchesBruteForceLogSumExp() {
        Random random = new Random(15);
        for (int trial = 0; trial < TRIALS / 4; trial++) {
            Case c = Case.random(random, false);
            double sum = 0;
            for (int[] path : BruteForce.allPaths(c.em().length, c.tags().size())) {
                sum += Math.exp(c.score(path)); // scores are O(10): no overflow here
            }
            assertEquals(Math.log(sum), c.decoder().logPartition(c.em()), TOLERANCE, "trial " + trial);
        }
    }

    @Test
    void logPartitionIsStableForLargeEmissions() {
        Random random = new Random(16);
        Case c = Case.random(random, false);
        float[][] shifted = new float[c.em().length][];
        for (int t = 0; t < shifted.length; t++) {
            shifted[t] = c.em()[t].clone();
            for (int j = 0; j < shifted[t].length; j++) {
                shifted[t][j] += LARGE_SHIFT; // every path gains T * 1000
            }
        }
        double logZ = c.decoder().logPartition(c.em());
        assertEquals(logZ + shifted.length * LARGE_SHIFT, c.decoder().logPartition(shifted), 1e-3);
    }

    @Test
    void zeroTransitionConstrainedCrfAgreesWithBioDecoder() {
        TagSet tags = TagSet.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG");
        int l = tags.size();
        CrfDecoder crf = new CrfDecoder(new float[l][l], new float[l], new float[l]).constrained(tags);
        Random random = new Random(17);
        for (int trial = 0; trial < TRIALS / 4; trial++) {
            float[][] em = BruteForce.gaussian(1 + random.nextInt(30), l, 3.0, random);
            assertArrayEquals(
                    BioDecoder.constrainedViterbi(em, tags), crf.viterbi(em).path(), "trial " + trial);
        }
    }

    @Test
    void emptySequence() {
        CrfDecoder crf = new CrfDecoder(new float[][] {{1, 2}, {3, 4}}, new float[] {1, 1}, new float[] {1, 1});
        CrfDecoder.Result result = crf.viterbi(new float[0][]);
        assertArrayEquals(new int[0], result.path());
        assertEquals(0.0, result.score());
        assertEquals(0.0, crf.logPartition(new float[0][]));
    }

    @Test
    void shapeMismatchesAreNamed() {
        IllegalArgumentException params = assertThrows(
                IllegalArgumentException.class, () -> new CrfDecoder(new float[2][2], new float[2], new float[3]));
        assertTrue(params.getMessage().contains("end 3"), params.getMessage());
        CrfDecoder crf = new CrfDecoder(new float[2][2], new float[2], new float[2]);
        IllegalArgumentException em =
                assertThrows(IllegalArgumentException.class, () -> crf.viterbi(new float[][] {{1, 2, 3}}));
        assertEquals("emissions[0] has 3 labels, expected 2", em.getMessage());
        assertThrows(IllegalArgumentException.class, () -> crf.constrained(TagSet.of("O", "B-A", "I-A")));
        assertThrows(IllegalArgumentException.class, () -> crf.pathScore(new float[][] {{1, 2}}, new int[] {2}));
    }
}
