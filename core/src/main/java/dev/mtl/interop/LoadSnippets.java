package dev.mtl.interop;

import dev.mtl.config.TaskConfig;

/** The Python lines of a model card that load the directory with transformers or sentence-transformers. */
final class LoadSnippets {

    private LoadSnippets() {}

    static void append(StringBuilder s, ExportFormat format, TaskConfig task, String path) {
        String dir = "\"" + path.replace("\\", "/").replace("\"", "\\\"") + "\"";
        if (format == null || format == ExportFormat.SENTENCE_TRANSFORMERS) {
            s.append("With sentence-transformers (3.0.1 or newer reads the module weights from safetensors):\n\n")
                    .append("```python\nfrom sentence_transformers import SentenceTransformer\n\n")
                    .append("model = SentenceTransformer(")
                    .append(dir)
                    .append(")\n")
                    .append("embeddings = model.encode([\"play adele on spotify\", \"will it rain tomorrow\"])\n")
                    .append("print(embeddings.shape)\n```\n\n");
            s.append("The encoder alone, with transformers:\n\n")
                    .append("```python\nfrom transformers import AutoModel, AutoTokenizer\n\n")
                    .append("tokenizer = AutoTokenizer.from_pretrained(")
                    .append(dir)
                    .append(")\n")
                    .append("model = AutoModel.from_pretrained(")
                    .append(dir)
                    .append(")\n")
                    .append("hidden = model(**tokenizer([\"play adele on spotify\"], return_tensors=\"pt\"))")
                    .append(".last_hidden_state\n```\n\n");
            if (format == null) {
                s.append("transformers reports the head weights (`embedding.*`, `heads.*`) as unused and the"
                        + " pooler as newly initialised: neither is part of the encoder's output.\n\n");
            }
            return;
        }
        if (format == ExportFormat.HF_TOKEN_CLASSIFICATION) {
            s.append("```python\nfrom transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline\n\n")
                    .append("tokenizer = AutoTokenizer.from_pretrained(")
                    .append(dir)
                    .append(")\n")
                    .append("model = AutoModelForTokenClassification.from_pretrained(")
                    .append(dir)
                    .append(")\n")
                    .append("ner = pipeline(\"token-classification\", model=model, tokenizer=tokenizer,"
                            + " aggregation_strategy=\"first\")\n")
                    .append("print(ner(\"play adele on spotify\"))\n```\n\n");
            return;
        }
        if (format != ExportFormat.HF_SEQUENCE_CLASSIFICATION) {
            return; // a format without Python loaders of its own
        }
        s.append("```python\nfrom transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline\n\n")
                .append("tokenizer = AutoTokenizer.from_pretrained(")
                .append(dir)
                .append(")\n")
                .append("model = AutoModelForSequenceClassification.from_pretrained(")
                .append(dir)
                .append(")\n")
                .append("classify = pipeline(\"text-classification\", model=model, tokenizer=tokenizer, top_k=None)\n")
                .append("print(classify(\"play adele on spotify\"))\n```\n\n");
        if (task != null && task.multiLabel()) {
            s.append("The config's problem_type makes the pipeline apply a sigmoid per label; mtl predicts the labels"
                            + " scoring at least ")
                    .append(task.threshold())
                    .append(".\n\n");
        }
    }
}
