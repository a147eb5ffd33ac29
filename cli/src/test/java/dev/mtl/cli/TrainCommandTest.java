package dev.mtl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code mtl train} prints of a finished run. */
class TrainCommandTest {

    @Test
    void referenceScoresShowTheStartOnlyWhenItWasMeasured() {
        Map<String, Map<String, Double>> reference = new LinkedHashMap<>();
        reference.put("final", Map.of("spearman", 0.8123));
        assertEquals(
                "embedding on the reference pairs (Spearman): 81.23 now (the start was not measured)",
                TrainCommand.referenceLine(reference));
        reference.put("start", Map.of("spearman", 0.75));
        assertEquals(
                "embedding on the reference pairs (Spearman): 75.00 at the start, 81.23 now",
                TrainCommand.referenceLine(reference));
    }
}
