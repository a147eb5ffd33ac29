package dev.mtl.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's {@code metrics.jsonl}: a {@code "type":"train"} line per logging window (mean loss per task,
 * throughput, where a step's time went) and a {@code "type":"eval"} line per evaluation. The window's
 * sums are collected here between lines. {@link dev.mtl.eval.TrainingReport} reads the file back.
 */
final class MetricsWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Map<String, double[]> lossSums = new LinkedHashMap<>(); // task → {sum, count}
    private final long[] phaseNanos = new long[3]; // forward + losses, backward, optimizer
    private long tokens;
    private long steps;
    private long windowStart = System.nanoTime();

    MetricsWriter(Path file) {
        this.file = file;
    }

    /** A new run starts with no lines. */
    void clear() throws IOException {
        Files.deleteIfExists(file);
    }

    /** On resume: drops lines written after the checkpoint's step (they will be written again). */
    void truncateAfter(long step) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                if (JSON.readTree(line).path("step").asLong() <= step) {
                    keep.add(line);
                }
            } catch (IOException e) {
                // a line cut by the kill: drop it
            }
        }
        AtomicFiles.write(
                file, (String.join("\n", keep) + (keep.isEmpty() ? "" : "\n")).getBytes(StandardCharsets.UTF_8));
    }

    /** One micro-batch: each task's loss, its tokens, and the time of its forward and backward pass. */
    void batch(Map<String, Float> losses, long batchTokens, long forwardNanos, long backwardNanos) {
        losses.forEach((t, v) -> {
            double[] s = lossSums.computeIfAbsent(t, k -> new double[2]);
            s[0] += v;
            s[1]++;
        });
        tokens += batchTokens;
        phaseNanos[0] += forwardNanos;
        phaseNanos[1] += backwardNanos;
    }

    void optimizerStep(long nanos) {
        phaseNanos[2] += nanos;
        steps++;
    }

    /** The window's mean loss per task, and their sum under "total". */
    Map<String, Double> lossMeans() {
        Map<String, Double> out = new LinkedHashMap<>();
        double total = 0;
        for (var e : lossSums.entrySet()) {
            double mean = e.getValue()[0] / Math.max(1, e.getValue()[1]);
            out.put(e.getKey(), mean);
            total += mean;
        }
        out.put("total", total);
        return out;
    }

    double tokensPerSecond() {
        return tokens / Math.max(1e-9, (System.nanoTime() - windowStart) / 1e9);
    }

    /** Writes the window's line and starts a new window. */
    void writeTrain(long step, double epoch, double seconds, float lr) throws IOException {
        double window = (System.nanoTime() - windowStart) / 1e9;
        long n = Math.max(1, steps);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", "train");
        line.put("step", step);
        line.put("epoch", epoch);
        line.put("time_s", seconds);
        line.put("lr", lr);
        line.put("loss", lossMeans());
        line.put("tokens_per_s", tokens / window);
        line.put("steps_per_s", n / window);
        line.put("ms_forward", phaseNanos[0] / 1e6 / n);
        line.put("ms_backward", phaseNanos[1] / 1e6 / n);
        line.put("ms_optimizer", phaseNanos[2] / 1e6 / n);
        append(line);
        lossSums.clear();
        Arrays.fill(phaseNanos, 0);
        tokens = 0;
        steps = 0;
        windowStart = System.nanoTime();
    }

    /**
     * An evaluation's line; {@code score} is left out when it is not a number (the starting model's line,
     * and every line of a run without a dev split): JSON has no NaN, and a quoted one is not a number.
     */
    void writeEval(long step, double epoch, Map<String, Map<String, Double>> dev, double score) throws IOException {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", "eval");
        line.put("step", step);
        line.put("epoch", epoch);
        line.put("split", "dev");
        line.put("metrics", dev);
        if (Double.isFinite(score)) {
            line.put("score", score);
        }
        append(line);
    }

    private void append(Map<String, Object> line) throws IOException {
        Files.write(
                file,
                (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }
}
