package dev.mtl.train;

import dev.mtl.InferenceOptions;
import dev.mtl.MultiTaskModel;
import dev.mtl.data.Example;
import dev.mtl.data.Field;
import dev.mtl.eval.EmbeddingMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures the sentence embedding on labelled data, by what the data has: scored pairs give the
 * Spearman and Pearson correlation of the pairs' cosine with the gold scores; positive pairs give
 * MRR@10 and recall@1/@10 of each anchor's positive among all distinct positives; labelled texts give
 * the leave-one-out nearest-neighbour accuracy of their labels. Values are ratios, as elsewhere.
 */
public final class EmbeddingEvaluator {

    private EmbeddingEvaluator() {}

    /** The metrics of {@code field}'s data in {@code examples}; examples without that field are skipped. */
    public static Map<String, Double> evaluate(
            MultiTaskModel model, List<Example> examples, Field field, InferenceOptions options) {
        List<Example> data = examples.stream().filter(field::presentIn).toList();
        if (data.isEmpty()) {
            throw new IllegalArgumentException("no example carries the " + field.key() + " field");
        }
        List<String> texts = data.stream().map(Example::text).toList();
        float[][] first = model.embed(texts, options, n -> {});
        return switch (field) {
            case SCORE -> {
                float[][] second = model.embed(data.stream().map(Example::pair).toList(), options, n -> {});
                double[] gold = data.stream().mapToDouble(Example::score).toArray();
                yield numbers(EmbeddingMetrics.similarity(first, second, gold).toMap());
            }
            case PAIR -> {
                Map<String, Integer> index = new LinkedHashMap<>();
                int[] correct = new int[data.size()];
                for (int i = 0; i < data.size(); i++) {
                    correct[i] = index.computeIfAbsent(data.get(i).pair(), k -> index.size());
                }
                float[][] pool = model.embed(new ArrayList<>(index.keySet()), options, n -> {});
                yield numbers(EmbeddingMetrics.retrieval(first, pool, correct).toMap());
            }
            case LABEL -> {
                List<String> labels = data.stream().map(e -> e.labels().get(0)).toList();
                Map<String, Double> out = new LinkedHashMap<>();
                out.put("texts", (double) data.size());
                out.put("knn_accuracy", nearestNeighbourAccuracy(first, labels));
                yield out;
            }
            case TAGS -> throw new IllegalArgumentException("word tags do not measure a sentence embedding");
        };
    }

    /** The share of texts whose most similar other text (cosine) has the same label. */
    static double nearestNeighbourAccuracy(float[][] vectors, List<String> labels) {
        int n = vectors.length;
        if (n < 2) {
            return Double.NaN;
        }
        int right = 0;
        for (int i = 0; i < n; i++) {
            int best = -1;
            double bestCos = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    double c = EmbeddingMetrics.cosine(vectors[i], vectors[j]);
                    if (c > bestCos) {
                        bestCos = c;
                        best = j;
                    }
                }
            }
            if (labels.get(best).equals(labels.get(i))) {
                right++;
            }
        }
        return (double) right / n;
    }

    private static Map<String, Double> numbers(Map<String, ?> report) {
        Map<String, Double> out = new LinkedHashMap<>();
        report.forEach((k, v) -> out.put(k, ((Number) v).doubleValue()));
        return out;
    }
}
