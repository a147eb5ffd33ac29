package dev.mtl.weights;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Brings the keys of a Hugging Face BERT checkpoint to the {@code BertModel} naming our encoder uses.
 *
 * <p>Checkpoints saved from {@code BertForMaskedLM}/{@code BertForPreTraining} (bert-base-uncased)
 * prefix encoder keys with {@code bert.} and carry pre-training heads; old ones name LayerNorm
 * parameters {@code gamma}/{@code beta}. transformers itself accepts both, so we do too. Keys of parts
 * the encoder does not use (the pooler, the {@code cls.} pre-training heads, the task heads of
 * {@code BertFor*} checkpoints ({@code classifier.}, {@code qa_outputs.}), the {@code position_ids}
 * buffer) are dropped by name; anything else unknown is left in place so the
 * strict {@code ParameterTable} load rejects it.
 */
public final class HfCheckpointKeys {

    private static final String BERT_PREFIX = "bert.";
    /** Parts of HF BERT checkpoints that the bare encoder does not use. */
    private static final List<String> UNUSED_PREFIXES = List.of("pooler.", "cls.", "embeddings.position_ids");
    /** Task heads beside the {@code bert.} encoder in transformers' BertFor* checkpoints. */
    private static final List<String> TASK_HEAD_PREFIXES = List.of("cls.", "classifier.", "qa_outputs.");

    private HfCheckpointKeys() {}

    /** Returns the encoder's tensors under normalized keys. */
    public static Map<String, TensorData> normalize(Map<String, ? extends TensorData> tensors) {
        boolean prefixed = tensors.keySet().stream().anyMatch(k -> k.startsWith(BERT_PREFIX + "embeddings."));
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (TensorData t : tensors.values()) {
            String key = t.name();
            if (prefixed) {
                if (!key.startsWith(BERT_PREFIX)) {
                    String head = key;
                    if (TASK_HEAD_PREFIXES.stream().anyMatch(head::startsWith)) {
                        continue;
                    }
                } else {
                    key = key.substring(BERT_PREFIX.length());
                }
            }
            String k = key;
            if (UNUSED_PREFIXES.stream().anyMatch(k::startsWith)) {
                continue;
            }
            if (key.endsWith(".gamma")) {
                key = key.substring(0, key.length() - ".gamma".length()) + ".weight";
            } else if (key.endsWith(".beta")) {
                key = key.substring(0, key.length() - ".beta".length()) + ".bias";
            }
            out.put(key, key.equals(t.name()) ? t : t.named(key));
        }
        return out;
    }
}
