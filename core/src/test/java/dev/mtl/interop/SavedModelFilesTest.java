package dev.mtl.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.MultiTaskModel;
import dev.mtl.Prediction;
import dev.mtl.TestModels;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.Output;
import dev.mtl.config.Pooling;
import dev.mtl.io.AtomicFiles;
import dev.mtl.weights.MiniLmWeights;
import dev.mtl.weights.SafeTensors;
import dev.mtl.weights.Tensor;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every saved model directory is also a sentence-transformers and a Hugging Face BERT directory: the
 * files are read here the way those libraries read them (modules.json in order, each module's config
 * keys and its weights' keys, dtypes and shapes; the tokenizer files against tokenizer.json).
 */
class SavedModelFilesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static JsonNode json(Path p) throws Exception {
        return JSON.readTree(p.toFile());
    }

    @Test
    void theDefaultHeadIsTransformerPoolingNormalize() throws Exception {
        Path dir = TestModels.writeTwoHeadModel(tmp);
        JsonNode modules = json(dir.resolve("modules.json"));
        assertEquals(3, modules.size());
        String[][] expected = {
            {"0", "", "Transformer"}, {"1", "1_Pooling", "Pooling"}, {"2", "2_Normalize", "Normalize"}
        };
        for (int i = 0; i < expected.length; i++) {
            JsonNode m = modules.get(i);
            assertEquals(i, m.get("idx").asInt());
            assertEquals(expected[i][0], m.get("name").asText());
            assertEquals(expected[i][1], m.get("path").asText());
            assertEquals(
                    "sentence_transformers.models." + expected[i][2],
                    m.get("type").asText());
        }
        JsonNode sbert = json(dir.resolve("sentence_bert_config.json"));
        assertEquals(64, sbert.get("max_seq_length").asInt());
        assertFalse(sbert.get("do_lower_case").asBoolean(), "the tokenizer lower-cases itself");
        JsonNode pooling = json(dir.resolve("1_Pooling/config.json"));
        assertEquals(
                Set.of(
                        "word_embedding_dimension",
                        "pooling_mode_cls_token",
                        "pooling_mode_mean_tokens",
                        "pooling_mode_max_tokens",
                        "pooling_mode_mean_sqrt_len_tokens"),
                fieldNames(pooling));
        assertEquals(32, pooling.get("word_embedding_dimension").asInt());
        assertTrue(pooling.get("pooling_mode_mean_tokens").asBoolean());
        assertFalse(pooling.get("pooling_mode_cls_token").asBoolean());
        assertFalse(pooling.get("pooling_mode_max_tokens").asBoolean());
        assertTrue(Files.isDirectory(dir.resolve("2_Normalize")));
        assertEquals(
                "cosine",
                json(dir.resolve("config_sentence_transformers.json"))
                        .get("similarity_fn_name")
                        .asText());
    }

    @Test
    void projectionAndLayerNormBecomeDenseAndLayerNormModulesWithTheHeadsWeights() throws Exception {
        Path dir = tmp.resolve("model");
        Map<String, Tensor> head;
        try (MultiTaskModel m =
                InteropModels.create(tmp.resolve("v"), new EmbeddingConfig(Pooling.MAX, 16, true, true), List.of())) {
            m.save(dir);
            head = m.headParameters().toTensors();
        }
        JsonNode modules = json(dir.resolve("modules.json"));
        List<String> paths = new ArrayList<>();
        modules.forEach(n -> paths.add(n.get("path").asText()));
        assertEquals(List.of("", "1_Pooling", "2_Dense", "3_LayerNorm", "4_Normalize"), paths);
        assertTrue(json(dir.resolve("1_Pooling/config.json"))
                .get("pooling_mode_max_tokens")
                .asBoolean());

        JsonNode dense = json(dir.resolve("2_Dense/config.json"));
        assertEquals(32, dense.get("in_features").asInt());
        assertEquals(16, dense.get("out_features").asInt());
        assertTrue(dense.get("bias").asBoolean());
        assertEquals(
                "torch.nn.modules.linear.Identity",
                dense.get("activation_function").asText());
        JsonNode header = SafeTensorsHeader.read(dir.resolve("2_Dense/model.safetensors"));
        assertEquals(Set.of("__metadata__", "linear.weight", "linear.bias"), fieldNames(header));
        assertEquals("pt", header.get("__metadata__").get("format").asText());
        assertEquals("F32", header.get("linear.weight").get("dtype").asText());
        assertEquals("[16,32]", header.get("linear.weight").get("shape").toString());
        assertEquals("[16]", header.get("linear.bias").get("shape").toString());
        Map<String, Tensor> w = SafeTensors.read(dir.resolve("2_Dense/model.safetensors"));
        assertArrayEquals(
                head.get("embedding.projection.weight").data(),
                w.get("linear.weight").data());
        assertArrayEquals(
                head.get("embedding.projection.bias").data(),
                w.get("linear.bias").data());

        assertEquals(
                "{\"dimension\":16}",
                json(dir.resolve("3_LayerNorm/config.json")).toString());
        Map<String, Tensor> ln = SafeTensors.read(dir.resolve("3_LayerNorm/model.safetensors"));
        assertEquals(Set.of("norm.weight", "norm.bias"), ln.keySet());
        assertArrayEquals(
                head.get("embedding.LayerNorm.weight").data(),
                ln.get("norm.weight").data());
        assertArrayEquals(
                head.get("embedding.LayerNorm.bias").data(), ln.get("norm.bias").data());
        assertArrayEquals(new long[] {16}, ln.get("norm.bias").shape());
    }

    @Test
    void tokenizerFilesAgreeWithTokenizerJson() throws Exception {
        Path dir = TestModels.writeTwoHeadModel(tmp);
        JsonNode tok = json(dir.resolve("tokenizer.json"));
        JsonNode cfg = json(dir.resolve("tokenizer_config.json"));
        assertEquals("BertTokenizer", cfg.get("tokenizer_class").asText());
        assertEquals(64, cfg.get("model_max_length").asInt());
        assertEquals(
                tok.get("normalizer").get("lowercase").asBoolean(),
                cfg.get("do_lower_case").asBoolean());
        JsonNode specials = json(dir.resolve("special_tokens_map.json"));
        Map<String, String> roles = Map.of(
                "cls_token", "[CLS]",
                "sep_token", "[SEP]",
                "pad_token", "[PAD]",
                "unk_token", "[UNK]",
                "mask_token", "[MASK]");
        assertEquals(roles.keySet(), fieldNames(specials));
        roles.forEach((role, token) -> {
            assertEquals(token, specials.get(role).asText());
            assertEquals(token, cfg.get(role).asText());
        });
        List<String> vocab = Files.readAllLines(dir.resolve("vocab.txt"), StandardCharsets.UTF_8);
        assertEquals(TestModels.vocab(), vocab);
        for (int id = 0; id < vocab.size(); id++) {
            assertEquals(id, tok.get("model").get("vocab").get(vocab.get(id)).asInt(), vocab.get(id));
        }
    }

    @Test
    void aFixedPaddingLengthIsDroppedAndTheRestOfTokenizerJsonKept() throws Exception {
        String original;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(MiniLmWeights.TOKENIZER_RESOURCE)) {
            original = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        JsonNode before = JSON.readTree(original);
        assertTrue(before.get("padding").get("strategy").has("Fixed"), "the fixture pads to a fixed length");
        TokenizerFiles.write(original, 256, tmp);
        JsonNode after = json(tmp.resolve("tokenizer.json"));
        assertTrue(after.get("padding").isNull());
        ((com.fasterxml.jackson.databind.node.ObjectNode) after).set("padding", before.get("padding"));
        assertEquals(before, after, "only the padding changed");
        List<String> vocab = Files.readAllLines(tmp.resolve("vocab.txt"), StandardCharsets.UTF_8);
        assertEquals(before.get("model").get("vocab").size(), vocab.size());
        for (int id = 0; id < vocab.size(); id += 997) {
            assertEquals(id, before.get("model").get("vocab").get(vocab.get(id)).asInt());
        }
        assertEquals("[UNK]", vocab.get(100));
        JsonNode cfg = json(tmp.resolve("tokenizer_config.json"));
        assertTrue(cfg.get("do_lower_case").asBoolean());
        assertEquals(256, cfg.get("model_max_length").asInt());
    }

    @Test
    void loadingIgnoresTheNewFilesAndADirectoryWithoutThemStillLoads() throws Exception {
        Path dir = TestModels.writeTwoHeadModel(tmp);
        List<Prediction> saved;
        try (MultiTaskModel m = MultiTaskModel.load(dir)) {
            saved = m.predict(InteropModels.TEXTS, EnumSet.allOf(Output.class));
        }
        // What a model directory held before: config.json, model.safetensors, tokenizer.json.
        Set<String> old = Set.of("config.json", "model.safetensors", "tokenizer.json");
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                if (!old.contains(p.getFileName().toString())) {
                    AtomicFiles.deleteRecursively(p);
                }
            }
        }
        try (MultiTaskModel m = MultiTaskModel.load(dir)) {
            List<Prediction> older = m.predict(InteropModels.TEXTS, EnumSet.allOf(Output.class));
            for (int i = 0; i < saved.size(); i++) {
                assertArrayEquals(saved.get(i).embedding(), older.get(i).embedding());
                assertEquals(saved.get(i).classification(), older.get(i).classification());
                assertEquals(saved.get(i).ner(), older.get(i).ner());
            }
            assertNull(m.trainingRecord());
        }
    }

    @Test
    void theModelCardNamesTasksLabelsAndTheLoadingLines() throws Exception {
        Path dir = TestModels.writeTwoHeadModel(tmp);
        String card = Files.readString(dir.resolve("README.md"));
        assertTrue(card.startsWith("---\nlibrary_name: sentence-transformers\n"), card);
        assertTrue(card.contains("| intent | classification | 3: `PlayMusic`, `GetWeather`, `BookRestaurant` |"));
        assertTrue(card.contains("| slots | ner | 5: `O`, `B-artist`"), card);
        assertTrue(card.contains("SentenceTransformer(\"" + dir + "\")"), card);
        assertTrue(card.contains("AutoModel.from_pretrained(\"" + dir + "\")"), card);
        assertTrue(card.contains("Not recorded"), card);
    }

    @Test
    void aTrainingRecordReachesTheCardAndSurvivesLoadAndSave() throws Exception {
        Path dir = TestModels.writeTwoHeadModel(tmp);
        TrainingRecord r = new TrainingRecord(
                "all-MiniLM-L6-v2",
                409,
                List.of(new TrainingRecord.Data(
                        "snips",
                        "jointbert",
                        Map.of("train", "data/snips/train", "test", "data/snips/test"),
                        Map.of("train", 13084, "test", 700),
                        List.of("intent", "slots"))),
                Map.of("snips", Map.of("intent", Map.of("accuracy", 0.9829), "slots", Map.of("f1", 0.8787))));
        ModelExport.recordTraining(dir, r);
        String card = Files.readString(dir.resolve("README.md"));
        assertTrue(card.contains("Trained by mtl for 409 steps from all-MiniLM-L6-v2."), card);
        assertTrue(card.contains("| snips | jointbert | intent, slots | `data/snips/train` (13084) | — |"), card);
        assertTrue(card.contains("| snips | intent | accuracy | 0.9829 |"), card);
        Path again = tmp.resolve("again");
        try (MultiTaskModel m = MultiTaskModel.load(dir)) {
            assertEquals(r, m.trainingRecord());
            m.save(again);
        }
        assertEquals(r, TrainingRecord.read(again));
        assertTrue(Files.readString(again.resolve("README.md")).contains("| snips | slots | f1 | 0.8787 |"));
    }

    static Set<String> fieldNames(JsonNode n) {
        Set<String> s = new TreeSet<>();
        n.fieldNames().forEachRemaining(s::add);
        return s;
    }
}
