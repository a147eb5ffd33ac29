package dev.mtl.onnx;

import dev.mtl.MultiTaskModel;
import java.nio.file.Path;
import java.util.List;

/** Child JVM of {@link LargeModelEngineTest}: loads a model directory, embeds one text, prints what ran. */
public final class EmbedOnce {

    private EmbedOnce() {}

    public static void main(String[] args) throws Exception {
        try (MultiTaskModel m = MultiTaskModel.load(Path.of(args[0]))) {
            float[] e = m.embed(List.of("a sentence to embed"), m.defaultOptions(), n -> {})[0];
            System.out.println("engine " + m.engineKind().id());
            for (int i = 0; i < 8; i++) {
                System.out.println("value " + i + " " + e[i]);
            }
        }
    }
}
