package dev.mtl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/** Compares a served JSON answer with the offline one: same structure and strings, numbers close. */
final class Parity {

    private Parity() {}

    /**
     * The largest absolute difference between corresponding numbers, or -1 if the two differ in
     * anything else (a label, a span, a field, a length).
     */
    static double maxDiff(JsonNode expected, JsonNode actual) {
        if (expected == null || actual == null) {
            return -1;
        }
        if (expected.isNumber()) {
            return actual.isNumber() ? Math.abs(expected.asDouble() - actual.asDouble()) : -1;
        }
        if (expected.getNodeType() != actual.getNodeType() || expected.size() != actual.size()) {
            return -1;
        }
        double max = 0;
        if (expected.isArray()) {
            for (int i = 0; i < expected.size(); i++) {
                double d = maxDiff(expected.get(i), actual.get(i));
                if (d < 0) {
                    return -1;
                }
                max = Math.max(max, d);
            }
        } else if (expected.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                double d = maxDiff(e.getValue(), actual.get(e.getKey()));
                if (d < 0) {
                    return -1;
                }
                max = Math.max(max, d);
            }
        } else if (!expected.equals(actual)) {
            return -1;
        }
        return max;
    }
}
