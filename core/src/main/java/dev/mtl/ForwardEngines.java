package dev.mtl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which engine a loaded model runs on: {@code -Dmtl.engine} or {@code MTL_ENGINE} when set; otherwise
 * ONNX Runtime when {@code mtl-onnx} is on the class path (measured faster on every benchmark of
 * docs/benchmarks.md; a model directory's {@code model.onnx} is then used, or the graph is exported
 * in memory at load), else PyTorch.
 */
final class ForwardEngines {

    private static final Logger LOG = LoggerFactory.getLogger(ForwardEngines.class);

    private ForwardEngines() {}

    /** The engine asked for by property or environment, or null. */
    static EngineKind requested() {
        String p = System.getProperty(EngineKind.PROPERTY);
        if (p != null && !p.isBlank()) {
            return EngineKind.parse(p);
        }
        String e = System.getenv(EngineKind.ENV);
        return e != null && !e.isBlank() ? EngineKind.parse(e) : null;
    }

    static EngineKind choose() {
        EngineKind r = requested();
        if (r != null) {
            return r;
        }
        return provider(EngineKind.ONNXRUNTIME) != null ? EngineKind.ONNXRUNTIME : EngineKind.PYTORCH;
    }

    static ForwardEngine open(EngineKind kind, MultiTaskModel model, Path dir) throws IOException {
        if (kind == EngineKind.PYTORCH) {
            return new PyTorchEngine(model);
        }
        ForwardEngine.Provider p = provider(kind);
        if (p == null) {
            throw new IllegalStateException("engine " + kind.id() + " is not available: add the mtl-onnx module "
                    + "to the class path, or choose -D" + EngineKind.PROPERTY + "=pytorch");
        }
        try {
            return p.open(model, dir);
        } catch (ForwardEngine.Unavailable e) {
            if (requested() != null) {
                throw e;
            }
            LOG.warn("{}; running on PyTorch instead", e.getMessage());
            return new PyTorchEngine(model);
        }
    }

    private static ForwardEngine.Provider provider(EngineKind kind) {
        for (ForwardEngine.Provider p : ServiceLoader.load(ForwardEngine.Provider.class)) {
            if (p.kind() == kind) {
                return p;
            }
        }
        return null;
    }
}
