package dev.mtl.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.MultiTaskModel;
import dev.mtl.Prediction;
import dev.mtl.SentenceEncoder;
import dev.mtl.TestModels;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.EmbeddingLoss;
import dev.mtl.config.Output;
import dev.mtl.config.Pooling;
import dev.mtl.config.TaskConfig;
import dev.mtl.weights.SafeTensors;
import dev.mtl.weights.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mtl export} layouts read the way transformers' auto classes read them: config.json's
 * architectures, id2label/label2id and problem_type, the weights' keys, dtypes and shapes; the exported
 * classifier's weights are the head's; heads that do not map exactly are refused with the reason.
 */
class HfExportTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> INTENTS = List.of("PlayMusic", "GetWeather", "BookRestaurant");

    @TempDir
    Path tmp;

    private static TaskConfig classifier(String name, int width, String activation, boolean multiLabel) {
        return new TaskConfig(
                name, TaskConfig.Kind.CLASSIFICATION, INTENTS, width, activation, 0.1, multiLabel, 0.5, false);
    }

    @Test
    void anNerTaskIsABertForTokenClassificationWithTheHeadsWeights() throws Exception {
        Path src = TestModels.writeTwoHeadModel(tmp);
        Path out = tmp.resolve("ner");
        Map<String, Tensor> mine;
        try (MultiTaskModel m = MultiTaskModel.load(src)) {
            assertEquals(List.of(), m.export(ExportFormat.HF_TOKEN_CLASSIFICATION, "slots", false, out));
            mine = m.parameters().toTensors();
        }
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertEquals(
                "[\"BertForTokenClassification\"]", config.get("architectures").toString());
        assertEquals("bert", config.get("model_type").asText());
        assertEquals(32, config.get("hidden_size").asInt());
        assertEquals(5, config.get("num_labels").asInt());
        assertFalse(config.has("problem_type"));
        assertFalse(config.has("mtl"), "the export is not an mtl model directory");
        for (int i = 0; i < TestModels.TAGS.size(); i++) {
            assertEquals(
                    TestModels.TAGS.get(i),
                    config.get("id2label").get(String.valueOf(i)).asText());
            assertEquals(i, config.get("label2id").get(TestModels.TAGS.get(i)).asInt());
        }
        JsonNode header = SafeTensorsHeader.read(out.resolve("model.safetensors"));
        assertEquals("pt", header.get("__metadata__").get("format").asText(), "transformers refuses other formats");
        Set<String> expected = new HashSet<>(List.of("__metadata__", "classifier.weight", "classifier.bias"));
        mine.keySet().stream()
                .filter(k -> !k.startsWith("heads.") && !k.startsWith("embedding."))
                .forEach(k -> expected.add("bert." + k));
        assertEquals(expected, SavedModelFilesTest.fieldNames(header));
        header.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("__metadata__")) {
                assertEquals("F32", e.getValue().get("dtype").asText(), e.getKey());
            }
        });
        assertEquals("[5,32]", header.get("classifier.weight").get("shape").toString());
        Map<String, Tensor> w = SafeTensors.read(out.resolve("model.safetensors"));
        assertArrayEquals(
                mine.get("heads.slots.classifier.weight").data(),
                w.get("classifier.weight").data());
        assertArrayEquals(
                mine.get("heads.slots.classifier.bias").data(),
                w.get("classifier.bias").data());
        assertArrayEquals(
                mine.get("encoder.layer.1.output.dense.weight").data(),
                w.get("bert.encoder.layer.1.output.dense.weight").data());
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        String card = Files.readString(out.resolve("README.md"));
        assertTrue(card.contains("AutoModelForTokenClassification.from_pretrained(\"" + out + "\")"), card);
        assertTrue(card.contains("pipeline_tag: token-classification"), card);
        // mtl reads the export's encoder as transformers' BertModel would (the classifier dropped).
        try (MultiTaskModel back = MultiTaskModel.load(out)) {
            assertArrayEquals(
                    mine.get("encoder.layer.1.output.dense.weight").data(),
                    back.parameters()
                            .toTensors()
                            .get("encoder.layer.1.output.dense.weight")
                            .data());
        }
    }

    /** The heads read the task tower, so a task's export is the encoder with the tower as its top layer. */
    @Test
    void aTaskTowerIsExportedAsTheEncodersTopLayer() throws Exception {
        Path out = tmp.resolve("tower");
        Map<String, Tensor> mine;
        try (MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp.resolve("vocab")),
                EmbeddingConfig.sentenceTransformers(),
                List.of(TaskConfig.ner("slots", TestModels.TAGS, false)),
                64,
                1)) {
            InteropModels.randomize(m, 5, "task_tower."); // the tower apart from the layer it copies
            assertEquals(List.of(), m.export(ExportFormat.HF_TOKEN_CLASSIFICATION, "slots", false, out));
            mine = m.parameters().toTensors();
        }
        Map<String, Tensor> w = SafeTensors.read(out.resolve("model.safetensors"));
        int towerKeys = 0;
        for (String k : mine.keySet()) {
            if (k.startsWith("task_tower.layer.0.")) {
                String exported = "bert.encoder.layer.1." + k.substring("task_tower.layer.0.".length());
                assertArrayEquals(mine.get(k).data(), w.get(exported).data(), exported);
                assertFalse(Arrays.equals(
                        mine.get(exported.substring("bert.".length())).data(),
                        w.get(exported).data()));
                towerKeys++;
            }
        }
        assertEquals(16, towerKeys);
        assertArrayEquals(
                mine.get("encoder.layer.0.output.dense.weight").data(),
                w.get("bert.encoder.layer.0.output.dense.weight").data());
        assertTrue(
                w.keySet().stream().noneMatch(k -> k.contains("task_tower")),
                w.keySet().toString());
    }

    @Test
    void theDefaultClassificationHeadIsRefusedWithItsReasonsAndNothingIsWritten() throws Exception {
        Path src = TestModels.writeTwoHeadModel(tmp);
        Path out = tmp.resolve("cls");
        try (MultiTaskModel m = MultiTaskModel.load(src)) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> m.export(ExportFormat.HF_SEQUENCE_CLASSIFICATION, "intent", false, out));
            assertTrue(e.getMessage().startsWith("task 'intent' does not map exactly to hf-sequence-classification"));
            assertTrue(e.getMessage().contains("the mean pooling"), e.getMessage());
            assertTrue(e.getMessage().contains("the gelu activation"), e.getMessage());
            assertTrue(e.getMessage().endsWith("--force writes the closest equivalent"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
        assertFalse(Files.exists(out));
    }

    @Test
    void forcedTheClassifierBecomesPoolerAndClassifierAndTheLossesAreNamed() throws Exception {
        Path src = TestModels.writeTwoHeadModel(tmp);
        Path out = tmp.resolve("cls");
        Map<String, Tensor> mine;
        List<String> lost;
        try (MultiTaskModel m = MultiTaskModel.load(src)) {
            lost = m.export(ExportFormat.HF_SEQUENCE_CLASSIFICATION, "intent", true, out);
            mine = m.headParameters().toTensors();
        }
        assertEquals(2, lost.size(), lost.toString());
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertEquals(
                "[\"BertForSequenceClassification\"]",
                config.get("architectures").toString());
        assertEquals("single_label_classification", config.get("problem_type").asText());
        assertEquals(3, config.get("num_labels").asInt());
        Map<String, Tensor> w = SafeTensors.read(out.resolve("model.safetensors"));
        assertArrayEquals(
                mine.get("heads.intent.dense.weight").data(),
                w.get("bert.pooler.dense.weight").data());
        assertArrayEquals(
                mine.get("heads.intent.dense.bias").data(),
                w.get("bert.pooler.dense.bias").data());
        assertArrayEquals(
                mine.get("heads.intent.out_proj.weight").data(),
                w.get("classifier.weight").data());
        assertArrayEquals(new long[] {3, 32}, w.get("classifier.weight").shape());
        String card = Files.readString(out.resolve("README.md"));
        assertTrue(card.contains("- Not carried over: the mean pooling"), card);
        assertTrue(card.contains("AutoModelForSequenceClassification"), card);
    }

    /**
     * With [CLS] pooling, tanh and a full-width MLP the head is BERT's pooler + classifier: the
     * probabilities BertForSequenceClassification computes from the exported weights (here in plain
     * Java on the encoder's [CLS] vectors) are mtl's.
     */
    @Test
    void clsPoolingWithTanhMapsExactlyAndGivesMtlsProbabilities() throws Exception {
        Path out = tmp.resolve("cls");
        List<Prediction> preds;
        float[][][] hidden;
        try (MultiTaskModel m = InteropModels.create(
                tmp.resolve("v"),
                new EmbeddingConfig(Pooling.CLS, 0, false, true),
                List.of(classifier("intent", 0, "tanh", false)))) {
            assertEquals(List.of(), m.export(ExportFormat.HF_SEQUENCE_CLASSIFICATION, "intent", false, out));
            preds = m.predict(InteropModels.TEXTS, EnumSet.of(Output.CLASSIFICATION));
            SentenceEncoder enc = new SentenceEncoder(m, m.defaultOptions());
            hidden = enc.lastHiddenStates(InteropModels.TEXTS.stream()
                    .map(t -> m.backbone().tokenizer().encode(t).getIds())
                    .toList());
        }
        Map<String, Tensor> w = SafeTensors.read(out.resolve("model.safetensors"));
        double maxDiff = 0;
        for (int i = 0; i < preds.size(); i++) {
            float[] pooled = linear(w, "bert.pooler.dense", hidden[i][0]);
            for (int j = 0; j < pooled.length; j++) {
                pooled[j] = (float) Math.tanh(pooled[j]);
            }
            float[] logits = linear(w, "classifier", pooled);
            double max = Double.NEGATIVE_INFINITY;
            for (float l : logits) {
                max = Math.max(max, l);
            }
            double sum = 0;
            for (float l : logits) {
                sum += Math.exp(l - max);
            }
            Map<String, Float> scores =
                    preds.get(i).classification().get("intent").scores();
            for (int l = 0; l < logits.length; l++) {
                maxDiff = Math.max(maxDiff, Math.abs(Math.exp(logits[l] - max) / sum - scores.get(INTENTS.get(l))));
            }
        }
        System.out.printf("BertForSequenceClassification from the exported weights vs mtl: max |Δp| %.2e%n", maxDiff);
        assertTrue(maxDiff < 1e-5, "max probability difference " + maxDiff);
    }

    private static float[] linear(Map<String, Tensor> w, String name, float[] x) {
        Tensor weight = w.get(name + ".weight");
        float[] b = w.get(name + ".bias").data();
        int out = (int) weight.shape()[0];
        int in = (int) weight.shape()[1];
        float[] y = new float[out];
        for (int o = 0; o < out; o++) {
            double s = b[o];
            for (int i = 0; i < in; i++) {
                s += (double) weight.data()[o * in + i] * x[i];
            }
            y[o] = (float) s;
        }
        return y;
    }

    @Test
    void aHeadOfAnotherWidthHasNoEquivalentEvenWithForce() throws Exception {
        try (MultiTaskModel m = InteropModels.create(
                tmp.resolve("v"),
                EmbeddingConfig.sentenceTransformers(),
                List.of(classifier("intent", 8, "tanh", false)))) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> m.export(ExportFormat.HF_SEQUENCE_CLASSIFICATION, "intent", true, tmp.resolve("x")));
            assertEquals(
                    "task 'intent': its head's hidden layer has 8 units; BertForSequenceClassification's pooler"
                            + " has 32 (the encoder's width), so no equivalent exists even with --force",
                    e.getMessage());
        }
    }

    @Test
    void aCrfTaggerIsRefusedUnlessForcedAndThenLosesItsTransitions() throws Exception {
        try (MultiTaskModel m = InteropModels.create(
                tmp.resolve("v"),
                EmbeddingConfig.sentenceTransformers(),
                List.of(TaskConfig.ner("slots", TestModels.TAGS, true)))) {
            Path out = tmp.resolve("crf");
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> m.export(ExportFormat.HF_TOKEN_CLASSIFICATION, "slots", false, out));
            assertTrue(e.getMessage().contains("the CRF transitions"), e.getMessage());
            assertFalse(Files.exists(out));
            List<String> lost = m.export(ExportFormat.HF_TOKEN_CLASSIFICATION, "slots", true, out);
            assertEquals(1, lost.size());
            Set<String> keys =
                    SafeTensors.read(out.resolve("model.safetensors")).keySet();
            assertTrue(keys.contains("classifier.weight"));
            assertTrue(keys.stream().noneMatch(k -> k.contains("transitions")), keys.toString());
        }
    }

    @Test
    void aMultiLabelTaskSaysSoInProblemType() throws Exception {
        try (MultiTaskModel m = InteropModels.create(
                tmp.resolve("v"),
                new EmbeddingConfig(Pooling.CLS, 0, false, true),
                List.of(classifier("topics", 0, "tanh", true)))) {
            Path out = tmp.resolve("ml");
            List<String> lost = m.export(ExportFormat.HF_SEQUENCE_CLASSIFICATION, "topics", false, out);
            assertEquals(1, lost.size());
            assertTrue(lost.get(0).startsWith("the decision threshold 0.5"), lost.get(0));
            JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
            assertEquals(
                    "multi_label_classification", config.get("problem_type").asText());
        }
    }

    @Test
    void wrongKindsAndMissingOrUnknownTasksAreNamed() throws Exception {
        Path src = TestModels.writeTwoHeadModel(tmp);
        try (MultiTaskModel m = MultiTaskModel.load(src)) {
            Path out = tmp.resolve("x");
            assertEquals(
                    "task 'intent' is a classification task; --format hf-token-classification exports a ner task",
                    assertThrows(
                                    IllegalArgumentException.class,
                                    () -> m.export(ExportFormat.HF_TOKEN_CLASSIFICATION, "intent", true, out))
                            .getMessage());
            assertEquals(
                    "task 'slots' is a ner task; --format hf-sequence-classification exports a classification task",
                    assertThrows(
                                    IllegalArgumentException.class,
                                    () -> m.export(ExportFormat.HF_SEQUENCE_CLASSIFICATION, "slots", true, out))
                            .getMessage());
            assertEquals(
                    "--format hf-token-classification exports one task: give --task NAME",
                    assertThrows(
                                    IllegalArgumentException.class,
                                    () -> m.export(ExportFormat.HF_TOKEN_CLASSIFICATION, null, false, out))
                            .getMessage());
            assertEquals(
                    "--task topics: this model has no such task; tasks: [intent, slots]",
                    assertThrows(
                                    IllegalArgumentException.class,
                                    () -> m.export(ExportFormat.HF_TOKEN_CLASSIFICATION, "topics", false, out))
                            .getMessage());
            assertTrue(assertThrows(
                            IllegalArgumentException.class,
                            () -> m.export(ExportFormat.SENTENCE_TRANSFORMERS, "intent", false, out))
                    .getMessage()
                    .startsWith("task 'intent' is a classification task; --format sentence-transformers exports the"
                            + " sentence embedding"));
            assertFalse(Files.exists(out));
        }
    }

    @Test
    void theSentenceTransformersExportHoldsTheEncoderAloneAndMtlLoadsIt() throws Exception {
        Path out = tmp.resolve("st");
        Map<String, Tensor> encoder;
        float[][] expected;
        try (MultiTaskModel m = InteropModels.create(
                tmp.resolve("v"),
                EmbeddingConfig.sentenceTransformers(),
                List.of(TaskConfig.embedding("sts", EmbeddingLoss.COSENT, List.of())))) {
            assertEquals(List.of(), m.export(ExportFormat.SENTENCE_TRANSFORMERS, "sts", false, out));
            encoder = m.backbone().parameters().toTensors();
            expected = m.embed(InteropModels.TEXTS, m.defaultOptions(), n -> {});
        }
        Map<String, Tensor> w = SafeTensors.read(out.resolve("model.safetensors"));
        assertEquals(encoder.keySet(), w.keySet());
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertEquals("[\"BertModel\"]", config.get("architectures").toString());
        assertFalse(config.has("mtl"));
        assertTrue(Files.isRegularFile(out.resolve("modules.json")));
        assertTrue(Files.isRegularFile(out.resolve("1_Pooling/config.json")));
        try (SentenceEncoder enc = SentenceEncoder.load(out)) { // default head settings = the exported ones here
            assertArrayEquals(expected[2], enc.embed(InteropModels.TEXTS)[2], 1e-6f);
        }
    }
}
