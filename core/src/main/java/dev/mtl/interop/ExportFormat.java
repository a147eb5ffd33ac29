package dev.mtl.interop;

import java.util.Arrays;
import java.util.Locale;

/** The layouts {@code mtl export} writes; each name is what {@code --format} takes. */
public enum ExportFormat {
    /** transformers' {@code BertForTokenClassification}: an ner task. */
    HF_TOKEN_CLASSIFICATION("hf-token-classification"),
    /** transformers' {@code BertForSequenceClassification}: a classification task. */
    HF_SEQUENCE_CLASSIFICATION("hf-sequence-classification"),
    /** A sentence-transformers model: the encoder and the embedding head's modules. */
    SENTENCE_TRANSFORMERS("sentence-transformers"),
    /**
     * The whole model as one ONNX graph ({@code model.onnx}) beside the model's own files; written by
     * the {@code mtl-onnx} module's {@code OnnxExport}, not by {@link ModelExport}.
     */
    ONNX("onnx");

    private final String key;

    ExportFormat(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** Parses a {@code --format} value; an unknown one lists the valid names. */
    public static ExportFormat parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(f -> f.key.equals(n))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("--format '" + name + "' is not one of "
                        + Arrays.stream(values()).map(ExportFormat::key).toList()));
    }

    @Override
    public String toString() {
        return key;
    }
}
