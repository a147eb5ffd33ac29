package dev.mtl.spark;

import dev.mtl.config.Output;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The batch job: text (one per line), JSONL or Parquet in; {@code id}, {@code text}, the prediction
 * columns and {@code error} out, as Parquet or JSONL; a summary line (rows, ok, bad rows) at the end.
 * Without an id column each row gets its 0-based position in the input (its line number − 1 for a
 * single text file), via {@code zipWithIndex}, which keeps Spark's partition order.
 *
 * <pre>{@code
 * spark-submit --class dev.mtl.spark.MtlSparkJob ... mtl-spark.jar \
 *     --input in.txt --output out.parquet --model model --tasks classification,ner
 * }</pre>
 */
@Command(
        name = "mtl-spark",
        mixinStandardHelpOptions = true,
        description = "Run an mtl model over a text, JSONL or Parquet dataset on Spark; Parquet or JSONL out.")
public final class MtlSparkJob implements Callable<Integer> {

    /** Input formats. */
    public enum Format {
        TEXT,
        JSONL,
        PARQUET
    }

    /** Output formats. */
    public enum OutputFormat {
        PARQUET,
        JSONL
    }

    /** Spark's column for JSON lines it could not parse (PERMISSIVE mode). */
    private static final String CORRUPT = "_corrupt_record";

    @Option(names = "--input", required = true, description = "Input file or directory (any path Spark reads).")
    String input;

    @Option(
            names = "--format",
            defaultValue = "text",
            converter = FormatConverter.class,
            description = "text (one per line), jsonl or parquet (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(
            names = "--text-col",
            defaultValue = "text",
            description = "Text column of JSONL/Parquet input (default: ${DEFAULT-VALUE}).")
    String textCol;

    @Option(
            names = "--id-col",
            description = "Id column of JSONL/Parquet input, copied to 'id' (default: the row's position).")
    String idCol;

    @Option(names = "--output", required = true, description = "Output directory.")
    String output;

    @Option(
            names = "--output-format",
            defaultValue = "parquet",
            converter = OutputFormatConverter.class,
            description = "parquet or jsonl (default: ${DEFAULT-VALUE}).")
    OutputFormat outputFormat;

    @Option(names = "--overwrite", description = "Replace an existing output directory.")
    boolean overwrite;

    @Option(
            names = "--model",
            description =
                    "Model directory, the same path on driver and executors (default: the embedded all-MiniLM-L6-v2).")
    String model;

    @Option(
            names = "--tasks",
            description = "Comma-separated subset of embedding,classification,ner (default: all the model has).")
    String tasks;

    @Option(
            names = "--max-chars",
            defaultValue = "" + MtlTransformer.DEFAULT_MAX_CHARS,
            description = "Longer texts (in code points) become error rows (default: ${DEFAULT-VALUE}).")
    int maxChars;

    @Option(
            names = "--chunk-size",
            defaultValue = "" + MtlTransformer.DEFAULT_CHUNK_SIZE,
            description = "Rows per predict call inside a partition (default: ${DEFAULT-VALUE}).")
    int chunkSize;

    @Option(
            names = "--batch-size",
            defaultValue = "32",
            description = "Sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--master", description = "Spark master when not run by spark-submit (default: local[*]).")
    String master;

    @Option(names = "--verbose", description = "Show stack traces on errors.")
    boolean verbose;

    private SparkSession spark;
    private PrintWriter out;

    /** What the job saw, for the summary line and for callers. */
    public record Summary(long rows, long ok, long bad) {
        @Override
        public String toString() {
            return "rows: " + rows + ", ok: " + ok + ", bad rows: " + bad;
        }
    }

    private Summary summary;

    public static void main(String[] args) {
        System.exit(run(args, null, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs the job on {@code session}, or on a session of its own (stopped at the end) when null.
     * Returns the exit code: 0 (also when some rows are bad), 1 on an error, 2 on a usage error.
     */
    public static int run(String[] args, SparkSession session, PrintWriter out, PrintWriter err) {
        MtlSparkJob job = new MtlSparkJob();
        job.spark = session;
        job.out = out;
        CommandLine cl = new CommandLine(job);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, c, p) -> {
            err.println("mtl-spark: " + oneLine(e));
            if (job.verbose) {
                e.printStackTrace(err);
            }
            return 1;
        });
        return cl.execute(args);
    }

    /** The summary of the last {@link #call}; null before. */
    Summary summary() {
        return summary;
    }

    @Override
    public Integer call() {
        boolean own = spark == null;
        if (own) {
            SparkSession.Builder b = SparkSession.builder().appName("mtl");
            if (master != null) {
                b.master(master);
            } else if (!new SparkConf().contains("spark.master")) {
                b.master("local[*]");
            }
            spark = b.getOrCreate();
        }
        try {
            long t0 = System.nanoTime();
            Dataset<Row> in = read();
            MtlTransformer t = new MtlTransformer()
                    .setModelPath(model)
                    .setInputCol("text")
                    .setOutputs(tasks == null ? null : Output.parseList(tasks))
                    .setMaxChars(maxChars)
                    .setChunkSize(chunkSize)
                    .setBatchSize(batchSize);
            Dataset<Row> result = t.transform(in);
            if (Arrays.asList(in.schema().fieldNames()).contains(CORRUPT)) {
                // A JSON line Spark could not parse: say so instead of "text is null".
                Column bad = functions.col(CORRUPT).isNotNull();
                result = result.withColumn(
                                OutputColumns.ERROR,
                                functions
                                        .when(
                                                bad,
                                                functions.concat(
                                                        functions.lit("malformed JSON line: "),
                                                        functions.substring(functions.col(CORRUPT), 1, 80)))
                                        .otherwise(functions.col(OutputColumns.ERROR)))
                        .drop(CORRUPT);
            }
            write(result);
            summary = summarize(result.schema());
            double secs = (System.nanoTime() - t0) / 1e9;
            out.printf(Locale.ROOT, "%s (%.1f s) → %s%n", summary, secs, output);
            return 0;
        } finally {
            if (own) {
                spark.stop();
            }
        }
    }

    /** The input as (id, text[, _corrupt_record]). */
    private Dataset<Row> read() {
        Dataset<Row> raw = switch (format) {
            case TEXT -> spark.read().text(input).withColumnRenamed("value", "text");
            case JSONL -> spark.read().json(input);
            case PARQUET -> spark.read().parquet(input);
        };
        String text = format == Format.TEXT ? "text" : textCol;
        List<String> names = Arrays.asList(raw.schema().fieldNames());
        if (!names.contains(text)) {
            throw new IllegalArgumentException(
                    input + ": no column '" + text + "' (--text-col); columns: " + String.join(", ", names));
        }
        if (!raw.schema().apply(text).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException(input + ": column '" + text + "' is "
                    + raw.schema().apply(text).dataType().simpleString() + ", expected string");
        }
        List<Column> keep = new ArrayList<>();
        if (idCol != null) {
            if (format == Format.TEXT) {
                throw new IllegalArgumentException("--id-col needs jsonl or parquet input; text lines are numbered");
            }
            if (!names.contains(idCol)) {
                throw new IllegalArgumentException(
                        input + ": no column '" + idCol + "' (--id-col); columns: " + String.join(", ", names));
            }
            keep.add(functions.col(idCol).as("id"));
        }
        keep.add(functions.col(text).as("text"));
        if (names.contains(CORRUPT)) {
            keep.add(functions.col(CORRUPT));
        }
        Dataset<Row> selected = raw.select(keep.toArray(Column[]::new));
        return idCol != null ? selected : withRowIndex(selected);
    }

    /** Prepends {@code id}: the row's position in partition order (consecutive, from 0). */
    static Dataset<Row> withRowIndex(Dataset<Row> ds) {
        StructType schema = new StructType().add("id", DataTypes.LongType, false);
        for (var f : ds.schema().fields()) {
            schema = schema.add(f);
        }
        int width = ds.schema().size();
        JavaRDD<Row> rows = ds.javaRDD().zipWithIndex().map(p -> {
            Object[] v = new Object[width + 1];
            v[0] = p._2();
            for (int i = 0; i < width; i++) {
                v[i + 1] = p._1().get(i);
            }
            return RowFactory.create(v);
        });
        return ds.sparkSession().createDataFrame(rows, schema);
    }

    private void write(Dataset<Row> result) {
        var w = result.write().mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists);
        switch (outputFormat) {
            case PARQUET -> w.parquet(output);
            case JSONL -> w.option("ignoreNullFields", "false").json(output);
        }
    }

    /** Counts from what was written (counting inside the job would double-count retried tasks). */
    private Summary summarize(StructType schema) {
        // The schema is known: given, Spark reads no footer to infer it (a job of its own).
        Dataset<Row> written = outputFormat == OutputFormat.PARQUET
                ? spark.read().schema(schema).parquet(output)
                : spark.read().schema(schema).json(output);
        Row r = written.agg(functions.count(functions.lit(1)), functions.count(functions.col(OutputColumns.ERROR)))
                .first();
        long rows = r.getLong(0);
        long bad = r.getLong(1);
        List<Row> shown = bad == 0
                ? List.of()
                : written.where(functions.col(OutputColumns.ERROR).isNotNull())
                        .select("id", OutputColumns.ERROR)
                        .limit(5)
                        .collectAsList();
        for (Row b : shown) {
            out.println("bad row id " + b.get(0) + ": " + b.getString(1));
        }
        return new Summary(rows, rows - bad, bad);
    }

    private static String oneLine(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t instanceof java.io.UncheckedIOException)) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    static final class FormatConverter implements CommandLine.ITypeConverter<Format> {
        @Override
        public Format convert(String s) {
            return parse(Format.class, s, "--format");
        }
    }

    static final class OutputFormatConverter implements CommandLine.ITypeConverter<OutputFormat> {
        @Override
        public OutputFormat convert(String s) {
            return parse(OutputFormat.class, s, "--output-format");
        }
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String s, String option) {
        try {
            return Enum.valueOf(type, s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(option + ": unknown '" + s + "'; valid: "
                    + String.join(
                            ", ",
                            Arrays.stream(type.getEnumConstants())
                                    .map(x -> x.name().toLowerCase(Locale.ROOT))
                                    .toList()));
        }
    }
}
