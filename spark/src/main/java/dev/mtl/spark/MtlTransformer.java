package dev.mtl.spark;

import dev.mtl.MultiTaskModel;
import dev.mtl.config.Output;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Adds the model's predictions to a {@code Dataset<Row>}: every input column is kept, the columns of
 * {@link OutputColumns} are appended ({@code embedding}, {@code <task>_label}, {@code <task>_scores},
 * {@code <task>_entities}, {@code error}). Row order within each partition and the partitioning are
 * kept. Lazy, as any Spark transformation: the model runs when an action runs.
 *
 * <pre>{@code
 * Dataset<Row> out = new MtlTransformer()
 *         .setModelPath("/shared/models/snips")          // default: the embedded all-MiniLM-L6-v2
 *         .setInputCol("text")
 *         .setTasks(EnumSet.of(Output.CLASSIFICATION, Output.NER))
 *         .transform(df);
 * }</pre>
 *
 * <p>Not a Spark ML {@code Transformer}: that base class lives in spark-mllib (a large extra
 * dependency for every user) and its Params and persistence machinery would add much code for what
 * is one method here. Wrap it in one if you need a {@code Pipeline} stage.
 *
 * <p>The model path must name the same directory on the driver (which reads the task heads to build
 * the schema) and on every executor: shared storage, or {@code --archives model.tgz#model} with the
 * relative path {@code model}.
 */
public final class MtlTransformer {

    public static final int DEFAULT_MAX_CHARS = 20_000;
    public static final int DEFAULT_CHUNK_SIZE = 1024;

    private String modelPath = ModelHolder.DEFAULT;
    private String inputCol = "text";
    private Set<Output> tasks;
    private int maxChars = DEFAULT_MAX_CHARS;
    private int chunkSize = DEFAULT_CHUNK_SIZE;
    private int batchSize = dev.mtl.InferenceOptions.DEFAULT_BATCH_SIZE;

    /** A model directory; null or empty for the embedded all-MiniLM-L6-v2. */
    public MtlTransformer setModelPath(String path) {
        this.modelPath = path == null ? ModelHolder.DEFAULT : path;
        return this;
    }

    public MtlTransformer setInputCol(String column) {
        this.inputCol = column;
        return this;
    }

    /** Any subset of the model's tasks; null (the default) for all of them. */
    public MtlTransformer setTasks(Set<Output> tasks) {
        this.tasks = tasks == null ? null : EnumSet.copyOf(tasks);
        return this;
    }

    /** Texts longer than this many code points become error rows instead of being predicted. */
    public MtlTransformer setMaxChars(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("max chars must be >= 1, got " + n);
        }
        this.maxChars = n;
        return this;
    }

    /** Rows per predict call inside a partition (the model length-sorts within a chunk). */
    public MtlTransformer setChunkSize(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("chunk size must be >= 1, got " + n);
        }
        this.chunkSize = n;
        return this;
    }

    /** Sequences per forward pass. */
    public MtlTransformer setBatchSize(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + n);
        }
        this.batchSize = n;
        return this;
    }

    /** The output schema for an input schema; throws IllegalArgumentException on a bad input column. */
    public StructType transformSchema(StructType input) {
        return OutputColumns.append(input, columns(input).fields());
    }

    public Dataset<Row> transform(Dataset<Row> input) {
        StructType schema = input.schema();
        OutputColumns cols = columns(schema);
        int textIndex = schema.fieldIndex(inputCol);
        PredictPartition f = new PredictPartition(
                modelPath, resolvedTasks(), textIndex, schema.size(), cols, maxChars, chunkSize, batchSize);
        return input.mapPartitions(f, Encoders.row(OutputColumns.append(schema, cols.fields())));
    }

    private Set<Output> resolvedTasks() {
        MultiTaskModel m = ModelHolder.get(modelPath).model();
        Set<Output> available = m.availableOutputs();
        if (tasks == null) {
            return available;
        }
        for (Output t : tasks) {
            if (!available.contains(t)) {
                throw new IllegalArgumentException("the model has no " + t.jsonName() + " head; it has: "
                        + String.join(
                                ", ", available.stream().map(Output::jsonName).toList()));
            }
        }
        return tasks;
    }

    private OutputColumns columns(StructType schema) {
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains(inputCol)) {
            throw new IllegalArgumentException("no column '" + inputCol + "'; columns: " + String.join(", ", names));
        }
        StructField f = schema.apply(inputCol);
        if (!f.dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException(
                    "column '" + inputCol + "' is " + f.dataType().simpleString() + ", expected string");
        }
        OutputColumns cols = new OutputColumns(
                resolvedTasks(), ModelHolder.get(modelPath).model().tasks());
        List<String> clash = new ArrayList<>(cols.names());
        clash.retainAll(names);
        if (!clash.isEmpty()) {
            throw new IllegalArgumentException(
                    "input already has output column(s) " + String.join(", ", clash) + "; rename or drop them first");
        }
        return cols;
    }
}
