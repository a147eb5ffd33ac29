package dev.mtl.heads;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Test oracles: exhaustive enumeration of paths and checks written independently of the decoders. */
final class BruteForce {
    private BruteForce() {}

    /** Tag sets of 1..5 labels, shuffled by the caller so O is not always index 0. */
    private static final List<List<String>> TAG_SETS = List.of(
            List.of("O"),
            List.of("B-A", "I-A"),
            List.of("O", "B-A", "I-A"),
            List.of("O", "B-A", "I-A", "B-B"),
            List.of("O", "B-A", "I-A", "B-B", "I-B"));

    static TagSet randomTagSet(int numLabels, Random random) {
        List<String> labels = new ArrayList<>(TAG_SETS.get(numLabels - 1));
        Collections.shuffle(labels, random);
        return new TagSet(labels);
    }

    /** All {@code L^T} paths, in lexicographic order (position 0 most significant). */
    static List<int[]> allPaths(int len, int numLabels) {
        List<int[]> paths = new ArrayList<>();
        int[] path = new int[len];
        while (true) {
            paths.add(path.clone());
            int t = len - 1;
            while (t >= 0 && path[t] == numLabels - 1) {
                path[t--] = 0;
            }
            if (t < 0) {
                return paths;
            }
            path[t]++;
        }
    }

    /** IOB2 validity by label strings: every I-X directly follows B-X or I-X. */
    static boolean isValidBio(int[] path, TagSet tags) {
        for (int t = 0; t < path.length; t++) {
            String label = tags.label(path[t]);
            if (label.startsWith("I-")) {
                String type = label.substring(2);
                if (t == 0) {
                    return false;
                }
                String prev = tags.label(path[t - 1]);
                if (!prev.equals("B-" + type) && !prev.equals("I-" + type)) {
                    return false;
                }
            }
        }
        return true;
    }

    static double sumScore(float[][] scores, int[] path) {
        double s = 0;
        for (int t = 0; t < path.length; t++) {
            s += scores[t][path[t]];
        }
        return s;
    }

    static double crfScore(float[][] em, float[][] trans, float[] start, float[] end, int[] path) {
        double s = (double) start[path[0]] + end[path[path.length - 1]]; // not float + float
        for (int t = 0; t < path.length; t++) {
            s += em[t][path[t]];
            s += t > 0 ? trans[path[t - 1]][path[t]] : 0;
        }
        return s;
    }

    static float[][] gaussian(int rows, int cols, double scale, Random random) {
        float[][] m = new float[rows][cols];
        for (float[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = (float) (scale * random.nextGaussian());
            }
        }
        return m;
    }

    /** Small integers in {@code [-1, 1]}: many exact ties, and sums stay exact in double. */
    static float[][] smallInts(int rows, int cols, Random random) {
        float[][] m = new float[rows][cols];
        for (float[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = random.nextInt(3) - 1;
            }
        }
        return m;
    }
}
