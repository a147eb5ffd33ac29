package dev.mtl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mtl.heads.Head;
import dev.mtl.model.BertModel;
import dev.mtl.model.TaskTower;
import dev.mtl.tokenize.PaddedBatch;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** The tensors of {@link MultiTaskModel#forward}: the encoder once, the task tower if asked for, each head. */
final class ForwardPass {

    private ForwardPass() {}

    /**
     * @param tower the model's task tower, or null
     * @param sharedRows how many of the batch's first rows the shared top layers run for (all of them
     *     without a tower)
     * @param pull how much of the shared top layers' gradient reaches the layers below a tower (0 to 1)
     */
    static MultiTaskModel.Forward run(
            MultiTaskModel model,
            TaskTower tower,
            NDManager m,
            PaddedBatch batch,
            Collection<? extends Head<?, ?>> heads,
            int sharedRows,
            float pull,
            boolean training) {
        Shape shape = new Shape(batch.batchSize(), batch.length());
        NDArray mask = m.create(batch.mask(), shape);
        BertModel.States states = model.backbone()
                .model()
                .apply(
                        m.create(batch.ids(), shape),
                        m.create(batch.typeIds(), shape),
                        mask,
                        model.config().taskLayers(),
                        sharedRows,
                        pull,
                        training);
        NDArray hidden = states.last();
        NDArray sharedMask = sharedRows < batch.batchSize() ? mask.get("0:" + sharedRows) : mask;
        NDArray taskHidden = null;
        NDArray pooled = null;
        NDArray taskPooled = null;
        Map<Head<?, ?>, NDArray> outputs = new LinkedHashMap<>();
        for (Head<?, ?> h : heads) {
            NDArray in;
            if (model.readsTower(h)) {
                if (taskHidden == null) {
                    taskHidden = tower.apply(states.belowTop(), states.additiveMask(), training); // (B, T, H)
                }
                if (h.input() == Head.Input.SENTENCE && taskPooled == null) {
                    taskPooled = model.pooler().pool(taskHidden, mask); // (B, H)
                }
                in = h.input() == Head.Input.SENTENCE ? taskPooled : taskHidden;
            } else {
                if (h.input() == Head.Input.SENTENCE && pooled == null) {
                    pooled = model.pooler().pool(hidden, sharedMask); // (B, H), or (rows, H)
                }
                in = h.input() == Head.Input.SENTENCE ? pooled : hidden;
            }
            outputs.put(h, h.forward(in, training));
        }
        return new MultiTaskModel.Forward(hidden, mask, pooled, taskPooled, outputs);
    }
}
