package dev.mtl.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.MultiTaskModel;
import dev.mtl.io.AtomicFiles;
import dev.mtl.weights.SafeTensors;
import dev.mtl.weights.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A run's checkpoints: {@code checkpoints/step-NNNNNNNN/} with the model, the optimizer's moments and
 * the {@link TrainState}. Each is written to a temporary directory and renamed, so an incomplete one
 * is never mistaken for a checkpoint; the newest {@link #KEEP} are kept.
 */
final class Checkpoints {

    /** Checkpoints kept besides best/. */
    static final int KEEP = 2;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STATE = "trainer.json";
    private static final String OPTIMIZER = "optimizer.safetensors";
    /** Suffix of a checkpoint that did not read back on --resume. */
    static final String UNREADABLE = ".unreadable";

    /** What fills a checkpoint directory: model, optimizer moments and state; a seam for failing disks. */
    @FunctionalInterface
    interface Writer {
        void write(Path dir, MultiTaskModel model, AdamW optimizer, TrainState state) throws IOException;
    }

    private final Path root;
    private final Writer writer;

    Checkpoints(Path root) {
        this(root, Checkpoints::fill);
    }

    Checkpoints(Path root, Writer writer) {
        this.root = root;
        this.writer = writer;
    }

    /** A checkpoint read back for --resume. */
    record Resumed(Path path, MultiTaskModel model, TrainState state, Map<String, Tensor> optimizer) {}

    /**
     * The newest checkpoint that reads back whole (model, state, optimizer). One that does not is
     * skipped with a warning naming it and what is wrong, and the one before it is used.
     *
     * @return null when there is no checkpoint
     * @throws IOException when none reads back; the message names the newest and its error
     */
    Resumed resume(java.util.function.Consumer<String> warn) throws IOException {
        List<Path> all = list(root);
        IOException newest = null;
        for (int i = all.size() - 1; i >= 0; i--) {
            Path c = all.get(i);
            try {
                TrainState state = state(c);
                Map<String, Tensor> moments = SafeTensors.read(c.resolve(OPTIMIZER));
                Resumed r = new Resumed(c, MultiTaskModel.load(c.resolve("model")), state, moments);
                for (Path skipped : all.subList(i + 1, all.size())) { // kept for inspection, never listed again
                    Files.move(skipped, skipped.resolveSibling(skipped.getFileName() + UNREADABLE));
                    warn.accept("warning: moved " + skipped + " aside to " + skipped.getFileName() + UNREADABLE);
                }
                return r;
            } catch (IOException | RuntimeException e) {
                String problem = c + " cannot be read back (" + e.getMessage() + ")";
                warn.accept("warning: " + problem
                        + (i > 0 ? "; trying " + all.get(i - 1).getFileName() : ""));
                if (newest == null) {
                    newest = new IOException(problem + "; no older checkpoint reads back either", e);
                }
            }
        }
        if (newest != null) {
            throw newest;
        }
        return null;
    }

    /** The newest complete checkpoint, or null. */
    Path latest() throws IOException {
        return latest(root);
    }

    static Path latest(Path root) throws IOException {
        List<Path> all = list(root);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /**
     * Writes the checkpoint of {@code state.step()} whole or not at all; on failure the checkpoints
     * already on disk are untouched and the error names the one that was not written and why.
     */
    void save(MultiTaskModel model, AdamW optimizer, TrainState state) throws IOException {
        Path target = root.resolve(String.format("step-%08d", state.step()));
        try {
            AtomicFiles.writeDirectory(target, dir -> writer.write(dir, model, optimizer, state));
        } catch (IOException e) {
            Path previous = latest();
            throw new IOException(
                    "writing checkpoint " + target + " failed (" + e.getMessage() + ")"
                            + (previous != null ? "; the previous checkpoint " + previous + " is intact" : ""),
                    e);
        }
        List<Path> all = list(root);
        for (int i = 0; i < all.size() - KEEP; i++) {
            AtomicFiles.deleteRecursively(all.get(i));
        }
    }

    private static void fill(Path dir, MultiTaskModel model, AdamW optimizer, TrainState state) throws IOException {
        model.save(dir.resolve("model"));
        Map<String, Tensor> moments = new LinkedHashMap<>();
        optimizer
                .stateArrays()
                .forEach((k, a) -> moments.put(k, new Tensor(k, a.getShape().getShape(), a.toFloatArray())));
        SafeTensors.write(dir.resolve(OPTIMIZER), moments, Map.of("steps", String.valueOf(optimizer.steps())));
        Files.write(dir.resolve(STATE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
    }

    static TrainState state(Path checkpoint) throws IOException {
        return JSON.readValue(checkpoint.resolve(STATE).toFile(), TrainState.class);
    }

    static void restoreOptimizer(AdamW optimizer, Map<String, Tensor> moments, long step) {
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        moments.forEach((k, v) -> {
            values.put(k, v.data());
            shapes.put(k, v.shape());
        });
        optimizer.restore(values, shapes, step);
    }

    private static List<Path> list(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d{8}"))
                    .filter(p -> Files.isRegularFile(p.resolve(STATE)))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList();
        }
    }
}
