package dev.mtl.train;

import dev.mtl.InferenceOptions;
import dev.mtl.MultiTaskModel;
import dev.mtl.Prediction;
import dev.mtl.config.Output;
import dev.mtl.config.TaskConfig;
import dev.mtl.data.Example;
import dev.mtl.data.Field;
import dev.mtl.eval.ClassificationMetrics;
import dev.mtl.eval.ClassificationReport;
import dev.mtl.eval.ConllPredictionWriter;
import dev.mtl.eval.EntityMetrics;
import dev.mtl.eval.NerReport;
import dev.mtl.heads.ClassPrediction;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a model over labelled examples and scores it: accuracy and macro-F1 for classification tasks,
 * conlleval-equal entity P/R/F1 for NER tasks, and for embedding tasks what {@link EmbeddingEvaluator}
 * measures. Examples with tokens are predicted word by word (tags
 * align one to one with the gold tags); text-only examples go through raw-text prediction. Gold labels
 * the model has never seen simply never match: they count as errors, as they should.
 */
public final class Evaluator {

    /** The main metric of a task: what "mean" averages and early stopping watches. */
    public static String mainMetric(TaskConfig task) {
        return EvalConfig.Measure.main(task.kind(), task.loss()).key();
    }

    /**
     * Scores of one dataset split.
     *
     * @param embedding per embedding task, its metrics (ratios) and counts
     */
    public record Scores(
            Map<String, ClassificationReport> classification,
            Map<String, NerReport> ner,
            Map<String, Map<String, Double>> embedding) {

        /** task → metric → value, for metrics.jsonl. */
        public Map<String, Map<String, Double>> flat() {
            Map<String, Map<String, Double>> out = new LinkedHashMap<>();
            // Insertion order, written out: Map.of's iteration order changes from one JVM to the next.
            classification.forEach((t, r) -> {
                Map<String, Double> m = new LinkedHashMap<>();
                m.put("accuracy", r.accuracy());
                m.put("macro_f1", r.macroF1());
                out.put(t, m);
            });
            ner.forEach((t, r) -> {
                Map<String, Double> m = new LinkedHashMap<>();
                m.put("precision", r.overall().precision());
                m.put("recall", r.overall().recall());
                m.put("f1", r.overall().f1());
                out.put(t, m);
            });
            out.putAll(embedding);
            return out;
        }
    }

    private Evaluator() {}

    /**
     * @param feeds task → field for this dataset
     * @param conllDir if not null, NER predictions are written there as {@code <prefix>.<task>.conll}
     */
    public static Scores evaluate(
            MultiTaskModel model,
            List<Example> examples,
            Map<String, Field> feeds,
            InferenceOptions options,
            Path conllDir,
            String prefix)
            throws IOException {
        Map<String, Map<String, Double>> embedding = new LinkedHashMap<>();
        Map<String, Field> headFeeds = new LinkedHashMap<>();
        feeds.forEach((t, f) -> {
            if (model.tasks().get(t).kind() != TaskConfig.Kind.EMBEDDING) {
                headFeeds.put(t, f);
            }
        });
        for (var e : feeds.entrySet()) {
            if (!headFeeds.containsKey(e.getKey())) {
                embedding.put(e.getKey(), EmbeddingEvaluator.evaluate(model, examples, e.getValue(), options));
            }
        }
        if (headFeeds.isEmpty()) {
            return new Scores(Map.of(), Map.of(), embedding);
        }
        feeds = headFeeds;
        Set<Output> tasks = EnumSet.noneOf(Output.class);
        feeds.forEach((t, f) -> tasks.add(f == Field.LABEL ? Output.CLASSIFICATION : Output.NER));
        List<Example> withWords = new ArrayList<>();
        List<Example> withText = new ArrayList<>();
        for (Example e : examples) {
            (e.tokens().isEmpty() ? withText : withWords).add(e);
        }
        List<Example> ordered = new ArrayList<>(withWords);
        ordered.addAll(withText);
        List<Prediction> preds = new ArrayList<>(
                model.predictWords(withWords.stream().map(Example::tokens).toList(), tasks, options));
        preds.addAll(model.predict(withText.stream().map(Example::text).toList(), tasks, options, n -> {}));

        Map<String, ClassificationReport> cls = new LinkedHashMap<>();
        Map<String, NerReport> ner = new LinkedHashMap<>();
        for (var feed : feeds.entrySet()) {
            String task = feed.getKey();
            if (feed.getValue() == Field.LABEL) {
                List<String> gold = new ArrayList<>();
                List<String> pred = new ArrayList<>();
                for (int i = 0; i < ordered.size(); i++) {
                    ClassPrediction c = preds.get(i).classification().get(task);
                    boolean multi = model.tasks().get(task).multiLabel();
                    gold.add(
                            multi
                                    ? String.join(
                                            "#",
                                            ordered.get(i).labels().stream()
                                                    .sorted()
                                                    .toList())
                                    : ordered.get(i).labels().get(0));
                    pred.add(
                            multi
                                    ? String.join(
                                            "#", c.labels().stream().sorted().toList())
                                    : c.label());
                }
                cls.put(task, ClassificationMetrics.evaluate(gold, pred));
            } else {
                List<List<String>> words = new ArrayList<>();
                List<List<String>> gold = new ArrayList<>();
                List<List<String>> pred = new ArrayList<>();
                for (int i = 0; i < ordered.size(); i++) {
                    Example e = ordered.get(i);
                    Prediction p = preds.get(i);
                    words.add(p.words());
                    pred.add(p.ner().get(task).tags());
                    gold.add(e.tokens().isEmpty() ? Field.TAGS.gold(e, alignment(model, e.text())) : e.tags());
                }
                ner.put(task, EntityMetrics.evaluate(gold, pred));
                if (conllDir != null) {
                    java.nio.file.Files.createDirectories(conllDir);
                    ConllPredictionWriter.write(conllDir.resolve(prefix + "." + task + ".conll"), words, gold, pred);
                }
            }
        }
        return new Scores(cls, ner, embedding);
    }

    private static dev.mtl.tokenize.Alignment alignment(MultiTaskModel model, String text) {
        return dev.mtl.tokenize.Alignment.ofText(
                text, model.backbone().tokenizer().encode(text));
    }
}
