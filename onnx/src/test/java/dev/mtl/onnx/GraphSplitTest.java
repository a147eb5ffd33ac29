package dev.mtl.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.mtl.MultiTaskModel;
import dev.mtl.TaskTowerTest;
import dev.mtl.TestModels;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.tokenize.PaddedBatch;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A graph with a task tower cut after the embedding: the two parts run one after the other compute
 * every output of the whole graph bit for bit, and each weight lives in one part only.
 */
class GraphSplitTest {

    @TempDir
    Path tmp;

    static final List<String> TEXTS = List.of("play some jazz in new york", "weather", "book a table for two tonight");
    static final Set<String> EMBEDDING_OUTPUTS = Set.of(OnnxExport.EMBEDDING, OnnxExport.POOLED);

    @Test
    void thePartsComputeWhatTheWholeGraphDoes() throws Exception {
        for (int layers = 1; layers <= 2; layers++) {
            try (MultiTaskModel m = towerModel(layers)) {
                for (ExportOptions options : List.of(ExportOptions.fp32(), ExportOptions.int8(TEXTS, false))) {
                    String what = layers + " tower layers, " + options.quantization();
                    byte[] whole = OnnxExport.toBytes(m, options);
                    GraphSplit split = GraphSplit.of(whole, EMBEDDING_OUTPUTS).orElseThrow();
                    assertTrue(split.crossing().size() >= 1, what);
                    assertEquals(List.of(OnnxExport.ATTENTION_MASK), split.taskInputs(), what);
                    assertSameOutputs(m, whole, split, what);

                    String shared = new String(split.shared(), StandardCharsets.ISO_8859_1);
                    String tasks = new String(split.tasks(), StandardCharsets.ISO_8859_1);
                    assertFalse(shared.contains("task_tower."), what + ": the shared part holds no tower weight");
                    assertFalse(shared.contains(MultiTaskModel.HEADS_PREFIX), what + ": nor a head's");
                    // The parts repeat only the metadata and a few small constants; one layer's weights are 37 KB here.
                    assertTrue(
                            split.shared().length + split.tasks().length < whole.length + 4096,
                            what + ": no weight in both parts");
                    assertTrue(tasks.contains("task_tower.layer.0."), what);
                }
            }
        }
    }

    @Test
    void aGraphWhoseEveryNodeTheEmbeddingNeedsIsNotSplit() throws Exception {
        try (MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp.resolve("vocab-plain")),
                EmbeddingConfig.sentenceTransformers(),
                List.of(),
                64,
                0)) {
            byte[] whole = OnnxExport.toBytes(m, ExportOptions.fp32());
            assertTrue(GraphSplit.of(whole, EMBEDDING_OUTPUTS).isEmpty());
        }
    }

    private MultiTaskModel towerModel(int layers) throws Exception {
        MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp.resolve("vocab-" + layers)),
                EmbeddingConfig.sentenceTransformers(),
                TaskTowerTest.TASKS,
                64,
                layers);
        TestModels.redrawAtTrainedScale(m, 5);
        return m;
    }

    private static void assertSameOutputs(MultiTaskModel m, byte[] whole, GraphSplit split, String what)
            throws Exception {
        List<long[]> seqs = new ArrayList<>();
        TEXTS.forEach(t -> seqs.add(m.backbone().tokenizer().encode(t).getIds()));
        PaddedBatch batch = PaddedBatch.of(seqs, m.backbone().tokenizer().padId());
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions();
                OrtSession all = env.createSession(whole, o);
                OrtSession shared = env.createSession(split.shared(), o);
                OrtSession tasks = env.createSession(split.tasks(), o);
                OrtEngine.Inputs in = OrtEngine.Inputs.of(env, batch);
                OrtSession.Result expected = all.run(in.tensors())) {
            Set<String> sharedOutputs = new HashSet<>(EMBEDDING_OUTPUTS);
            sharedOutputs.addAll(split.crossing());
            try (OrtSession.Result first = shared.run(in.tensors(), sharedOutputs)) {
                Map<String, OnnxTensor> feed = new HashMap<>();
                split.crossing()
                        .forEach(c -> feed.put(c, (OnnxTensor) first.get(c).orElseThrow()));
                split.taskInputs().forEach(i -> feed.put(i, in.tensors().get(i)));
                try (OrtSession.Result second = tasks.run(feed)) {
                    assertEquals(
                            all.getOutputNames().size(),
                            EMBEDDING_OUTPUTS.size() + tasks.getOutputNames().size(),
                            what + ": every output in one part");
                    for (String name : all.getOutputNames()) {
                        OrtSession.Result from = EMBEDDING_OUTPUTS.contains(name) ? first : second;
                        assertArrayEquals(floats(expected, name), floats(from, name), what + ": " + name);
                    }
                }
            }
        }
    }

    private static float[] floats(OrtSession.Result r, String name) {
        FloatBuffer b = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        float[] a = new float[b.remaining()];
        b.get(a);
        return a;
    }
}
