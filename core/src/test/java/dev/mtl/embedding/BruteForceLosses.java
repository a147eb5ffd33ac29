package dev.mtl.embedding;

import java.util.ArrayList;
import java.util.List;

/** The embedding losses written in double precision with plain loops over pairs and anchors. */
final class BruteForceLosses {

    private static final float SCALE = EmbeddingLosses.DEFAULT_SCALE;
    private static final float TAU = EmbeddingLosses.DEFAULT_TEMPERATURE;
    private static final float MARGIN = EmbeddingLosses.DEFAULT_MARGIN;

    private BruteForceLosses() {}

    static double cos(double[] u, double[] v) {
        double uv = 0;
        double uu = 0;
        double vv = 0;
        for (int k = 0; k < u.length; k++) {
            uv += u[k] * v[k];
            uu += u[k] * u[k];
            vv += v[k] * v[k];
        }
        return uv / Math.sqrt(uu * vv);
    }

    static double cosent(double[][] a, double[][] b, float[] scores) {
        double sum = 1; // exp(0): the "1 +" inside the log
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a.length; j++) {
                if (scores[i] < scores[j]) {
                    sum += Math.exp(SCALE * (cos(a[i], b[i]) - cos(a[j], b[j])));
                }
            }
        }
        return Math.log(sum);
    }

    static double cosineMse(double[][] a, double[][] b, float[] scores) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = cos(a[i], b[i]) - scores[i];
            sum += d * d;
        }
        return sum / a.length;
    }

    /** −log of the softmax probability that {@code query} picks {@code candidates[target]}. */
    static double nll(double[] query, List<double[]> candidates, int target) {
        double total = 0;
        for (double[] c : candidates) {
            total += Math.exp(SCALE * cos(query, c));
        }
        return -Math.log(Math.exp(SCALE * cos(query, candidates.get(target))) / total);
    }

    static double mnrl(double[][] anchors, double[][] positives, double[][] negatives, boolean symmetric) {
        List<double[]> candidates = new ArrayList<>(List.of(positives));
        if (negatives != null) {
            candidates.addAll(List.of(negatives));
        }
        double forward = 0;
        for (int i = 0; i < anchors.length; i++) {
            forward += nll(anchors[i], candidates, i) / anchors.length;
        }
        if (!symmetric) {
            return forward;
        }
        double backward = 0;
        for (int j = 0; j < positives.length; j++) {
            backward += nll(positives[j], List.of(anchors), j) / positives.length;
        }
        return (forward + backward) / 2;
    }

    static double supCon(double[][] e, int[] labels) {
        double total = 0;
        int anchors = 0;
        for (int i = 0; i < e.length; i++) {
            double denominator = 0;
            List<Integer> positives = new ArrayList<>();
            for (int a = 0; a < e.length; a++) {
                if (a != i) {
                    denominator += Math.exp(cos(e[i], e[a]) / TAU);
                    if (labels[a] == labels[i]) {
                        positives.add(a);
                    }
                }
            }
            if (positives.isEmpty()) {
                continue;
            }
            double anchorLoss = 0;
            for (int p : positives) {
                anchorLoss -= Math.log(Math.exp(cos(e[i], e[p]) / TAU) / denominator);
            }
            total += anchorLoss / positives.size();
            anchors++;
        }
        return anchors == 0 ? 0 : total / anchors;
    }

    static double unitDistance(double[] u, double[] v) {
        double uu = 0;
        double vv = 0;
        for (int k = 0; k < u.length; k++) {
            uu += u[k] * u[k];
            vv += v[k] * v[k];
        }
        double sum = 0;
        for (int k = 0; k < u.length; k++) {
            double d = u[k] / Math.sqrt(uu) - v[k] / Math.sqrt(vv);
            sum += d * d;
        }
        return Math.sqrt(sum);
    }

    static double batchHard(double[][] e, int[] labels) {
        double total = 0;
        int anchors = 0;
        for (int i = 0; i < e.length; i++) {
            double farthestPositive = Double.NEGATIVE_INFINITY;
            double nearestNegative = Double.POSITIVE_INFINITY;
            for (int j = 0; j < e.length; j++) {
                double d = unitDistance(e[i], e[j]);
                if (j != i && labels[j] == labels[i]) {
                    farthestPositive = Math.max(farthestPositive, d);
                } else if (labels[j] != labels[i]) {
                    nearestNegative = Math.min(nearestNegative, d);
                }
            }
            if (farthestPositive > Double.NEGATIVE_INFINITY && nearestNegative < Double.POSITIVE_INFINITY) {
                total += Math.max(0, farthestPositive - nearestNegative + MARGIN);
                anchors++;
            }
        }
        return anchors == 0 ? 0 : total / anchors;
    }
}
