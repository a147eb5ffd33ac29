package dev.mtl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mtl.data.Field;
import dev.mtl.eval.ClassScore;
import dev.mtl.eval.EntityScore;
import dev.mtl.train.DatasetSpec.Format;
import dev.mtl.train.Evaluator;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code mtl eval} shows of the {@link Evaluator}'s scores: a table per task for people and a
 * JSON document for programs. Formatting only; every number comes from the evaluator.
 */
final class EvalReport {

    private EvalReport() {}

    /** One block per task: classification accuracy and per-class scores, NER entity scores per type. */
    static void printTable(PrintStream out, Evaluator.Scores scores, int examples) {
        scores.embedding().forEach((task, m) -> {
            out.printf(Locale.ROOT, "%s (embedding)%n ", task);
            m.forEach((k, v) -> out.printf(
                    Locale.ROOT,
                    " %s %s",
                    k,
                    k.equals("pairs") || k.equals("texts") || k.equals("queries") || k.equals("pool")
                            ? String.valueOf(v.longValue())
                            : String.format(Locale.ROOT, "%.2f", 100 * v)));
            out.printf("%n%n");
        });
        scores.classification().forEach((task, r) -> {
            out.printf(Locale.ROOT, "%s (classification, %d examples)%n", task, examples);
            out.printf(Locale.ROOT, "  accuracy %6.2f   macro-F1 %6.2f%n", 100 * r.accuracy(), 100 * r.macroF1());
            int w = Math.max(
                    5,
                    r.perClass().stream()
                            .mapToInt(c -> c.label().length())
                            .max()
                            .orElse(0));
            out.printf(
                    Locale.ROOT,
                    "  %-" + w + "s  %9s  %6s  %6s  %7s%n",
                    "label",
                    "precision",
                    "recall",
                    "f1",
                    "support");
            for (ClassScore c : r.perClass()) {
                out.printf(
                        Locale.ROOT,
                        "  %-" + w + "s  %9.2f  %6.2f  %6.2f  %7d%n",
                        c.label(),
                        100 * c.precision(),
                        100 * c.recall(),
                        100 * c.f1(),
                        c.support());
            }
            out.println();
        });
        scores.ner().forEach((task, r) -> {
            out.printf(Locale.ROOT, "%s (ner, %d examples)%n", task, examples);
            Map<String, EntityScore> rows = new LinkedHashMap<>();
            rows.put("overall", r.overall());
            rows.putAll(new TreeMap<>(r.perType()));
            int w = Math.max(
                    7, rows.keySet().stream().mapToInt(String::length).max().orElse(0));
            out.printf(
                    Locale.ROOT,
                    "  %-" + w + "s  %9s  %6s  %6s  %5s  %9s  %7s%n",
                    "type",
                    "precision",
                    "recall",
                    "f1",
                    "gold",
                    "predicted",
                    "correct");
            rows.forEach((type, s) -> out.printf(
                    Locale.ROOT,
                    "  %-" + w + "s  %9.2f  %6.2f  %6.2f  %5d  %9d  %7d%n",
                    type,
                    100 * s.precision(),
                    100 * s.recall(),
                    100 * s.f1(),
                    s.gold(),
                    s.predicted(),
                    s.correct()));
            out.printf(Locale.ROOT, "  token accuracy %.2f%n%n", 100 * r.tokenAccuracy());
        });
        out.flush();
    }

    /** The embedding's scores on sentence pairs. */
    static void printEmbedding(PrintStream out, Field pairs, Map<String, Double> m) {
        if (pairs == Field.SCORE) {
            out.printf(
                    Locale.ROOT,
                    "embedding (%d scored pairs): cosine vs gold score%n",
                    m.get("pairs").intValue());
            out.printf(
                    Locale.ROOT, "  spearman %6.2f   pearson %6.2f%n", 100 * m.get("spearman"), 100 * m.get("pearson"));
        } else {
            out.printf(
                    Locale.ROOT,
                    "embedding (%d anchors, a pool of %d positives): retrieval of each anchor's positive%n",
                    m.get("queries").intValue(),
                    m.get("pool").intValue());
            out.printf(
                    Locale.ROOT,
                    "  mrr@10 %6.2f   recall@1 %6.2f   recall@10 %6.2f%n",
                    100 * m.get("mrr@10"),
                    100 * m.get("recall@1"),
                    100 * m.get("recall@10"));
        }
        out.flush();
    }

    static void writeEmbeddingJson(
            String path, String model, String data, Format fmt, int examples, Map<String, Double> metrics)
            throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("model", model);
        doc.put("data", data);
        doc.put("format", fmt.key());
        doc.put("examples", examples);
        doc.put("embedding", metrics);
        write(path, doc);
    }

    /** The metrics as JSON at {@code path} ({@code -}: stdout), with what was scored on what. */
    static void writeJson(String path, String model, String data, Evaluator.Scores scores, Format fmt, int examples)
            throws IOException {
        Map<String, Object> tasks = new LinkedHashMap<>();
        scores.classification().forEach((t, r) -> tasks.put(t, withKind("classification", r.toMap())));
        scores.ner().forEach((t, r) -> tasks.put(t, withKind("ner", r.toMap())));
        scores.embedding().forEach((t, r) -> tasks.put(t, withKind("embedding", new LinkedHashMap<>(r))));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("model", model);
        doc.put("data", data);
        doc.put("format", fmt.key());
        doc.put("examples", examples);
        doc.put("tasks", tasks);
        write(path, doc);
    }

    private static void write(String path, Map<String, Object> doc) throws IOException {
        try (Outputs out = Outputs.open(path)) {
            out.stream()
                    .write(new ObjectMapper()
                            .enable(SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsBytes(doc));
            out.stream().write('\n');
            out.commit();
        }
        if (!path.equals("-")) {
            System.err.println("metrics → " + path);
        }
    }

    private static Map<String, Object> withKind(String kind, Map<String, Object> report) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        m.putAll(report);
        return m;
    }
}
