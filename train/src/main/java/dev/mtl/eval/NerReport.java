package dev.mtl.eval;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The result of {@link EntityMetrics#evaluate}: strict entity scores overall and per type (types sorted,
 * from gold ∪ predicted), plus conlleval's token accuracy. {@link #toMap()} is JSON-friendly.
 */
public record NerReport(EntityScore overall, Map<String, EntityScore> perType, double tokenAccuracy) {
    public NerReport {
        perType = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(perType)); // sorted, as documented
    }

    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("overall", scoreMap(overall));
        map.put("token_accuracy", tokenAccuracy);
        Map<String, Object> types = new LinkedHashMap<>();
        new TreeMap<>(perType).forEach((type, s) -> types.put(type, scoreMap(s)));
        map.put("per_type", types);
        return map;
    }

    private static Map<String, Object> scoreMap(EntityScore s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("precision", s.precision());
        m.put("recall", s.recall());
        m.put("f1", s.f1());
        m.put("gold", s.gold());
        m.put("predicted", s.predicted());
        m.put("correct", s.correct());
        return m;
    }
}
