package dev.mtl.spark;

import dev.mtl.MultiTaskModel;
import dev.mtl.config.Output;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@link Transformer} that adds the model's predictions to a dataset: every input column
 * is kept, the columns of {@link OutputColumns} are appended (embedding, {@code <task>_label},
 * {@code <task>_scores}, {@code <task>_entities}, error). Row order within each partition and the
 * partitioning are kept. Lazy, as any Spark transformation: the model runs when an action runs.
 *
 * <pre>{@code
 * MtlTransformer mtl = new MtlTransformer()
 *         .setModelPath("/shared/models/snips")          // default: the embedded all-MiniLM-L6-v2
 *         .setInputCol("text")
 *         .setOutputs("classification", "ner")           // default: every output the model has
 *         .setEmbeddingAsVector(true);                   // an ml.linalg Vector instead of array<float>
 * PipelineModel pm = new Pipeline().setStages(new PipelineStage[] {mtl, ...}).fit(df);
 * }</pre>
 *
 * <p>Saved with its pipeline as Spark ML params ({@link DefaultParamsWritable}): the model path is
 * stored, not the model, so the path must name the same directory wherever the pipeline is loaded
 * and on every executor (shared storage, or {@code --archives model.tgz#model} with the path {@code
 * model}). The driver reads the task heads from it to build the schema.
 */
public final class MtlTransformer extends Transformer implements DefaultParamsWritable {

    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_MAX_CHARS = 20_000;
    public static final int DEFAULT_CHUNK_SIZE = 1024;

    private final String uid;

    // Created in the constructor, after uid: a Param takes its parent's uid when constructed.
    private final Param<String> modelPath;
    private final Param<String> inputCol;
    private final StringArrayParam outputs;
    private final Param<String> embeddingCol;
    private final BooleanParam embeddingAsVector;
    private final Param<String> errorCol;
    private final IntParam maxChars;
    private final IntParam chunkSize;
    private final IntParam batchSize;

    public MtlTransformer() {
        this(Identifiable.randomUID("mtl"));
    }

    /** The constructor Spark's ML persistence and {@link #copy} call. */
    public MtlTransformer(String uid) {
        this.uid = uid;
        modelPath = new Param<>(
                this, "modelPath", "model directory, the same path on driver and executors (unset: embedded MiniLM)");
        inputCol = new Param<>(this, "inputCol", "text column (string)");
        outputs = new StringArrayParam(
                this, "outputs", "subset of " + Output.validNames() + " (unset: every output the model has)");
        embeddingCol = new Param<>(this, "embeddingCol", "column for the embedding");
        embeddingAsVector = new BooleanParam(
                this, "embeddingAsVector", "embedding as an ml.linalg Vector (true) or array<float> (false)");
        errorCol = new Param<>(this, "errorCol", "column for the reason a row could not be predicted");
        maxChars = new IntParam(
                this, "maxChars", "longer texts (code points) become error rows (>= 1)", ParamValidators.gtEq(1));
        chunkSize =
                new IntParam(this, "chunkSize", "rows per predict call in a partition (>= 1)", ParamValidators.gtEq(1));
        batchSize = new IntParam(this, "batchSize", "sequences per forward pass (>= 1)", ParamValidators.gtEq(1));
        setDefault(inputCol, "text");
        setDefault(embeddingCol, OutputColumns.EMBEDDING);
        setDefault(embeddingAsVector, false);
        setDefault(errorCol, OutputColumns.ERROR);
        setDefault(maxChars, DEFAULT_MAX_CHARS);
        setDefault(chunkSize, DEFAULT_CHUNK_SIZE);
        setDefault(batchSize, dev.mtl.InferenceOptions.DEFAULT_BATCH_SIZE);
    }

    /** Reads a transformer saved with {@code write().save(path)} (Pipeline loading calls this too). */
    public static MLReader<MtlTransformer> read() {
        return new DefaultParamsReader<>();
    }

    public static MtlTransformer load(String path) {
        return read().load(path);
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public MtlTransformer copy(ParamMap extra) {
        return (MtlTransformer) defaultCopy(extra);
    }

    // ------------------------------------------------------------------ params (Spark lists them by reflection)

    public Param<String> modelPath() {
        return modelPath;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public StringArrayParam outputs() {
        return outputs;
    }

    public Param<String> embeddingCol() {
        return embeddingCol;
    }

    public BooleanParam embeddingAsVector() {
        return embeddingAsVector;
    }

    public Param<String> errorCol() {
        return errorCol;
    }

    public IntParam maxChars() {
        return maxChars;
    }

    public IntParam chunkSize() {
        return chunkSize;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    // ------------------------------------------------------------------ setters and getters

    /** A model directory; null or empty for the embedded all-MiniLM-L6-v2. */
    public MtlTransformer setModelPath(String path) {
        if (path == null || path.isEmpty()) {
            clear(modelPath);
        } else {
            set(modelPath, path);
        }
        return this;
    }

    /** The model directory, or null for the embedded model. */
    public String getModelPath() {
        return isDefined(modelPath) ? getOrDefault(modelPath) : null;
    }

    public MtlTransformer setInputCol(String column) {
        set(inputCol, column);
        return this;
    }

    public String getInputCol() {
        return getOrDefault(inputCol);
    }

    /** Any of {@code embedding}, {@code classification}, {@code ner}; none for all the model has. */
    public MtlTransformer setOutputs(String... names) {
        if (names == null || names.length == 0) {
            clear(outputs);
            return this;
        }
        parseOutputs(names);
        set(outputs, names.clone());
        return this;
    }

    /** As {@link #setOutputs(String...)}; null for all the model has. */
    public MtlTransformer setOutputs(Set<Output> wanted) {
        return setOutputs(
                wanted == null ? null : wanted.stream().map(Output::jsonName).toArray(String[]::new));
    }

    /** The outputs asked for, or null for all the model has. */
    public Set<Output> getOutputs() {
        return isDefined(outputs) ? parseOutputs(getOrDefault(outputs)) : null;
    }

    public MtlTransformer setEmbeddingCol(String column) {
        set(embeddingCol, column);
        return this;
    }

    public String getEmbeddingCol() {
        return getOrDefault(embeddingCol);
    }

    /** True: the embedding column is an {@code org.apache.spark.ml.linalg.Vector} (dense, doubles). */
    public MtlTransformer setEmbeddingAsVector(boolean asVector) {
        set(embeddingAsVector, asVector);
        return this;
    }

    public boolean getEmbeddingAsVector() {
        return (Boolean) getOrDefault(embeddingAsVector);
    }

    public MtlTransformer setErrorCol(String column) {
        set(errorCol, column);
        return this;
    }

    public String getErrorCol() {
        return getOrDefault(errorCol);
    }

    /** Texts longer than this many code points become error rows instead of being predicted. */
    public MtlTransformer setMaxChars(int n) {
        set(maxChars, atLeastOne("maxChars", n));
        return this;
    }

    public int getMaxChars() {
        return (Integer) getOrDefault(maxChars);
    }

    /** Rows per predict call inside a partition (the model length-sorts within a chunk). */
    public MtlTransformer setChunkSize(int n) {
        set(chunkSize, atLeastOne("chunkSize", n));
        return this;
    }

    public int getChunkSize() {
        return (Integer) getOrDefault(chunkSize);
    }

    /** Sequences per forward pass. */
    public MtlTransformer setBatchSize(int n) {
        set(batchSize, atLeastOne("batchSize", n));
        return this;
    }

    public int getBatchSize() {
        return (Integer) getOrDefault(batchSize);
    }

    // ------------------------------------------------------------------ the transformation

    /** The output schema for an input schema; throws IllegalArgumentException on a bad param or input column. */
    @Override
    public StructType transformSchema(StructType input) {
        return OutputColumns.append(input, columns(input).fields());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Dataset<Row> input = dataset.toDF();
        StructType schema = input.schema();
        OutputColumns cols = columns(schema);
        int textIndex = schema.fieldIndex(getInputCol());
        PredictPartition f = new PredictPartition(
                model(),
                resolvedOutputs(),
                textIndex,
                schema.size(),
                cols,
                getMaxChars(),
                getChunkSize(),
                getBatchSize());
        return input.mapPartitions(f, Encoders.row(OutputColumns.append(schema, cols.fields())));
    }

    /** The key {@link ModelHolder} knows the model by. */
    private String model() {
        String p = getModelPath();
        return p == null ? ModelHolder.DEFAULT : p;
    }

    private Set<Output> resolvedOutputs() {
        Set<Output> available = ModelHolder.get(model()).model().availableOutputs();
        Set<Output> wanted = getOutputs();
        if (wanted == null) {
            return available;
        }
        for (Output t : wanted) {
            if (!available.contains(t)) {
                throw new IllegalArgumentException("outputs: the model has no " + t.jsonName() + " head; it has: "
                        + String.join(
                                ", ", available.stream().map(Output::jsonName).toList()));
            }
        }
        return wanted;
    }

    private OutputColumns columns(StructType schema) {
        String in = getInputCol();
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains(in)) {
            throw new IllegalArgumentException(
                    "inputCol: no column '" + in + "'; columns: " + String.join(", ", names));
        }
        StructField f = schema.apply(in);
        if (!f.dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException(
                    "inputCol: column '" + in + "' is " + f.dataType().simpleString() + ", expected string");
        }
        MultiTaskModel m = ModelHolder.get(model()).model();
        OutputColumns cols = new OutputColumns(
                resolvedOutputs(), m.tasks(), getEmbeddingCol(), getEmbeddingAsVector(), getErrorCol());
        List<String> clash = new ArrayList<>(cols.names());
        clash.retainAll(names);
        if (!clash.isEmpty()) {
            throw new IllegalArgumentException(
                    "input already has output column(s) " + String.join(", ", clash) + "; rename or drop them first");
        }
        List<String> dup = new ArrayList<>(cols.names());
        if (dup.stream().distinct().count() != dup.size()) {
            throw new IllegalArgumentException("output columns repeat a name: " + String.join(", ", dup));
        }
        return cols;
    }

    /** Output names checked with a message naming the param (also for values set via a ParamMap or a load). */
    private static Set<Output> parseOutputs(String[] names) {
        Set<Output> out = EnumSet.noneOf(Output.class);
        for (String n : names) {
            try {
                out.add(Output.parse(n));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("outputs: " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static int atLeastOne(String param, int n) {
        if (n < 1) {
            throw new IllegalArgumentException(param + " must be >= 1, got " + n);
        }
        return n;
    }
}
