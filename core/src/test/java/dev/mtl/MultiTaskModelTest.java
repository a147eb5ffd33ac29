package dev.mtl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.Output;
import dev.mtl.config.Pooling;
import dev.mtl.config.TaskConfig;
import dev.mtl.heads.TagSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The multi-task model on a tiny random config: outputs per task subset, one encoder pass, persistence. */
class MultiTaskModelTest {

    @TempDir
    Path tmp;

    static final List<String> TAGS = List.of("O", "B-artist", "I-artist", "B-city", "I-city");

    static List<TaskConfig> tasks(boolean crf) {
        return List.of(
                TaskConfig.classification("intent", List.of("PlayMusic", "GetWeather", "BookRestaurant")),
                TaskConfig.classification("topics", List.of("music", "travel", "food", "weather"))
                        .withMultiLabel(true),
                TaskConfig.ner("entities", TAGS, crf));
    }

    MultiTaskModel tinyModel(boolean crf) throws Exception {
        Backbone b = TestModels.tinyBackbone(tmp.resolve("vocab"));
        return MultiTaskModel.create(b, new EmbeddingConfig(Pooling.MEAN, 16, true, true), tasks(crf), 64);
    }

    static final List<String> TEXTS = List.of("play the music", "new york", "", "the music play new york !", "a");

    @Test
    void everySubsetOfTasksHasItsOutputsAndRunsTheEncoderOncePerBatch() throws Exception {
        try (MultiTaskModel m = tinyModel(false)) {
            InferenceOptions opts = m.defaultOptions().withBatchSize(2);
            List<Set<Output>> subsets = new ArrayList<>();
            for (int mask = 1; mask < 8; mask++) {
                Set<Output> s = EnumSet.noneOf(Output.class);
                for (Output t : Output.values()) {
                    if ((mask & (1 << t.ordinal())) != 0) {
                        s.add(t);
                    }
                }
                subsets.add(s);
            }
            for (Set<Output> subset : subsets) {
                long before = m.backbone().model().forwardCount();
                List<Prediction> p = m.predict(TEXTS, subset, opts, n -> {});
                assertEquals(3, m.backbone().model().forwardCount() - before, "encoder passes for " + subset);
                assertEquals(TEXTS.size(), p.size());
                for (int i = 0; i < p.size(); i++) {
                    Prediction x = p.get(i);
                    assertEquals(TEXTS.get(i), x.text());
                    if (subset.contains(Output.EMBEDDING)) {
                        assertEquals(16, x.embedding().length);
                        double norm = 0;
                        for (float v : x.embedding()) {
                            norm += v * v;
                        }
                        assertEquals(1.0, Math.sqrt(norm), 1e-5);
                    } else {
                        assertNull(x.embedding());
                    }
                    if (subset.contains(Output.CLASSIFICATION)) {
                        assertEquals(
                                List.of("intent", "topics"),
                                List.copyOf(x.classification().keySet()));
                        var intent = x.classification().get("intent");
                        assertEquals(3, intent.scores().size());
                        assertEquals(
                                1.0,
                                intent.scores().values().stream()
                                        .mapToDouble(Float::doubleValue)
                                        .sum(),
                                1e-5);
                        assertEquals(List.of(intent.label()), intent.labels());
                        var topics = x.classification().get("topics");
                        for (var e : topics.scores().entrySet()) { // sigmoid: independent, chosen iff >= 0.5
                            assertEquals(e.getValue() >= 0.5f, topics.labels().contains(e.getKey()));
                        }
                    } else {
                        assertNull(x.classification());
                    }
                    if (subset.contains(Output.NER)) {
                        var ner = x.ner().get("entities");
                        assertEquals(x.words().size(), ner.tags().size());
                        assertValidBio(ner.tags());
                        for (var e : ner.entities()) {
                            assertEquals(x.text().substring(e.start(), e.end()), e.text());
                            assertTrue(e.score() > 0 && e.score() <= 1);
                        }
                    } else {
                        assertNull(x.ner());
                    }
                }
            }
        }
    }

    static void assertValidBio(List<String> tags) {
        TagSet ts = new TagSet(TAGS);
        for (int i = 0; i < tags.size(); i++) {
            int j = ts.index(tags.get(i));
            assertTrue(i == 0 ? ts.allowedStart(j) : ts.allowed(ts.index(tags.get(i - 1)), j), tags.toString());
        }
    }

    @Test
    void pretokenizedInputGetsOneTagPerWordAcrossWindowBoundaries() throws Exception {
        try (MultiTaskModel m = tinyModel(true)) {
            List<String> words = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                words.add(i % 3 == 0 ? "playing" : i % 3 == 1 ? "york" : ","); // 'playing' = play + ##ing
            }
            InferenceOptions small = m.defaultOptions().withMaxLength(12); // windows of 10 content tokens
            long before = m.backbone().model().forwardCount();
            Prediction p = m.predictWords(List.of(words), EnumSet.of(Output.NER), small)
                    .get(0);
            assertEquals(1, m.backbone().model().forwardCount() - before, "all windows in one batch");
            assertEquals(30, p.ner().get("entities").tags().size());
            assertValidBio(p.ner().get("entities").tags());
            assertEquals(String.join(" ", words), p.text());
        }
    }

    @Test
    void unknownOutputForThisModelListsTheAvailableOnes() throws Exception {
        try (MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp.resolve("v")), EmbeddingConfig.sentenceTransformers(), List.of(), 64)) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> m.predict(List.of("x"), EnumSet.of(Output.NER)));
            assertEquals("this model has no ner head; available outputs: [embedding]", e.getMessage());
        }
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Output.parseList("embedding,pos"));
        assertEquals("unknown output 'pos'; valid outputs: embedding, classification, ner", e.getMessage());
    }

    @Test
    void textsTokenizedOneAtATimeGiveWhatPredictGives() throws Exception {
        try (MultiTaskModel m = tinyModel(true)) {
            List<Prediction> direct = m.predict(TEXTS, EnumSet.allOf(Output.class));
            var enc = TEXTS.stream()
                    .map(t -> m.backbone().tokenizer().encode(t))
                    .toArray(ai.djl.huggingface.tokenizers.Encoding[]::new);
            List<Prediction> reused = m.predict(TEXTS, enc, EnumSet.allOf(Output.class), m.defaultOptions(), n -> {});
            for (int i = 0; i < TEXTS.size(); i++) {
                assertArrayEquals(direct.get(i).embedding(), reused.get(i).embedding()); // exact
                assertEquals(direct.get(i).classification(), reused.get(i).classification());
                assertEquals(direct.get(i).ner(), reused.get(i).ner());
            }
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> m.predict(
                            TEXTS,
                            java.util.Arrays.copyOf(enc, 1),
                            EnumSet.of(Output.EMBEDDING),
                            m.defaultOptions(),
                            n -> {}));
            assertEquals("1 encodings for " + TEXTS.size() + " texts", e.getMessage());
        }
    }

    @Test
    void saveThenLoadGivesBitIdenticalOutputs() throws Exception {
        Path dir = tmp.resolve("saved");
        List<Prediction> before;
        try (MultiTaskModel m = tinyModel(true)) {
            before = m.predict(TEXTS, EnumSet.allOf(Output.class));
            m.save(dir);
        }
        assertTrue(Files.isRegularFile(dir.resolve("config.json")));
        assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer.json")));
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "temp dir left behind");
        }
        try (MultiTaskModel loaded = MultiTaskModel.load(dir)) {
            assertEquals(3, loaded.tasks().size());
            assertTrue(loaded.tasks().get("entities").crf());
            assertTrue(loaded.tasks().get("topics").multiLabel());
            List<Prediction> after = loaded.predict(TEXTS, EnumSet.allOf(Output.class));
            for (int i = 0; i < TEXTS.size(); i++) {
                assertArrayEquals(before.get(i).embedding(), after.get(i).embedding()); // exact
                assertEquals(before.get(i).classification(), after.get(i).classification());
                assertEquals(before.get(i).ner(), after.get(i).ner());
            }
            // Saving over an existing model replaces it whole.
            loaded.save(dir);
        }
        try (MultiTaskModel again = MultiTaskModel.load(dir)) {
            assertArrayEquals(
                    before.get(0).embedding(),
                    again.predict(TEXTS, EnumSet.of(Output.EMBEDDING)).get(0).embedding());
        }
    }

    @Test
    void encoderKeysStayHuggingFaceNames() throws Exception {
        Path dir = tmp.resolve("saved");
        try (MultiTaskModel m = tinyModel(false)) {
            m.save(dir);
        }
        var keys = dev.mtl.weights.SafeTensors.read(dir.resolve("model.safetensors"))
                .keySet();
        assertTrue(keys.contains("encoder.layer.0.attention.self.query.weight"));
        assertTrue(keys.contains("heads.intent.out_proj.weight"));
        assertTrue(keys.contains("heads.entities.classifier.bias"));
        assertTrue(keys.contains("embedding.projection.weight"));
        String config = Files.readString(dir.resolve("config.json"));
        assertTrue(config.contains("\"model_type\" : \"bert\""), config);
        assertTrue(config.contains("\"hidden_size\" : 32"), config);
    }

    @Test
    void corruptedDirectoriesGiveOneLineNamingTheProblem() throws Exception {
        Path dir = tmp.resolve("saved");
        try (MultiTaskModel m = tinyModel(false)) {
            m.save(dir);
        }
        // A head tensor missing from the weights.
        Path w = dir.resolve("model.safetensors");
        var tensors = new java.util.LinkedHashMap<>(dev.mtl.weights.SafeTensors.read(w));
        tensors.remove("heads.topics.dense.bias");
        dev.mtl.weights.SafeTensors.write(w, tensors, java.util.Map.of());
        Exception e = assertThrows(Exception.class, () -> MultiTaskModel.load(dir));
        assertEquals(w + ": missing key 'heads.topics.dense.bias' (expected shape (32))", e.getMessage());

        // An invalid task in config.json.
        Path c = dir.resolve("config.json");
        Files.writeString(c, Files.readString(c).replace("\"kind\" : \"ner\"", "\"kind\" : \"pos\""));
        e = assertThrows(Exception.class, () -> MultiTaskModel.load(dir));
        assertTrue(e.getMessage().startsWith(c + ": invalid \"mtl\" section"), e.getMessage());

        // No config.json at all.
        Files.delete(c);
        e = assertThrows(Exception.class, () -> MultiTaskModel.load(dir));
        assertEquals(c + ": config.json not found", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void aHuggingFaceDirectoryLoadsAsEmbeddingOnly() throws Exception {
        try (MultiTaskModel m = MultiTaskModel.loadDefault()) {
            assertEquals(EnumSet.of(Output.EMBEDDING), m.availableOutputs());
            assertEquals(384, m.embeddingDimension());
            Prediction p = m.predict(List.of("hello world"), EnumSet.of(Output.EMBEDDING))
                    .get(0);
            assertNotNull(p.embedding());
            assertEquals(List.of("hello", "world"), p.words());
        }
    }

    @Test
    void predictionDecodesWhatTheSharedForwardPassComputes() throws Exception {
        try (MultiTaskModel m = tinyModel(false);
                ai.djl.ndarray.NDManager bm = m.backbone().manager().newSubManager();
                Engines.NoGrad g = Engines.noGrad()) {
            List<String> texts = List.of("play the music", "new york");
            List<Prediction> p = m.predict(texts, EnumSet.allOf(Output.class));
            List<long[]> ids = texts.stream()
                    .map(t -> m.backbone().tokenizer().encode(t).getIds())
                    .toList();
            var intent = m.head("intent");
            MultiTaskModel.Forward f = m.forward(
                    bm,
                    dev.mtl.tokenize.PaddedBatch.of(
                            ids, m.backbone().tokenizer().padId()),
                    List.of(m.embeddingHead(), intent),
                    false);
            float[] embeddings = f.output(m.embeddingHead()).toFloatArray();
            float[] logits = f.output(intent).toFloatArray();
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(
                        java.util.Arrays.copyOfRange(embeddings, i * 16, (i + 1) * 16),
                        p.get(i).embedding(),
                        1e-5f);
                double[] e = new double[3];
                double sum = 0;
                for (int l = 0; l < 3; l++) {
                    e[l] = Math.exp(logits[i * 3 + l]);
                    sum += e[l];
                }
                var scores = p.get(i).classification().get("intent").scores();
                assertEquals(e[0] / sum, scores.get("PlayMusic"), 1e-5);
                assertEquals(e[2] / sum, scores.get("BookRestaurant"), 1e-5);
            }
        }
    }
}
