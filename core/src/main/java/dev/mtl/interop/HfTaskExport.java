package dev.mtl.interop;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mtl.config.Pooling;
import dev.mtl.config.TaskConfig;
import dev.mtl.weights.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One task head as transformers' {@code BertForTokenClassification} or {@code
 * BertForSequenceClassification}: the config.json those auto classes read (architectures, id2label,
 * label2id, problem_type) and the weights under their keys ({@code bert.*}, {@code classifier.*}).
 *
 * <p>The token head maps exactly (its {@code classifier} is the same Linear). Our classification head
 * is Linear → activation → Linear on the pooled vector; BERT's is its pooler (Linear → tanh on
 * [CLS]) → Linear, so it maps exactly only with [CLS] pooling, tanh and an MLP as wide as the encoder.
 * Anything else is refused unless forced, and then every difference is named. A model with a task
 * tower exports the tower's layers as the encoder's top layers: the encoder the heads read.
 */
final class HfTaskExport {

    /**
     * What to write for one task.
     *
     * @param config the config.json
     * @param tensors the weights under transformers' keys
     * @param lost what the export cannot carry over, one sentence each (empty when exact)
     */
    record Plan(ObjectNode config, Map<String, Tensor> tensors, List<String> lost) {}

    private HfTaskExport() {}

    static Plan tokenClassification(ModelParts parts, TaskConfig task, boolean force) {
        if (task.kind() != TaskConfig.Kind.NER) {
            throw new IllegalArgumentException(wrongKind(task, "ner", ExportFormat.HF_TOKEN_CLASSIFICATION));
        }
        List<String> lost = new ArrayList<>();
        if (task.crf()) {
            lost.add("the CRF transitions: transformers tags each token by the argmax of the emission scores,"
                    + " without the CRF's Viterbi decoding");
        }
        refuseUnlessForced(task, ExportFormat.HF_TOKEN_CLASSIFICATION, lost, force);
        String prefix = ModelParts.HEADS_PREFIX + task.name() + ".";
        Map<String, Tensor> tensors = bertTensors(parts);
        put(tensors, "classifier.weight", parts.head(prefix, "classifier.weight"));
        put(tensors, "classifier.bias", parts.head(prefix, "classifier.bias"));
        ObjectNode config = config(parts, task, "BertForTokenClassification");
        return new Plan(config, tensors, lost);
    }

    static Plan sequenceClassification(ModelParts parts, TaskConfig task, boolean force) {
        if (task.kind() != TaskConfig.Kind.CLASSIFICATION) {
            throw new IllegalArgumentException(
                    wrongKind(task, "classification", ExportFormat.HF_SEQUENCE_CLASSIFICATION));
        }
        int hidden = parts.bert().hiddenSize();
        String prefix = ModelParts.HEADS_PREFIX + task.name() + ".";
        Tensor dense = parts.head(prefix, "dense.weight");
        if (dense.shape()[0] != hidden) {
            throw new IllegalArgumentException("task '" + task.name() + "': its head's hidden layer has "
                    + dense.shape()[0] + " units; BertForSequenceClassification's pooler has " + hidden
                    + " (the encoder's width), so no equivalent exists even with --force");
        }
        List<String> lost = new ArrayList<>();
        Pooling pooling = parts.mtl().embeddingConfig().pooling();
        if (pooling != Pooling.CLS) {
            lost.add("the " + pooling.name().toLowerCase(java.util.Locale.ROOT)
                    + " pooling: BertForSequenceClassification reads the [CLS] token's vector");
        }
        if (!task.activation().equals("tanh")) {
            lost.add("the " + task.activation() + " activation after the head's first layer:"
                    + " BERT's pooler applies tanh");
        }
        refuseUnlessForced(task, ExportFormat.HF_SEQUENCE_CLASSIFICATION, lost, force);
        Map<String, Tensor> tensors = bertTensors(parts);
        put(tensors, "bert.pooler.dense.weight", dense);
        put(tensors, "bert.pooler.dense.bias", parts.head(prefix, "dense.bias"));
        put(tensors, "classifier.weight", parts.head(prefix, "out_proj.weight"));
        put(tensors, "classifier.bias", parts.head(prefix, "out_proj.bias"));
        ObjectNode config = config(parts, task, "BertForSequenceClassification");
        config.put("problem_type", task.multiLabel() ? "multi_label_classification" : "single_label_classification");
        if (task.multiLabel()) {
            lost.add("the decision threshold " + task.threshold()
                    + ": transformers returns each label's sigmoid score and leaves the cut to the caller");
        }
        return new Plan(config, tensors, lost);
    }

    /**
     * The encoder under BertModel's keys with the {@code bert.} prefix the task models use; with a task
     * tower, its layers take the place of the encoder's top layers, which is what the task heads read.
     */
    private static Map<String, Tensor> bertTensors(ModelParts parts) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        parts.encoder().forEach((k, t) -> put(out, "bert." + k, t));
        int first = parts.bert().numHiddenLayers() - parts.mtl().taskLayers();
        for (int i = 0; i < parts.mtl().taskLayers(); i++) {
            String tower = ModelParts.taskTowerLayer(i);
            String layer = "bert.encoder.layer." + (first + i) + ".";
            parts.heads().forEach((k, t) -> {
                if (k.startsWith(tower)) {
                    put(out, layer + k.substring(tower.length()), t); // replaces the shared layer, in place
                }
            });
        }
        return out;
    }

    private static void put(Map<String, Tensor> out, String key, Tensor t) {
        out.put(key, new Tensor(key, t.shape(), t.data()));
    }

    private static ObjectNode config(ModelParts parts, TaskConfig task, String architecture) {
        ObjectNode c = JsonFiles.JSON.valueToTree(parts.bert());
        c.putArray("architectures").add(architecture);
        c.put("model_type", "bert");
        ObjectNode id2label = c.putObject("id2label");
        ObjectNode label2id = c.putObject("label2id");
        List<String> labels = task.labels();
        for (int i = 0; i < labels.size(); i++) {
            id2label.put(String.valueOf(i), labels.get(i));
            label2id.put(labels.get(i), i);
        }
        c.put("num_labels", labels.size());
        c.put("classifier_dropout", task.dropout());
        return c;
    }

    private static void refuseUnlessForced(TaskConfig task, ExportFormat format, List<String> lost, boolean force) {
        if (!lost.isEmpty() && !force) {
            throw new IllegalArgumentException("task '" + task.name() + "' does not map exactly to " + format
                    + ": it would lose " + String.join("; and ", lost)
                    + ". --force writes the closest equivalent");
        }
    }

    private static String wrongKind(TaskConfig task, String needed, ExportFormat format) {
        return "task '" + task.name() + "' is a " + task.kind().name().toLowerCase(java.util.Locale.ROOT)
                + " task; --format " + format + " exports a " + needed + " task";
    }
}
