package dev.mtl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mtl.config.EmbeddingLoss;
import dev.mtl.config.TaskConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code mtl train} prints of a finished run. */
class TrainCommandTest {

    @Test
    void aTaskIsShownWithItsKindAndWhatDefinesIt() {
        assertEquals(
                "task sts (embedding, cosent)",
                TrainCommand.taskLine(TaskConfig.embedding("sts", EmbeddingLoss.COSENT, List.of())));
        assertEquals(
                "task topic (embedding, supcon): 3 labels",
                TrainCommand.taskLine(TaskConfig.embedding("topic", EmbeddingLoss.SUPCON, List.of("a", "b", "c"))));
        assertEquals(
                "task slots (ner, crf): 3 labels",
                TrainCommand.taskLine(TaskConfig.ner("slots", List.of("O", "B-x", "I-x"), true)));
        assertEquals(
                "task intent (classification): 2 labels",
                TrainCommand.taskLine(TaskConfig.classification("intent", List.of("a", "b"))));
    }

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
