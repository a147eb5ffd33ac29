package dev.mtl.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result of {@link ClassificationMetrics#evaluate}: accuracy, macro-F1 over the union of gold and
 * predicted labels, per-class scores (sorted by label) and the confusion matrix. {@link #toMap()} gives
 * nested maps and lists of strings and numbers, ready for Jackson or any JSON writer.
 */
public record ClassificationReport(
        int total, double accuracy, double macroF1, List<ClassScore> perClass, ConfusionMatrix confusion) {

    public ClassificationReport {
        perClass = List.copyOf(perClass);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("total", total);
        map.put("accuracy", accuracy);
        map.put("macro_f1", macroF1);
        List<Map<String, Object>> classes = new ArrayList<>();
        for (ClassScore c : perClass) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("label", c.label());
            m.put("precision", c.precision());
            m.put("recall", c.recall());
            m.put("f1", c.f1());
            m.put("support", c.support());
            classes.add(m);
        }
        map.put("per_class", classes);
        map.put("confusion", Map.of("labels", confusion.labels(), "counts", confusion.counts()));
        return map;
    }
}
