package dev.mtl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which engine a model's inference runs on, that engine once open, and the encoder passes made on it.
 * The engine opens at first use and closes when another is chosen or the model closes. Not the choice
 * itself ({@link ForwardEngines}) nor the forward pass (the engine's).
 */
final class EngineSlot implements AutoCloseable {

    private final MultiTaskModel model;
    /** Where the model was loaded from (its model.onnx is used by ONNX Runtime), or null. */
    private Path source;
    /** Null until chosen at first use (loaded models only). */
    private EngineKind kind = EngineKind.PYTORCH;

    private ForwardEngine engine;
    /** PyTorch's passes are the encoder's own count; the others are counted here. */
    private final AtomicLong otherEngineForwards = new AtomicLong();

    EngineSlot(MultiTaskModel model) {
        this.model = model;
    }

    /** Leaves the kind to be chosen at first use, for a model loaded from {@code source} (or null). */
    void chooseAtFirstUse(Path source) {
        this.source = source;
        this.kind = null;
    }

    EngineKind kind() {
        if (kind == null) {
            kind = ForwardEngines.choose();
        }
        return kind;
    }

    void use(EngineKind kind) {
        close();
        this.kind = kind;
    }

    ForwardEngine engine() {
        if (engine == null) {
            try {
                engine = ForwardEngines.open(kind(), model, source);
                kind = engine.kind(); // PyTorch when the chosen engine could not take the model
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return engine;
    }

    long forwardCount() {
        return model.backbone().model().forwardCount() + otherEngineForwards.get();
    }

    void countForward(ForwardEngine e) {
        if (e.kind() != EngineKind.PYTORCH) {
            otherEngineForwards.incrementAndGet();
        }
    }

    @Override
    public void close() {
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }
}
