package dev.mtl.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end: a synthetic two-task log (intent classification, slot NER) to the three report files. */
class ReportTrainingTest {
    private static final String TITLE = "atis <script>alert(1)</script> & \"friends\"";
    private static final String CONFIG = "model: minilm\nheads:\n  - {name: intent, type: classification}\n"
            + "  - {name: slots, type: ner}  # a < b\n";

    /**
     * 30 train steps, then three dev evaluations whose bests fall on different steps: intent accuracy at
     * 200, intent macro_f1 at 300, slots f1 tied at 200 and 300 (the earlier counts). A test-split line
     * with higher scores must not count as dev.
     */
    static List<String> syntheticLog() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            int step = 10 * (i + 1);
            double intent = 2.0 / (1 + 0.1 * i) + (i % 2 == 0 ? 0.05 : -0.05);
            double slots = 3.0 / (1 + 0.08 * i) + (i % 3 == 0 ? 0.1 : 0.0);
            lines.add(String.format(
                    Locale.ROOT,
                    "{\"type\":\"train\",\"step\":%d,\"epoch\":%.3f,\"time_s\":%.1f,\"lr\":4.1e-5,"
                            + "\"loss\":{\"intent\":%.4f,\"slots\":%.4f,\"total\":%.4f},"
                            + "\"tokens_per_s\":%.1f,\"steps_per_s\":%.1f,\"gpu\":\"none\"}",
                    step,
                    step / 300.0,
                    step / 3.0,
                    intent,
                    slots,
                    intent + slots,
                    1000.0 + 10 * i,
                    3.0 + (i % 3) * 0.1));
            if (step % 100 == 0) {
                double[][] dev = {{0.9, 0.85, 0.8125}, {0.9712, 0.94, 0.9031}, {0.965, 0.9533, 0.9031}};
                double[] d = dev[step / 100 - 1];
                lines.add(String.format(
                        Locale.ROOT,
                        "{\"type\":\"eval\",\"step\":%d,\"epoch\":%.3f,\"split\":\"dev\",\"metrics\":{"
                                + "\"intent\":{\"accuracy\":%s,\"macro_f1\":%s},"
                                + "\"slots\":{\"f1\":%s,\"precision\":0.5,\"recall\":0.99}}}",
                        step,
                        step / 300.0,
                        d[0],
                        d[1],
                        d[2]));
                lines.add(""); // blank lines are skipped
            }
        }
        lines.add("{\"type\":\"eval\",\"step\":300,\"split\":\"test\",\"metrics\":{\"intent\":{\"accuracy\":0.999},"
                + "\"slots\":{\"f1\":0.999}}}");
        return lines;
    }

    private static ReportInfo info() {
        Map<String, Map<String, Double>> test = new LinkedHashMap<>();
        test.put("intent", Map.of("accuracy", 0.96875));
        test.put("slots", Map.of("f1", 0.91));
        return new ReportInfo(
                TITLE,
                CONFIG,
                3723.4,
                test,
                List.of(
                        new ReportInfo.Prediction(
                                "flights from boston to denver", "intent=atis_flight  [boston]fromloc [denver]toloc"),
                        new ReportInfo.Prediction("what's <b>fare</b>?", "intent=atis_airfare")));
    }

    @Test
    void writesPlotsAndSelfContainedPage(@TempDir Path dir) throws IOException {
        Path metrics = dir.resolve("metrics.jsonl");
        Files.write(metrics, syntheticLog());
        Path out = dir.resolve("run");

        TrainingReport.write(metrics, out, info());

        for (String png : List.of("loss.png", "dev_metrics.png")) {
            BufferedImage image = ImageIO.read(out.resolve(png).toFile());
            assertEquals(900, image.getWidth(), png);
            assertEquals(450, image.getHeight(), png);
        }
        String html = Files.readString(out.resolve("report.html"));
        // best dev value and its step on one row; ties go to the earlier step; the test split is not dev
        assertTrue(
                html.contains(
                        "<tr><td>intent</td><td>accuracy</td><td class=\"num\">0.9712</td><td class=\"num\">200</td></tr>"),
                html);
        assertTrue(
                html.contains(
                        "<tr><td>intent</td><td>macro_f1</td><td class=\"num\">0.9533</td><td class=\"num\">300</td></tr>"),
                html);
        assertTrue(
                html.contains(
                        "<tr><td>slots</td><td>f1</td><td class=\"num\">0.9031</td><td class=\"num\">200</td></tr>"),
                html);
        assertFalse(html.contains("precision"), "only headline metrics are ranked");
        // final test metrics, wall time, median throughput (3.0/3.1/3.2 ten times each; 1000..1290 by 10)
        assertTrue(html.contains("<tr><td>intent</td><td>accuracy</td><td class=\"num\">0.9688</td></tr>"), html);
        assertTrue(html.contains("<tr><th>wall time</th><td>1:02:03 (3723.4 s)</td></tr>"), html);
        assertTrue(html.contains("<tr><th>median steps/s</th><td>3.10</td></tr>"), html);
        assertTrue(html.contains("<tr><th>median tokens/s</th><td>1145</td></tr>"), html);
        assertTrue(html.contains("<tr><th>training steps logged</th><td>30 (last step 300)</td></tr>"), html);
        // escaped title, config verbatim, predictions escaped
        assertTrue(
                html.contains("<h1>atis &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;friends&quot;</h1>"), html);
        assertFalse(html.contains("<script"), html);
        assertTrue(html.contains("<pre>" + CONFIG.replace("<", "&lt;") + "</pre>"), html);
        assertTrue(html.contains("<td>what&#39;s &lt;b&gt;fare&lt;/b&gt;?</td>"), html);
        // plots by relative name, nothing from the network
        assertTrue(html.contains("<img src=\"loss.png\""), html);
        assertTrue(html.contains("<img src=\"dev_metrics.png\""), html);
        assertFalse(html.contains("http://"), html);
        assertFalse(html.contains("https://"), html);
        assertEquals(List.of("dev_metrics.png", "loss.png", "report.html"), list(out), "no temp files left behind");
    }

    @Test
    void malformedLineLeavesNoReport(@TempDir Path dir) throws IOException {
        Path metrics = dir.resolve("metrics.jsonl");
        List<String> lines = new ArrayList<>(syntheticLog());
        lines.set(2, "{\"type\":\"train\",\"step\":30,\"loss\":{\"intent\":\"high\"}}");
        Files.write(metrics, lines);

        var e = assertThrows(
                dev.mtl.data.DataFormatException.class,
                () -> TrainingReport.write(metrics, dir.resolve("run"), info()));

        assertEquals(metrics + ":3: \"loss.intent\" must be a number, got \"high\"", e.getMessage());
        assertFalse(Files.exists(dir.resolve("run")));
    }

    /** A run that crashed before logging still gets a page with its config; stale plots are removed. */
    @Test
    void emptyLogGivesReportThatSaysNoData(@TempDir Path dir) throws IOException {
        Path metrics = dir.resolve("metrics.jsonl");
        Files.write(metrics, syntheticLog());
        Path out = dir.resolve("run");
        TrainingReport.write(metrics, out, info());
        Files.writeString(metrics, "\n  \n");

        TrainingReport.write(metrics, out, new ReportInfo("crashed run", "lr: 1e-4", 2.0));

        assertEquals(List.of("report.html"), list(out));
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<p class=\"nodata\">No training steps logged: no data.</p>"), html);
        assertTrue(html.contains("<p class=\"nodata\">No dev evaluations logged: no data.</p>"), html);
        assertTrue(html.contains("<tr><th>median steps/s</th><td>no data</td></tr>"), html);
        assertTrue(html.contains("<pre>lr: 1e-4</pre>"), html);
        assertFalse(html.contains("<img"), html);
    }

    /** Debiased EMA: the first point is itself, (0.25 + 1.5) / 0.75, then (0.875 + 4) / 0.875. */
    @Test
    void smoothingIsDebiasedMovingAverage() {
        assertArrayEquals(
                new double[] {1.0, 7.0 / 3, 39.0 / 7}, TrainingReport.smooth(new double[] {1, 3, 8}, 0.5), 1e-12);
    }

    @Test
    void reportInfoRejectsNegativeWallTime() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ReportInfo("t", "", -1));
        assertEquals("wallTimeSeconds is -1.0, expected a finite value >= 0", e.getMessage());
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
