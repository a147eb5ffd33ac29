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

    private final Path root;

    Checkpoints(Path root) {
        this.root = root;
    }

    /** The newest complete checkpoint, or null. */
    Path latest() throws IOException {
        return latest(root);
    }

    static Path latest(Path root) throws IOException {
        List<Path> all = list(root);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    void save(MultiTaskModel model, AdamW optimizer, TrainState state) throws IOException {
        Path target = root.resolve(String.format("step-%08d", state.step()));
        AtomicFiles.writeDirectory(target, dir -> {
            model.save(dir.resolve("model"));
            Map<String, Tensor> moments = new LinkedHashMap<>();
            optimizer
                    .stateArrays()
                    .forEach((k, a) -> moments.put(k, new Tensor(k, a.getShape().getShape(), a.toFloatArray())));
            SafeTensors.write(dir.resolve(OPTIMIZER), moments, Map.of("steps", String.valueOf(optimizer.steps())));
            Files.write(
                    dir.resolve(STATE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
        });
        List<Path> all = list(root);
        for (int i = 0; i < all.size() - KEEP; i++) {
            AtomicFiles.deleteRecursively(all.get(i));
        }
    }

    static TrainState state(Path checkpoint) throws IOException {
        return JSON.readValue(checkpoint.resolve(STATE).toFile(), TrainState.class);
    }

    static void restoreOptimizer(AdamW optimizer, Path checkpoint, long step) throws IOException {
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        SafeTensors.read(checkpoint.resolve(OPTIMIZER)).forEach((k, v) -> {
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
