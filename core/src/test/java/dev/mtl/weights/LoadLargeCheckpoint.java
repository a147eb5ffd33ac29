package dev.mtl.weights;

import ai.djl.ndarray.NDArray;
import dev.mtl.MultiTaskModel;
import java.nio.file.Path;
import java.util.function.LongFunction;

/** Child JVM of {@link LargeCheckpointTest}: loads a model directory and prints sampled values. */
public final class LoadLargeCheckpoint {

    private LoadLargeCheckpoint() {}

    public static void main(String[] args) throws Exception {
        try (MultiTaskModel m = MultiTaskModel.load(Path.of(args[0]))) {
            for (var e : m.parameters().params().entrySet()) {
                NDArray flat = e.getValue().array().reshape(-1);
                long n = flat.size();
                System.out.println(samples(e.getKey(), n, i -> flat.getFloat(i)));
            }
        }
        System.out.println("heap max " + Runtime.getRuntime().maxMemory());
    }

    /** The first, middle and last value of a tensor, and one at a prime stride, as one line. */
    static String samples(String key, long n, LongFunction<Float> at) {
        return "sample " + key + " " + n + " " + at.apply(0) + " " + at.apply(n / 2) + " " + at.apply(n - 1) + " "
                + at.apply(7919 % n);
    }
}
