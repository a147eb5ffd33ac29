package dev.mtl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.Output;
import dev.mtl.config.TaskConfig;
import dev.mtl.heads.Head;
import dev.mtl.model.Dropouts;
import dev.mtl.model.Param;
import dev.mtl.tokenize.PaddedBatch;
import dev.mtl.weights.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model with a task tower is two models in one: its classification and NER outputs are those of the
 * encoder with the tower as its top layers, its embedding that of the shared encoder.
 */
public class TaskTowerTest {

    public static final List<TaskConfig> TASKS = List.of(
            TaskConfig.classification("intent", List.of("PlayMusic", "GetWeather", "BookRestaurant")),
            TaskConfig.ner("slots", TestModels.TAGS, false));

    static final List<String> TEXTS = List.of(
            "play the music in new york",
            "new york new york the music play the new music in new york , the music ! play new music in york",
            "a");

    @TempDir
    Path tmp;

    @Test
    void aNewTowerIsACopyOfTheTopLayers() throws Exception {
        try (MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp), EmbeddingConfig.sentenceTransformers(), TASKS, 64, 2)) {
            Map<String, Param> p = m.parameters().params();
            int copied = 0;
            for (String key : p.keySet()) {
                if (key.startsWith("task_tower.layer.")) {
                    String source = "encoder.layer." + key.substring("task_tower.layer.".length());
                    assertArrayEquals(
                            p.get(source).array().toFloatArray(),
                            p.get(key).array().toFloatArray(),
                            key);
                    copied++;
                }
            }
            assertEquals(2 * 16, copied, "every parameter of both top layers");
            assertEquals(2, m.config().taskLayers());
            assertEquals(2, m.config().formatVersion());
        }
    }

    @Test
    void taskHeadsReadTheTowerAndTheEmbeddingTheSharedLayersWindowsIncluded() throws Exception {
        try (MultiTaskModel tower = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp.resolve("tower")), EmbeddingConfig.sentenceTransformers(), TASKS, 64, 1)) {
            randomize(tower);
            Map<String, Tensor> all = tower.parameters().toTensors();
            Map<String, Tensor> heads = new LinkedHashMap<>();
            Map<String, Tensor> shared = new LinkedHashMap<>();
            Map<String, Tensor> taskEncoder = new LinkedHashMap<>();
            all.forEach((k, t) -> {
                if (k.startsWith("heads.") || k.startsWith("embedding.")) {
                    heads.put(k, t);
                } else if (!k.startsWith("task_tower.")) {
                    shared.put(k, t);
                    String top = "encoder.layer.1.";
                    taskEncoder.put(
                            k, k.startsWith(top) ? all.get("task_tower.layer.0." + k.substring(top.length())) : t);
                }
            });
            assertNotEquals(
                    all.get("encoder.layer.1.output.dense.weight").data()[0],
                    all.get("task_tower.layer.0.output.dense.weight").data()[0],
                    "the tower differs from the layer it was copied from");
            try (MultiTaskModel sharedOnly = withWeights("shared", shared, heads);
                    MultiTaskModel tasksOnly = withWeights("tasks", taskEncoder, heads)) {
                var options = tower.defaultOptions().withMaxLength(8).withBatchSize(2); // the long text spans windows
                var all3 = EnumSet.allOf(Output.class);
                List<Prediction> t = tower.predict(TEXTS, all3, options, n -> {});
                List<Prediction> s = sharedOnly.predict(TEXTS, all3, options, n -> {});
                List<Prediction> k = tasksOnly.predict(TEXTS, all3, options, n -> {});
                for (int i = 0; i < TEXTS.size(); i++) {
                    assertArrayEquals(s.get(i).embedding(), t.get(i).embedding(), 1e-6f, "embedding " + i);
                    Map<String, Float> want =
                            k.get(i).classification().get("intent").scores();
                    Map<String, Float> got =
                            t.get(i).classification().get("intent").scores();
                    for (String label : want.keySet()) {
                        assertEquals(want.get(label), got.get(label), 1e-6f, "intent " + i + " " + label);
                    }
                    assertEquals(
                            k.get(i).ner().get("slots").tags(),
                            t.get(i).ner().get("slots").tags());
                }
                // Not vacuous: the two halves of the tower model disagree with each other's encoder.
                assertTrue(
                        !s.get(1)
                                .classification()
                                .get("intent")
                                .scores()
                                .equals(t.get(1).classification().get("intent").scores()),
                        "the shared encoder's classification differs from the tower's");
            }
        }
    }

    @Test
    void sharedLayersRunForTheFirstRowsOnlyWhenAsked() throws Exception {
        try (MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp), EmbeddingConfig.sentenceTransformers(), TASKS, 64, 2)) {
            randomize(m);
            PaddedBatch batch = batchOfTexts(m);
            List<Head<?, ?>> heads = new ArrayList<>(m.heads().values());
            heads.add(m.embeddingHead());
            try (NDManager nm = m.backbone().manager().newSubManager()) {
                MultiTaskModel.Forward all = m.forward(nm, batch, heads, false);
                MultiTaskModel.Forward two = m.forward(nm, batch, heads, 2, 1f, false);
                assertEquals(3, all.output(m.embeddingHead()).getShape().get(0));
                assertEquals(2, two.output(m.embeddingHead()).getShape().get(0));
                assertArrayEquals(
                        all.output(m.embeddingHead()).get("0:2").toFloatArray(),
                        two.output(m.embeddingHead()).toFloatArray(),
                        1e-6f,
                        "the embedding of the rows that ran");
                for (Head<?, ?> h : m.heads().values()) {
                    assertArrayEquals(
                            all.output(h).toFloatArray(),
                            two.output(h).toFloatArray(),
                            0f,
                            h.name() + " (the tower's)");
                }
            }
        }
    }

    @Test
    void pullScalesOnlyTheGradientThatTheSharedTopLayersPassDown() throws Exception {
        String bottom = "encoder.layer.0.attention.self.query.weight";
        String top = "encoder.layer.1.output.dense.weight";
        Map<String, float[]> full = gradients(1f, false, bottom, top);
        Map<String, float[]> half = gradients(0.5f, false, bottom, top);
        Map<String, float[]> none = gradients(0f, false, bottom, top);
        assertTrue(norm(full.get(bottom)) > 1e-3, "the embedding's loss reaches the layer below the tower");
        assertArrayEquals(scaled(full.get(bottom), 0.5f), half.get(bottom), 1e-6f, "half the pull, half the gradient");
        assertArrayEquals(new float[full.get(bottom).length], none.get(bottom), 0f, "no pull, no gradient");
        assertArrayEquals(full.get(top), none.get(top), 0f, "the shared top layer learns as before");
        assertArrayEquals(full.get("embedding"), none.get("embedding"), 0f, "the values are unchanged");
        // The heads read the tower, whose gradient into the layers below the pull leaves alone.
        assertArrayEquals(
                gradients(1f, true, bottom, top).get(bottom),
                gradients(0f, true, bottom, top).get(bottom),
                0f);
    }

    /** Gradients of a weighted sum of the embedding (or of the intent logits) on a fresh copy of one model. */
    private Map<String, float[]> gradients(float pull, boolean intentLoss, String... keys) throws Exception {
        Path dir = tmp.resolve("grad-" + pull + "-" + intentLoss);
        try (MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(dir), EmbeddingConfig.sentenceTransformers(), TASKS, 64, 1)) {
            randomize(m);
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (String k : keys) {
                params.put(k, m.parameters().params().get(k).array());
                params.get(k).setRequiresGradient(true);
            }
            PaddedBatch batch = batchOfTexts(m);
            Head<?, ?> read = intentLoss ? m.heads().get("intent") : m.embeddingHead();
            Map<String, float[]> out = new LinkedHashMap<>();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector();
                    NDManager nm = m.backbone().manager().newSubManager()) {
                Dropouts.reseed(5);
                MultiTaskModel.Forward f = m.forward(nm, batch, List.of(read), 3, pull, true);
                NDArray y = f.output(read);
                float[] w = new float[(int) y.size()];
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) Math.sin(i + 1.0);
                }
                gc.backward(y.mul(nm.create(w, y.getShape())).sum());
                out.put("embedding", y.toFloatArray());
                params.forEach((k, p) -> out.put(k, p.getGradient().toFloatArray()));
            }
            return out;
        }
    }

    /** {@link #TEXTS}, tokenized and padded as one batch. */
    private static PaddedBatch batchOfTexts(MultiTaskModel m) {
        List<long[]> ids = TEXTS.stream()
                .map(t -> m.backbone().tokenizer().encode(t).getIds())
                .toList();
        return PaddedBatch.of(ids, m.backbone().tokenizer().padId());
    }

    private static float[] scaled(float[] v, float by) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = v[i] * by;
        }
        return r;
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    @Test
    void savedAndLoadedTheTowerGivesTheSameOutputs() throws Exception {
        Path dir = tmp.resolve("model");
        List<Prediction> before;
        try (MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp.resolve("vocab")), EmbeddingConfig.sentenceTransformers(), TASKS, 64, 1)) {
            randomize(m);
            m.useEngine(EngineKind.PYTORCH);
            before = m.predict(TEXTS, EnumSet.allOf(Output.class));
            m.save(dir);
        }
        String config = Files.readString(dir.resolve("config.json"));
        assertTrue(config.contains("\"task_layers\" : 1"), config);
        assertTrue(config.contains("\"format_version\" : 2"), config);
        try (MultiTaskModel m = MultiTaskModel.load(dir)) {
            m.useEngine(EngineKind.PYTORCH);
            List<Prediction> after = m.predict(TEXTS, EnumSet.allOf(Output.class));
            for (int i = 0; i < TEXTS.size(); i++) {
                assertArrayEquals(before.get(i).embedding(), after.get(i).embedding(), 0f);
                assertEquals(before.get(i).classification(), after.get(i).classification());
                assertEquals(before.get(i).ner(), after.get(i).ner());
            }
        }
        // A version-1 reader would run the heads on the shared layers: version 1 with a tower is refused.
        Files.writeString(
                dir.resolve("config.json"), config.replace("\"format_version\" : 2", "\"format_version\" : 1"));
        var e = assertThrows(
                java.io.IOException.class, () -> MultiTaskModel.load(dir).close());
        assertTrue(e.getMessage().contains("mtl.task_layers 1 does not match mtl.format_version 1"), e.getMessage());
    }

    private MultiTaskModel withWeights(String name, Map<String, Tensor> encoder, Map<String, Tensor> heads)
            throws Exception {
        Backbone b = TestModels.tinyBackbone(tmp.resolve(name));
        b.parameters().load(encoder, b.manager(), name);
        MultiTaskModel m = MultiTaskModel.create(b, EmbeddingConfig.sentenceTransformers(), TASKS, 64, 0);
        m.headParameters().load(heads, b.manager(), name);
        m.useEngine(EngineKind.PYTORCH);
        return m;
    }

    static void randomize(MultiTaskModel m) {
        TestModels.redrawAtTrainedScale(m, 11);
        m.useEngine(EngineKind.PYTORCH);
    }
}
