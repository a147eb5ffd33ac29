package dev.mtl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.data.DataFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading metrics.jsonl: what is kept, what is ignored, and the one-line errors with file and line. */
class ReportMetricsLogTest {
    private static final String TRAIN = "{\"type\":\"train\",\"step\":120,\"epoch\":0.29,\"time_s\":33.1,\"lr\":4.1e-5,"
            + "\"loss\":{\"intent\":0.52,\"slots\":0.83,\"total\":1.35},\"tokens_per_s\":1234.0,\"steps_per_s\":3.2}";
    private static final String EVAL =
            "{\"type\":\"eval\",\"step\":409,\"epoch\":1.0,\"split\":\"dev\",\"metrics\":{\"intent\":{\"accuracy\":0.97,"
                    + "\"macro_f1\":0.96},\"slots\":{\"f1\":0.93,\"precision\":0.92,\"recall\":0.94}}}";

    @Test
    void readsTrainAndEvalLinesIgnoringUnknownKeysAndBlankLines(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(
                file,
                TRAIN + "\n\n" + EVAL.replace("}}}", "}},\"note\":\"x\"}") + "\n"
                        + "{\"type\":\"train\",\"step\":130,\"loss\":{\"total\":NaN}}\n");

        MetricsLog log = MetricsLog.read(file);

        assertEquals(
                new MetricsLog.TrainStep(120, Map.of("intent", 0.52, "slots", 0.83, "total", 1.35), 1234.0, 3.2),
                log.trainSteps().get(0));
        assertEquals(
                List.of("intent", "slots", "total"),
                List.copyOf(log.trainSteps().get(0).loss().keySet()));
        assertTrue(Double.isNaN(log.trainSteps().get(1).loss().get("total")), "Python's NaN is read, not rejected");
        assertTrue(Double.isNaN(log.trainSteps().get(1).stepsPerS()), "absent throughput is NaN");
        assertEquals(
                new MetricsLog.Evaluation(
                        409,
                        "dev",
                        Map.of(
                                "intent", Map.of("accuracy", 0.97, "macro_f1", 0.96),
                                "slots", Map.of("f1", 0.93, "precision", 0.92, "recall", 0.94))),
                log.evaluations().get(0));
    }

    @Test
    void malformedLinesNameFileAndLine(@TempDir Path dir) throws IOException {
        assertError(dir, "{\"type\":\"train\",\"step\":12", "invalid JSON at column 26");
        assertError(dir, "{\"type\":\"train\"} {}", "invalid JSON at column 18");
        assertError(dir, "[1, 2]", "expected a JSON object, got array");
        assertError(dir, "{\"step\":1,\"loss\":{}}", "\"type\" is missing, expected \"train\" or \"eval\"");
        assertError(dir, "{\"type\":\"test\",\"step\":1}", "\"type\" is \"test\", expected \"train\" or \"eval\"");
        assertError(
                dir,
                "{\"type\":\"train\",\"step\":1.5,\"loss\":{}}",
                "\"step\" must be a non-negative integer, got 1.5");
        assertError(
                dir, "{\"type\":\"train\",\"step\":-1,\"loss\":{}}", "\"step\" must be a non-negative integer, got -1");
        assertError(dir, "{\"type\":\"train\",\"step\":1}", "\"loss\" must be an object, got nothing");
        assertError(dir, "{\"type\":\"eval\",\"step\":1,\"metrics\":{}}", "\"split\" must be a string, got nothing");
        assertError(
                dir,
                "{\"type\":\"eval\",\"step\":1,\"split\":\"dev\",\"metrics\":{\"intent\":0.9}}",
                "\"metrics.intent\" must be an object of metric name to number");
        // a percentage where a fraction belongs would squash every other line on the [0, 1] plot
        assertError(
                dir,
                "{\"type\":\"eval\",\"step\":1,\"split\":\"dev\",\"metrics\":{\"slots\":{\"f1\":93.1}}}",
                "\"metrics.slots.f1\" is 93.1, expected a value in [0, 1]");
    }

    /** The bad line is line 3 of a file whose line 2 is blank: blank lines still count. */
    private static void assertError(Path dir, String badLine, String problem) throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, TRAIN + "\n\n" + badLine + "\n" + EVAL + "\n");
        var e = assertThrows(DataFormatException.class, () -> MetricsLog.read(file));
        assertEquals(file + ":3: " + problem, e.getMessage());
    }
}
