package dev.mtl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mtl.config.BertConfig;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.MtlConfig;
import dev.mtl.interop.ModelExport;
import dev.mtl.interop.ModelParts;
import dev.mtl.interop.TrainingRecord;
import dev.mtl.io.AtomicFiles;
import dev.mtl.model.WeightLoadException;
import dev.mtl.tokenize.TextTokenizer;
import dev.mtl.weights.HfCheckpointKeys;
import dev.mtl.weights.SafeTensors;
import dev.mtl.weights.Tensor;
import dev.mtl.weights.TensorData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The on-disk form of a {@link MultiTaskModel}: a Hugging Face BERT directory plus our section.
 * <ul>
 *   <li>{@code config.json}: the HF BERT config, with an {@code "mtl"} object (tasks, labels, head
 *       shapes, embedding-head settings) that transformers ignores;
 *   <li>{@code model.safetensors}: encoder weights under HF keys (so {@code BertModel.from_pretrained}
 *       loads the encoder), heads under {@code embedding.*} and {@code heads.<task>.*};
 *   <li>{@code tokenizer.json};
 *   <li>what other tools read ({@link ModelExport#writeCompanions}): the tokenizer's config and
 *       vocabulary, the sentence-transformers modules, the model card; loading ignores them.
 * </ul>
 * Saving writes a temporary sibling directory and renames it into place, so a crash never leaves a
 * half-written model, and an existing model is replaced only once the new one is complete.
 */
final class ModelDirectory {

    static final String CONFIG = "config.json";
    static final String WEIGHTS = "model.safetensors";
    private static final String MTL_KEY = "mtl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelDirectory() {}

    static MultiTaskModel load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir + ": model directory not found");
        }
        Path configFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new NoSuchFileException(configFile + ": config.json not found");
        }
        JsonNode root;
        try (InputStream in = Files.newInputStream(configFile)) {
            root = JSON.readTree(in);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(configFile + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        BertConfig bert =
                BertConfig.parse(new java.io.ByteArrayInputStream(JSON.writeValueAsBytes(root)), configFile.toString());
        MtlConfig mtl = null;
        if (root.has(MTL_KEY)) {
            try {
                mtl = JSON.treeToValue(root.get(MTL_KEY), MtlConfig.class);
            } catch (com.fasterxml.jackson.databind.exc.ValueInstantiationException e) {
                throw new IOException(
                        configFile + ": " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw new IOException(configFile + ": invalid \"mtl\" section (" + e.getOriginalMessage() + ")");
            }
        }
        Path weightsFile = dir.resolve(WEIGHTS);
        try (SafeTensors.Opened file = SafeTensors.open(weightsFile)) {
            return build(dir, configFile, bert, mtl, weightsFile, HfCheckpointKeys.normalize(file.tensors()));
        } catch (java.io.UncheckedIOException e) { // a read error while copying a tensor into native memory
            throw e.getCause();
        }
    }

    private static MultiTaskModel build(
            Path dir,
            Path configFile,
            BertConfig bert,
            MtlConfig mtl,
            Path weightsFile,
            Map<String, TensorData> tensors)
            throws IOException {
        Map<String, TensorData> encoder = new LinkedHashMap<>();
        Map<String, TensorData> heads = new LinkedHashMap<>();
        tensors.forEach((k, t) -> (isHeadKey(k) ? heads : encoder).put(k, t));
        Backbone backbone = Backbone.build(
                bert,
                encoder,
                TextTokenizer.load(dir),
                weightsFile.toString(),
                mtl != null && mtl.backbone() != null ? mtl.backbone() : dir.toString());
        try {
            MtlConfig config = mtl != null
                    ? mtl
                    : MtlConfig.of(
                            dir.toString(),
                            bert.maxPositionEmbeddings(),
                            EmbeddingConfig.sentenceTransformers(),
                            List.of());
            MultiTaskModel m = new MultiTaskModel(backbone, config);
            m.headParameters().load(heads, backbone.manager(), weightsFile.toString());
            m.setTrainingRecord(TrainingRecord.read(dir));
            return m;
        } catch (RuntimeException e) {
            backbone.close();
            if (e instanceof WeightLoadException || e instanceof java.io.UncheckedIOException) {
                throw e;
            }
            throw new IOException(configFile + ": " + e.getMessage(), e);
        }
    }

    private static boolean isHeadKey(String key) {
        return key.startsWith(MultiTaskModel.EMBEDDING_PREFIX)
                || key.startsWith(MultiTaskModel.HEADS_PREFIX)
                || key.startsWith(MultiTaskModel.TASK_TOWER_PREFIX);
    }

    static void save(MultiTaskModel model, Path dir) throws IOException {
        ModelParts parts = parts(model); // one copy of the weights in Java memory for every file below
        Map<String, Tensor> all = new LinkedHashMap<>(parts.encoder());
        all.putAll(parts.heads());
        AtomicFiles.writeDirectory(dir, temp -> {
            ObjectNode config = JSON.valueToTree(model.backbone().config());
            config.putArray("architectures").add("BertModel");
            config.put("model_type", "bert");
            config.set(MTL_KEY, JSON.valueToTree(model.config()));
            Files.writeString(
                    temp.resolve(CONFIG),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config),
                    StandardCharsets.UTF_8);
            SafeTensors.write(
                    temp.resolve(WEIGHTS),
                    all,
                    Map.of(
                            "format",
                            "pt",
                            "mtl.format_version",
                            String.valueOf(model.config().formatVersion())));
            // tokenizer.json, vocab.txt, the sentence-transformers modules, the model card.
            ModelExport.writeCompanions(parts, temp, dir.toString());
        });
    }

    /** The model as plain data, for the layouts of {@link ModelExport}. */
    static ModelParts parts(MultiTaskModel model) {
        return new ModelParts(
                model.backbone().config(),
                model.config(),
                model.backbone().tokenizer().json(),
                model.backbone().parameters().toTensors(),
                model.headParameters().toTensors(),
                model.trainingRecord());
    }
}
