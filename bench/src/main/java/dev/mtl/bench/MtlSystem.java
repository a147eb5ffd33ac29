package dev.mtl.bench;

import dev.mtl.EngineKind;
import dev.mtl.MultiTaskModel;
import dev.mtl.SentenceEncoder;
import java.nio.file.Path;
import java.util.List;

/**
 * mtl as users run it: {@code SentenceEncoder.embed(texts)}, batches of 32, on one engine: the bundled
 * model on PyTorch or on ONNX Runtime (exported in memory), or a model directory with its model.onnx
 * (the int8 export).
 */
final class MtlSystem implements EmbedSystem {

    static final int BATCH = 32;

    private final String name;
    private final SentenceEncoder encoder;

    MtlSystem(String name, EngineKind engine, Path dir) throws Exception {
        this.name = name;
        MultiTaskModel m = dir == null ? MultiTaskModel.loadDefault() : MultiTaskModel.load(dir);
        m.useEngine(engine);
        this.encoder = new SentenceEncoder(m, m.defaultOptions().withBatchSize(BATCH));
        encoder.embed(List.of("warm the engine up")); // ONNX Runtime opens the session on first use
    }

    SentenceEncoder encoder() {
        return encoder;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public float[][] embed(List<String> texts) {
        return encoder.embed(texts);
    }

    @Override
    public void close() {
        encoder.close();
    }
}
