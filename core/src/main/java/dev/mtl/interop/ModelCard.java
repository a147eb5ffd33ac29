package dev.mtl.interop;

import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.TaskConfig;
import java.util.List;
import java.util.Locale;

/**
 * The {@code README.md} of a model directory, in the Hugging Face model-card form (YAML front matter,
 * then Markdown): what the directory holds, its tasks and labels, the training data and test scores a
 * training run recorded, the Python lines that load it, and where those libraries behave differently
 * from mtl.
 */
final class ModelCard {

    /** Labels listed in full up to this many; beyond it, the first ones and a count. */
    private static final int MAX_LABELS_SHOWN = 40;

    private ModelCard() {}

    /**
     * @param format the export's layout, or null for a full mtl model directory
     * @param task the exported task, or null
     * @param lost what an export could not carry over
     * @param path the directory as the user named it, for the loading snippets
     */
    static String render(ModelParts parts, ExportFormat format, TaskConfig task, List<String> lost, String path) {
        StringBuilder s = new StringBuilder();
        frontMatter(s, format);
        EmbeddingConfig emb = parts.mtl().embeddingConfig();
        s.append("# ").append(title(path)).append("\n\n");
        s.append(intro(parts, format, task)).append("\n\n");
        List<TaskConfig> tasks = task != null ? List.of(task) : parts.mtl().tasks();
        if (!tasks.isEmpty()) {
            s.append("## Tasks\n\n| task | kind | labels |\n|---|---|---|\n");
            for (TaskConfig t : tasks) {
                s.append("| ")
                        .append(t.name())
                        .append(" | ")
                        .append(kind(t))
                        .append(" | ")
                        .append(labels(t.labels()))
                        .append(" |\n");
            }
            s.append('\n');
        }
        if (format == null || format == ExportFormat.SENTENCE_TRANSFORMERS) {
            s.append("## Sentence embedding\n\n")
                    .append(String.format(
                            Locale.ROOT,
                            "%d dimensions: %s pooling, %s, %s, %s. Inputs up to %d tokens.\n\n",
                            parts.embeddingDimension(),
                            emb.pooling().name().toLowerCase(Locale.ROOT),
                            emb.projectionDim() > 0 ? "a projection to " + emb.projectionDim() : "no projection",
                            emb.layerNorm() ? "LayerNorm" : "no LayerNorm",
                            emb.normalize() ? "L2-normalised" : "not normalised",
                            parts.mtl().maxLength()));
        }
        training(s, parts.training(), task);
        s.append("## Load it\n\n");
        LoadSnippets.append(s, format, task, path);
        s.append("## Differences from mtl\n\n");
        for (String l : lost) {
            s.append("- Not carried over: ").append(l).append(".\n");
        }
        s.append("- mtl splits a text longer than ")
                .append(parts.mtl().maxLength())
                .append(" tokens into overlapping windows; these libraries truncate it at that length.\n");
        if (emb.layerNorm() && (format == null || format == ExportFormat.SENTENCE_TRANSFORMERS)) {
            s.append("- sentence-transformers' LayerNorm module uses epsilon 1e-5; mtl uses the encoder's (")
                    .append(parts.bert().layerNormEps())
                    .append("). The embeddings differ slightly (measured in mtl's docs/interop.md).\n");
        }
        if (task != null && task.kind() == TaskConfig.Kind.NER) {
            s.append("- mtl reads each word at its first sub-token and decodes valid BIO sequences; the"
                    + " transformers pipeline tags every token on its own (aggregation_strategy=\"first\" is"
                    + " the closest).\n");
        }
        return s.toString();
    }

    private static void frontMatter(StringBuilder s, ExportFormat format) {
        String library =
                format == ExportFormat.HF_TOKEN_CLASSIFICATION || format == ExportFormat.HF_SEQUENCE_CLASSIFICATION
                        ? "transformers"
                        : "sentence-transformers";
        String pipeline = format == null
                ? "sentence-similarity"
                : switch (format) {
                    case HF_TOKEN_CLASSIFICATION -> "token-classification";
                    case HF_SEQUENCE_CLASSIFICATION -> "text-classification";
                    case SENTENCE_TRANSFORMERS -> "sentence-similarity";
                    default -> "feature-extraction";
                };
        s.append("---\nlibrary_name: ")
                .append(library)
                .append("\npipeline_tag: ")
                .append(pipeline)
                .append("\ntags:\n- mtl\n- bert\n");
        if (library.equals("sentence-transformers")) {
            s.append("- sentence-transformers\n");
        }
        s.append("---\n\n");
    }

    private static String intro(ModelParts parts, ExportFormat format, TaskConfig task) {
        String base = parts.mtl().backbone() == null
                ? ""
                : " Encoder started from " + parts.mtl().backbone() + ".";
        String what = format == null
                ? "A model saved by mtl: one BERT encoder (" + parts.bert().numHiddenLayers() + " layers, hidden "
                        + parts.bert().hiddenSize() + ") shared by a sentence-embedding head and "
                        + parts.mtl().tasks().size() + " task head(s). The directory is also a sentence-transformers"
                        + " model (the embedding) and a Hugging Face BERT directory (the encoder); the task heads"
                        + " are read by mtl only, or exported one at a time with `mtl export`."
                : switch (format) {
                    case HF_TOKEN_CLASSIFICATION ->
                        "Task '" + task.name() + "' exported by mtl as a transformers" + " BertForTokenClassification.";
                    case HF_SEQUENCE_CLASSIFICATION ->
                        "Task '" + task.name() + "' exported by mtl as a"
                                + " transformers BertForSequenceClassification.";
                    case SENTENCE_TRANSFORMERS ->
                        "The sentence embedding of an mtl model, exported as a" + " sentence-transformers model.";
                    default -> "An mtl model exported as " + format + ".";
                };
        return what + base;
    }

    private static void training(StringBuilder s, TrainingRecord r, TaskConfig only) {
        s.append("## Training data\n\n");
        if (r == null) {
            s.append("Not recorded (an mtl training run records its data and test scores in its final `model/`).\n\n");
            return;
        }
        s.append("Trained by mtl for ")
                .append(r.steps())
                .append(" steps")
                .append(r.base() == null ? "" : " from " + r.base())
                .append(".\n\n");
        if (!r.datasets().isEmpty()) {
            s.append("| dataset | format | tasks | train | dev | test |\n|---|---|---|---|---|---|\n");
            for (TrainingRecord.Data d : r.datasets()) {
                s.append("| ")
                        .append(d.name())
                        .append(" | ")
                        .append(d.format())
                        .append(" | ")
                        .append(String.join(", ", d.tasks()));
                for (String split : List.of("train", "dev", "test")) {
                    String file = d.files().get(split);
                    Integer n = d.examples().get(split);
                    s.append(" | ").append(file == null ? "—" : "`" + file + "`" + (n == null ? "" : " (" + n + ")"));
                }
                s.append(" |\n");
            }
            s.append('\n');
        }
        StringBuilder rows = new StringBuilder();
        r.test()
                .forEach((dataset, byTask) -> byTask.forEach((t, metrics) -> {
                    if (only == null || only.name().equals(t)) {
                        metrics.forEach((metric, v) -> rows.append(
                                String.format(Locale.ROOT, "| %s | %s | %s | %s |\n", dataset, t, metric, format(v))));
                    }
                }));
        if (!rows.isEmpty()) {
            s.append("## Metrics\n\nOn the test splits, at the end of training:\n\n")
                    .append("| dataset | task | metric | value |\n|---|---|---|---|\n")
                    .append(rows)
                    .append('\n');
        }
    }

    private static String format(Double v) {
        return v == null
                ? "—"
                : v == Math.rint(v) && Math.abs(v) > 1
                        ? String.valueOf(v.longValue())
                        : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String kind(TaskConfig t) {
        return switch (t.kind()) {
            case CLASSIFICATION -> t.multiLabel() ? "classification (multi-label)" : "classification";
            case NER -> t.crf() ? "ner (CRF)" : "ner";
            case EMBEDDING -> "embedding (" + t.loss().key() + ")";
        };
    }

    private static String labels(List<String> labels) {
        if (labels.isEmpty()) {
            return "—";
        }
        List<String> shown = labels.size() <= MAX_LABELS_SHOWN ? labels : labels.subList(0, MAX_LABELS_SHOWN);
        String out = labels.size() + ": "
                + String.join(", ", shown.stream().map(l -> "`" + l + "`").toList());
        return labels.size() > shown.size() ? out + ", …" : out;
    }

    private static String title(String path) {
        java.nio.file.Path p = java.nio.file.Path.of(path).toAbsolutePath().normalize();
        return p.getFileName() == null ? path : p.getFileName().toString();
    }
}
