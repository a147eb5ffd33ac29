package dev.mtl.spark;

import dev.mtl.InferenceOptions;
import dev.mtl.MultiTaskModel;
import dev.mtl.Prediction;
import dev.mtl.config.Output;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The per-partition work: take the next {@code chunkSize} rows, check them, predict the good ones in
 * one call (the model length-sorts and batches inside it), and emit every row in input order with
 * the input columns followed by the prediction columns. The partition is consumed lazily, one chunk at
 * a time, so memory does not grow with partition size.
 *
 * <p>A bad row (null, empty or blank text, text over {@code maxChars} code points) gets an error and
 * null predictions. If the model throws on a chunk, each of its rows is retried alone, so one text
 * that breaks the model costs only its own row.
 */
final class PredictPartition implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;

    private final String modelPath;
    private final EnumSet<Output> tasks;
    private final int textIndex;
    private final int inputWidth;
    private final OutputColumns columns;
    private final int maxChars;
    private final int chunkSize;
    private final int batchSize;

    PredictPartition(
            String modelPath,
            Set<Output> tasks,
            int textIndex,
            int inputWidth,
            OutputColumns columns,
            int maxChars,
            int chunkSize,
            int batchSize) {
        this.modelPath = modelPath;
        this.tasks = EnumSet.copyOf(tasks);
        this.textIndex = textIndex;
        this.inputWidth = inputWidth;
        this.columns = columns;
        this.maxChars = maxChars;
        this.chunkSize = chunkSize;
        this.batchSize = batchSize;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        return new Iterator<>() {
            private Iterator<Row> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && input.hasNext()) {
                    current = nextChunk(input).iterator();
                }
                return current.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }

    /** Why a text cannot be predicted, or null when it can. */
    String check(Object value) {
        if (value == null) {
            return "text is null";
        }
        String text = value.toString();
        if (text.isBlank()) {
            return "text is empty";
        }
        int n = text.codePointCount(0, text.length());
        if (n > maxChars) {
            return "text has " + n + " characters, over the limit of " + maxChars + " (--max-chars)";
        }
        return null;
    }

    private List<Row> nextChunk(Iterator<Row> input) {
        List<Object[]> rows = new ArrayList<>(chunkSize);
        List<Integer> good = new ArrayList<>(chunkSize);
        List<String> texts = new ArrayList<>(chunkSize);
        int width = inputWidth + columns.size();
        while (rows.size() < chunkSize && input.hasNext()) {
            Row r = input.next();
            Object[] out = new Object[width];
            for (int i = 0; i < inputWidth; i++) {
                out[i] = r.get(i);
            }
            String error = check(r.get(textIndex));
            if (error == null) {
                good.add(rows.size());
                texts.add(r.get(textIndex).toString());
            } else {
                columns.fillError(error, out, inputWidth);
            }
            rows.add(out);
        }
        if (!texts.isEmpty()) {
            predictInto(texts, good, rows);
        }
        List<Row> result = new ArrayList<>(rows.size());
        for (Object[] r : rows) {
            result.add(RowFactory.create(r));
        }
        return result;
    }

    private void predictInto(List<String> texts, List<Integer> good, List<Object[]> rows) {
        ModelHolder.Shared shared = ModelHolder.get(modelPath);
        MultiTaskModel model = shared.model();
        InferenceOptions options = model.defaultOptions().withBatchSize(batchSize);
        shared.lock().lock();
        try {
            List<Prediction> preds;
            try {
                preds = model.predict(texts, tasks, options, n -> {});
            } catch (RuntimeException chunkFailed) {
                // Find the culprit(s): each row alone; the others still get their predictions.
                for (int i = 0; i < texts.size(); i++) {
                    Object[] out = rows.get(good.get(i));
                    try {
                        columns.fill(
                                model.predict(List.of(texts.get(i)), tasks, options, n -> {})
                                        .get(0),
                                out,
                                inputWidth);
                    } catch (RuntimeException e) {
                        columns.fillError(
                                "model failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()),
                                out,
                                inputWidth);
                    }
                }
                return;
            }
            for (int i = 0; i < preds.size(); i++) {
                columns.fill(preds.get(i), rows.get(good.get(i)), inputWidth);
            }
        } finally {
            shared.lock().unlock();
        }
    }
}
