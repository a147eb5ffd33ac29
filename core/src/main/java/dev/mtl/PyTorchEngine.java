package dev.mtl;

import ai.djl.ndarray.NDManager;
import dev.mtl.heads.Head;
import dev.mtl.tokenize.PaddedBatch;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The model's own forward pass, in a native sub-manager per batch freed before returning. */
final class PyTorchEngine implements ForwardEngine {

    private final MultiTaskModel model;

    PyTorchEngine(MultiTaskModel model) {
        this.model = model;
    }

    @Override
    public EngineKind kind() {
        return EngineKind.PYTORCH;
    }

    @Override
    public Result run(PaddedBatch batch, List<Head<?, ?>> heads, boolean pooled) {
        try (Engines.NoGrad g = Engines.noGrad();
                NDManager m = model.backbone().manager().newSubManager()) {
            MultiTaskModel.Forward f = model.forward(m, batch, heads, false);
            Map<Head<?, ?>, float[]> out = new LinkedHashMap<>();
            heads.forEach(h -> out.put(h, f.output(h).toFloatArray()));
            return new Result(
                    out,
                    pooled && f.pooled() != null ? f.pooled().toFloatArray() : null,
                    pooled && f.taskPooled() != null ? f.taskPooled().toFloatArray() : null);
        }
    }

    @Override
    public void close() {}
}
