package dev.mtl.interop;

import dev.mtl.MultiTaskModel;
import dev.mtl.TestModels;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.TaskConfig;
import dev.mtl.model.Param;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** Tiny random models for the interop tests, with every head parameter random (LayerNorm's too). */
final class InteropModels {

    static final List<String> TEXTS =
            List.of("play the music", "new york", "the new music playing in new york, the music!", "a", "play");

    private InteropModels() {}

    static MultiTaskModel create(Path tmp, EmbeddingConfig embedding, List<TaskConfig> tasks) throws IOException {
        MultiTaskModel m = MultiTaskModel.create(TestModels.tinyBackbone(tmp), embedding, tasks, 64);
        randomize(m, 7);
        return m;
    }

    /** Replaces every head parameter by N(0, 0.5) values, so that no weight is the ones/zeros it starts as. */
    static void randomize(MultiTaskModel m, long seed) {
        randomize(m, seed, "");
    }

    /** As {@link #randomize(MultiTaskModel, long)}, for the head parameters whose key contains {@code part}. */
    static void randomize(MultiTaskModel m, long seed, String part) {
        Random r = new Random(seed);
        for (var e : m.headParameters().params().entrySet()) {
            if (!e.getKey().contains(part)) {
                continue;
            }
            Param p = e.getValue();
            float[] v = new float[(int) p.array().getShape().size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextGaussian() * 0.5);
            }
            p.array().set(FloatBuffer.wrap(v));
        }
    }
}
