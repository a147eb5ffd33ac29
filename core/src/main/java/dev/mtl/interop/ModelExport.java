package dev.mtl.interop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mtl.config.BertConfig;
import dev.mtl.config.MtlConfig;
import dev.mtl.config.TaskConfig;
import dev.mtl.io.AtomicFiles;
import dev.mtl.weights.SafeTensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The entry points of this package: the files written beside every saved model, the model card's
 * update when a training run records its data and scores, and {@code mtl export}'s single-task
 * directories. A new export format is one enum constant and one case in {@link #export}.
 */
public final class ModelExport {

    /** The model card's file name, as on the Hugging Face Hub. */
    public static final String CARD = "README.md";

    private static final String CONFIG = "config.json";
    private static final String WEIGHTS = "model.safetensors";

    private ModelExport() {}

    /**
     * Writes what makes a saved model directory loadable elsewhere, beside the config.json and
     * model.safetensors its caller wrote: the tokenizer files, the sentence-transformers modules, the
     * training record if any, and the model card.
     *
     * @param shownPath the directory as its user named it, for the card's loading snippets
     */
    public static void writeCompanions(ModelParts parts, Path dir, String shownPath) throws IOException {
        TokenizerFiles.write(parts.tokenizerJson(), parts.mtl().maxLength(), dir);
        SentenceTransformersModules.write(parts, dir);
        if (parts.training() != null) {
            parts.training().write(dir);
        }
        writeCard(dir, ModelCard.render(parts, null, null, List.of(), shownPath));
    }

    /**
     * Adds a training run's record to a saved model directory and rewrites its model card with it (each
     * file atomically; the weights are not touched).
     */
    public static void recordTraining(Path dir, TrainingRecord record) throws IOException {
        Path config = dir.resolve(CONFIG);
        BertConfig bert = BertConfig.read(config);
        JsonNode section = JsonFiles.JSON.readTree(config.toFile()).get("mtl");
        if (section == null) {
            throw new IOException(config + ": no \"mtl\" section; a training record belongs to a model saved by mtl");
        }
        MtlConfig mtl = JsonFiles.JSON.treeToValue(section, MtlConfig.class);
        ModelParts parts = new ModelParts(bert, mtl, "", Map.of(), Map.of(), record);
        AtomicFiles.write(
                dir.resolve(TrainingRecord.FILE), (JsonFiles.JSON.writeValueAsString(record) + "\n").getBytes(UTF8));
        AtomicFiles.write(
                dir.resolve(CARD),
                ModelCard.render(parts, null, null, List.of(), dir.toString()).getBytes(UTF8));
    }

    /**
     * Writes one task of a model in {@code format}'s layout to {@code out} (atomically: a temporary
     * sibling renamed into place). Everything is checked before anything is written.
     *
     * @param taskName the task; for sentence-transformers null (the embedding) or an embedding task
     * @param force write the closest equivalent of a head that does not map exactly
     * @return what the export could not carry over, one sentence each; empty when it is exact
     * @throws IllegalArgumentException naming the task and the reason, when it cannot be exported
     */
    public static List<String> export(ModelParts parts, ExportFormat format, String taskName, boolean force, Path out)
            throws IOException {
        TaskConfig task = taskName == null ? null : parts.task(taskName);
        String shown = out.toString();
        return switch (format) {
            case HF_TOKEN_CLASSIFICATION ->
                writeHf(
                        parts,
                        format,
                        task,
                        HfTaskExport.tokenClassification(parts, required(task, format), force),
                        out);
            case HF_SEQUENCE_CLASSIFICATION ->
                writeHf(
                        parts,
                        format,
                        task,
                        HfTaskExport.sequenceClassification(parts, required(task, format), force),
                        out);
            case SENTENCE_TRANSFORMERS -> {
                if (task != null && task.kind() != TaskConfig.Kind.EMBEDDING) {
                    throw new IllegalArgumentException("task '" + task.name() + "' is a "
                            + task.kind().name().toLowerCase(java.util.Locale.ROOT) + " task; --format " + format
                            + " exports the sentence embedding: give an embedding task or no --task");
                }
                AtomicFiles.writeDirectory(out, dir -> {
                    writeConfig(dir, parts, "BertModel");
                    SafeTensors.write(dir.resolve(WEIGHTS), parts.encoder(), Map.of("format", "pt"));
                    TokenizerFiles.write(parts.tokenizerJson(), parts.mtl().maxLength(), dir);
                    SentenceTransformersModules.write(parts, dir);
                    writeCard(dir, ModelCard.render(parts, format, task, List.of(), shown));
                });
                yield List.of();
            }
            case ONNX -> throw new UnsupportedOperationException("--format onnx is written by the mtl-onnx module");
        };
    }

    private static List<String> writeHf(
            ModelParts parts, ExportFormat format, TaskConfig task, HfTaskExport.Plan plan, Path out)
            throws IOException {
        AtomicFiles.writeDirectory(out, dir -> {
            JsonFiles.write(dir.resolve(CONFIG), plan.config());
            SafeTensors.write(dir.resolve(WEIGHTS), plan.tensors(), Map.of("format", "pt"));
            TokenizerFiles.write(parts.tokenizerJson(), parts.mtl().maxLength(), dir);
            writeCard(dir, ModelCard.render(parts, format, task, plan.lost(), out.toString()));
        });
        return plan.lost();
    }

    private static TaskConfig required(TaskConfig task, ExportFormat format) {
        if (task == null) {
            throw new IllegalArgumentException("--format " + format + " exports one task: give --task NAME");
        }
        return task;
    }

    /** The plain HF BERT config.json of the encoder (no mtl section: the directory is not an mtl model). */
    private static void writeConfig(Path dir, ModelParts parts, String architecture) throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode c = JsonFiles.JSON.valueToTree(parts.bert());
        c.putArray("architectures").add(architecture);
        c.put("model_type", "bert");
        JsonFiles.write(dir.resolve(CONFIG), c);
    }

    private static void writeCard(Path dir, String card) throws IOException {
        Files.writeString(dir.resolve(CARD), card, UTF8);
    }

    private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;
}
