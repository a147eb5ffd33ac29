package dev.mtl.eval;

import dev.mtl.eval.MetricsLog.Evaluation;
import dev.mtl.eval.MetricsLog.TrainStep;
import dev.mtl.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Turns a training run's {@code metrics.jsonl} into {@code report.html}, {@code loss.png} and
 * {@code dev_metrics.png} in the run's output directory. The page is self-contained (inline CSS, no
 * scripts, nothing fetched from the network) so it can be opened from a copied run directory or attached
 * to a ticket. Each file is written to a temporary name and renamed, so a crash leaves either the old
 * report or the new one, never half of one. Not a live dashboard: it is written once, at the end of a run.
 *
 * <p>A log with no training steps or no dev evaluations (a run that crashed early, or evaluation turned
 * off) still gets a report: the missing plot is left out, a stale one from an earlier run removed, and
 * the page says "no data" where it would have been.
 */
public final class TrainingReport {
    static final String REPORT_FILE = "report.html";
    static final String LOSS_PLOT = "loss.png";
    static final String DEV_PLOT = "dev_metrics.png";
    static final String DEV_SPLIT = "dev";
    static final int PLOT_WIDTH = 900;
    static final int PLOT_HEIGHT = 450;
    /**
     * Weight of the previous value in the loss curves' exponential moving average (TensorBoard's slider
     * default is 0.6): enough to see the trend through per-batch noise without hiding a spike.
     */
    static final double LOSS_SMOOTHING = 0.6;
    /**
     * Tableau 10, darker than XChart's default theme, whose yellow is hard to see on white. Black is kept
     * for the total loss.
     */
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)
    };
    /** Pixels between x-axis labels: fewer, readable step labels instead of one per logged step. */
    private static final int X_TICK_SPACING = 100;
    /** Drawn heavier and in black so the sum stands out from the per-task curves. */
    private static final String TOTAL_LOSS = "total";

    static {
        // Plots are drawn off-screen; on a machine without a display AWT must not try to open one.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private TrainingReport() {}

    /** Best dev value of one task-metric and the first step at which it was reached. */
    record Best(String task, String metric, double value, long step) {}

    /**
     * Reads {@code metricsJsonl} and writes the report files into {@code outputDir} (created if missing).
     *
     * @throws dev.mtl.data.DataFormatException a malformed line, as {@code path:line: problem}
     */
    public static void write(Path metricsJsonl, Path outputDir, ReportInfo info) throws IOException {
        MetricsLog log = MetricsLog.read(metricsJsonl);
        Files.createDirectories(outputDir);
        // Plots first, the page last: a page that exists never points at a plot that does not.
        boolean hasLoss = writePlot(lossChart(log.trainSteps()), outputDir.resolve(LOSS_PLOT));
        List<Evaluation> dev = log.evaluations(DEV_SPLIT);
        boolean hasDev = writePlot(devChart(dev), outputDir.resolve(DEV_PLOT));
        String html = html(info, log, bestDev(dev), hasLoss, hasDev);
        AtomicFiles.write(outputDir.resolve(REPORT_FILE), html.getBytes(StandardCharsets.UTF_8));
    }

    /** Per task-metric in {@link MetricsLog#HEADLINE_METRICS}: the highest value, ties to the earliest step. */
    static List<Best> bestDev(List<Evaluation> dev) {
        Map<String, Best> best = new LinkedHashMap<>();
        for (Evaluation e : dev) {
            e.metrics().forEach((task, values) -> {
                for (String metric : MetricsLog.HEADLINE_METRICS) {
                    Double v = values.get(metric);
                    if (v == null) {
                        continue;
                    }
                    best.merge(
                            task + "\0" + metric,
                            new Best(task, metric, v, e.step()),
                            (old, now) -> now.value() > old.value() ? now : old);
                }
            });
        }
        return List.copyOf(best.values());
    }

    // ---- plots ----

    /** Null when there is nothing to draw. */
    static XYChart lossChart(List<TrainStep> steps) {
        Set<String> names = new LinkedHashSet<>();
        steps.forEach(s -> names.addAll(s.loss().keySet()));
        XYChart chart = chart("Training loss (moving average, weight " + LOSS_SMOOTHING + ")", "loss");
        for (String name : names) {
            List<double[]> points = new ArrayList<>();
            for (TrainStep s : steps) {
                Double v = s.loss().get(name);
                if (v != null && Double.isFinite(v)) { // a NaN loss would blank the whole series
                    points.add(new double[] {s.step(), v});
                }
            }
            if (points.isEmpty()) {
                continue;
            }
            XYSeries series = chart.addSeries(name, column(points, 0), smooth(column(points, 1), LOSS_SMOOTHING));
            series.setMarker(SeriesMarkers.NONE);
            if (name.equals(TOTAL_LOSS)) {
                series.setLineColor(Color.BLACK);
                series.setLineStyle(new BasicStroke(2.5f));
            }
        }
        return chart.getSeriesMap().isEmpty() ? null : chart;
    }

    /** One line per task-metric in {@link MetricsLog#HEADLINE_METRICS}, y fixed to [0, 1]; null if none. */
    static XYChart devChart(List<Evaluation> dev) {
        Map<String, List<double[]>> lines = new LinkedHashMap<>();
        for (Evaluation e : dev) {
            e.metrics().forEach((task, values) -> {
                for (String metric : MetricsLog.HEADLINE_METRICS) {
                    Double v = values.get(metric);
                    if (v != null) {
                        lines.computeIfAbsent(task + " " + metric, k -> new ArrayList<>())
                                .add(new double[] {e.step(), v});
                    }
                }
            });
        }
        if (lines.isEmpty()) {
            return null;
        }
        XYChart chart = chart("Dev metrics", "score");
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        lines.forEach((name, points) -> chart.addSeries(name, column(points, 0), column(points, 1)));
        return chart;
    }

    private static XYChart chart(String title, String yAxis) {
        XYChart chart = new XYChartBuilder()
                .width(PLOT_WIDTH)
                .height(PLOT_HEIGHT)
                .title(title)
                .xAxisTitle("step")
                .yAxisTitle(yAxis)
                .build();
        var styler = chart.getStyler();
        styler.setLegendPosition(LegendPosition.OutsideE);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setLegendBorderColor(Color.WHITE);
        styler.setSeriesColors(PALETTE);
        styler.setXAxisTickMarkSpacingHint(X_TICK_SPACING);
        styler.setXAxisDecimalPattern("0.##"); // steps, never 1.5E3
        styler.setXAxisMin(0.0); // ticks start from the first data point otherwise: 10, 760, 1510, ...
        return chart;
    }

    /** Debiased exponential moving average, as TensorBoard draws it: early points are not pulled to 0. */
    static double[] smooth(double[] y, double weight) {
        double[] out = new double[y.length];
        double ema = 0;
        double bias = 1;
        for (int i = 0; i < y.length; i++) {
            ema = weight * ema + (1 - weight) * y[i];
            bias *= weight;
            out[i] = ema / (1 - bias);
        }
        return out;
    }

    private static double[] column(List<double[]> points, int c) {
        return points.stream().mapToDouble(p -> p[c]).toArray();
    }

    /** Writes the chart, or removes a stale file when there is nothing to plot; true if written. */
    private static boolean writePlot(XYChart chart, Path target) throws IOException {
        if (chart == null) {
            Files.deleteIfExists(target);
            return false;
        }
        AtomicFiles.write(target, out -> BitmapEncoder.saveBitmap(chart, out, BitmapFormat.PNG));
        return true;
    }

    // ---- page ----

    static String html(ReportInfo info, MetricsLog log, List<Best> best, boolean hasLoss, boolean hasDev) {
        StringBuilder h = new StringBuilder(8192);
        String title = escape(info.title());
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(title)
                .append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}\n")
                .append("table{border-collapse:collapse;margin:0.5em 0 1.5em}\n")
                .append("th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:left;vertical-align:top}\n")
                .append("td.num{text-align:right;font-variant-numeric:tabular-nums}\n")
                .append("pre{background:#f6f6f6;padding:0.8em;overflow-x:auto;white-space:pre-wrap}\n")
                .append("img{max-width:100%;height:auto}\n.caption,.nodata{color:#666}\n")
                .append("</style>\n</head>\n<body>\n<h1>")
                .append(title)
                .append("</h1>\n");

        h.append("<h2>Summary</h2>\n<table>\n");
        row(h, "wall time", formatDuration(info.wallTimeSeconds()));
        List<TrainStep> train = log.trainSteps();
        row(
                h,
                "training steps logged",
                train.isEmpty()
                        ? "no data"
                        : train.size() + " (last step "
                                + train.get(train.size() - 1).step() + ")");
        row(
                h,
                "median steps/s",
                formatMedian(train.stream().mapToDouble(TrainStep::stepsPerS).toArray(), "%.2f"));
        row(
                h,
                "median tokens/s",
                formatMedian(train.stream().mapToDouble(TrainStep::tokensPerS).toArray(), "%.0f"));
        h.append("</table>\n");

        h.append("<h3>Best dev</h3>\n");
        if (best.isEmpty()) {
            h.append("<p class=\"nodata\">No dev evaluations logged: no data.</p>\n");
        } else {
            h.append("<table>\n<tr><th>task</th><th>metric</th><th>best</th><th>step</th></tr>\n");
            for (Best b : best) {
                h.append("<tr><td>")
                        .append(escape(b.task()))
                        .append("</td><td>")
                        .append(escape(b.metric()))
                        .append("</td><td class=\"num\">")
                        .append(formatScore(b.value()))
                        .append("</td><td class=\"num\">")
                        .append(b.step())
                        .append("</td></tr>\n");
            }
            h.append("</table>\n");
        }

        if (!info.testMetrics().isEmpty()) {
            h.append("<h3>Test</h3>\n<table>\n<tr><th>task</th><th>metric</th><th>value</th></tr>\n");
            info.testMetrics()
                    .forEach((task, values) -> values.forEach((metric, v) -> h.append("<tr><td>")
                            .append(escape(task))
                            .append("</td><td>")
                            .append(escape(metric))
                            .append("</td><td class=\"num\">")
                            .append(formatScore(v))
                            .append("</td></tr>\n")));
            h.append("</table>\n");
        }

        h.append("<h2>Training loss</h2>\n");
        if (hasLoss) {
            image(h, LOSS_PLOT, "training loss per task and total by step");
            h.append("<p class=\"caption\">Curves are smoothed with an exponential moving average (weight ")
                    .append(LOSS_SMOOTHING)
                    .append("); non-finite losses are left out.</p>\n");
        } else {
            h.append("<p class=\"nodata\">No training steps logged: no data.</p>\n");
        }

        h.append("<h2>Dev metrics</h2>\n");
        if (hasDev) {
            image(h, DEV_PLOT, "dev metrics per task by step");
            h.append("<p class=\"caption\">Unsmoothed; accuracy and macro-F1 for classification tasks, "
                    + "entity F1 for NER tasks.</p>\n");
        } else {
            h.append("<p class=\"nodata\">No dev evaluations logged: no data.</p>\n");
        }

        if (!info.predictions().isEmpty()) {
            h.append("<h2>Example predictions</h2>\n<table>\n<tr><th>text</th><th>prediction</th></tr>\n");
            for (ReportInfo.Prediction p : info.predictions()) {
                h.append("<tr><td>")
                        .append(escape(p.text()))
                        .append("</td><td><pre>")
                        .append(escape(p.rendered()))
                        .append("</pre></td></tr>\n");
            }
            h.append("</table>\n");
        }

        h.append("<h2>Config</h2>\n<pre>").append(escape(info.configText())).append("</pre>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void row(StringBuilder h, String name, String value) {
        h.append("<tr><th>")
                .append(escape(name))
                .append("</th><td>")
                .append(escape(value))
                .append("</td></tr>\n");
    }

    private static void image(StringBuilder h, String file, String alt) {
        h.append("<p><img src=\"")
                .append(file)
                .append("\" width=\"")
                .append(PLOT_WIDTH)
                .append("\" height=\"")
                .append(PLOT_HEIGHT)
                .append("\" alt=\"")
                .append(escape(alt))
                .append("\"></p>\n");
    }

    /** Scores with four decimals, the precision at which runs are usually compared. */
    static String formatScore(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static String formatDuration(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d (%.1f s)", s / 3600, s / 60 % 60, s % 60, seconds);
    }

    /** Median of the finite values, or "no data" when none were logged. */
    static String formatMedian(double[] values, String format) {
        double[] v = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) {
            return "no data";
        }
        double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        return String.format(Locale.ROOT, format, median);
    }

    /** Enough for text and double-quoted attribute values. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
