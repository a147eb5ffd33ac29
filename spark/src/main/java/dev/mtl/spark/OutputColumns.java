package dev.mtl.spark;

import dev.mtl.Prediction;
import dev.mtl.config.Output;
import dev.mtl.config.TaskConfig;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The typed columns a prediction becomes, in this order: {@code embedding array<float>} (or an ML
 * {@code Vector}); per
 * classification task {@code <task>_label string}, {@code <task>_scores map<string,float>} (and
 * {@code <task>_labels array<string>} for multi-label tasks); per NER task {@code <task>_entities
 * array<struct<start,end,label,text,score>>}; then {@code error string}. Entity offsets count Unicode
 * code points, as the JSON of {@code mtl predict} does (Python's {@code text[start:end]}), not Java's
 * UTF-16 indices. A bad row has its error set and every prediction column null. The embedding and
 * error columns' names are the transformer's params; the task columns are named after the tasks.
 */
final class OutputColumns implements Serializable {

    private static final long serialVersionUID = 1L;

    static final String ERROR = "error";
    static final String EMBEDDING = "embedding";

    static final StructType ENTITY = new StructType(new StructField[] {
        DataTypes.createStructField("start", DataTypes.IntegerType, false),
        DataTypes.createStructField("end", DataTypes.IntegerType, false),
        DataTypes.createStructField("label", DataTypes.StringType, false),
        DataTypes.createStructField("text", DataTypes.StringType, false),
        DataTypes.createStructField("score", DataTypes.FloatType, false),
    });

    private final boolean embedding;
    private final String embeddingCol;
    private final boolean asVector;
    private final String errorCol;
    private final List<String> classifiers = new ArrayList<>();
    private final List<Boolean> multiLabel = new ArrayList<>();
    private final List<String> taggers = new ArrayList<>();
    private final int width;

    /** The default columns for {@code requested} tasks of a model with these task heads (in the model's order). */
    OutputColumns(Set<Output> requested, Map<String, TaskConfig> tasks) {
        this(requested, tasks, EMBEDDING, false, ERROR);
    }

    OutputColumns(
            Set<Output> requested,
            Map<String, TaskConfig> tasks,
            String embeddingCol,
            boolean asVector,
            String errorCol) {
        this.embedding = requested.contains(Output.EMBEDDING);
        this.embeddingCol = embeddingCol;
        this.asVector = asVector;
        this.errorCol = errorCol;
        for (TaskConfig t : tasks.values()) {
            if (t.kind() == TaskConfig.Kind.CLASSIFICATION && requested.contains(Output.CLASSIFICATION)) {
                classifiers.add(t.name());
                multiLabel.add(t.multiLabel());
            } else if (t.kind() == TaskConfig.Kind.NER && requested.contains(Output.NER)) {
                taggers.add(t.name());
            }
        }
        this.width = fields().size();
    }

    List<StructField> fields() {
        List<StructField> f = new ArrayList<>();
        if (embedding) {
            f.add(DataTypes.createStructField(
                    embeddingCol,
                    asVector ? SQLDataTypes.VectorType() : DataTypes.createArrayType(DataTypes.FloatType, false),
                    true));
        }
        for (int i = 0; i < classifiers.size(); i++) {
            String c = classifiers.get(i);
            f.add(DataTypes.createStructField(c + "_label", DataTypes.StringType, true));
            f.add(DataTypes.createStructField(
                    c + "_scores", DataTypes.createMapType(DataTypes.StringType, DataTypes.FloatType, false), true));
            if (multiLabel.get(i)) {
                f.add(DataTypes.createStructField(
                        c + "_labels", DataTypes.createArrayType(DataTypes.StringType, false), true));
            }
        }
        for (String t : taggers) {
            f.add(DataTypes.createStructField(t + "_entities", new ArrayType(ENTITY, false), true));
        }
        f.add(DataTypes.createStructField(errorCol, DataTypes.StringType, true));
        return f;
    }

    int size() {
        return width;
    }

    /** The column names, for checking that none collides with an input column. */
    List<String> names() {
        return fields().stream().map(StructField::name).toList();
    }

    static StructType append(StructType input, List<StructField> extra) {
        StructType out = input;
        for (StructField f : extra) {
            out = out.add(f);
        }
        return out;
    }

    /** Writes the prediction's values into {@code out} from {@code at}; error stays null. */
    void fill(Prediction p, Object[] out, int at) {
        int k = at;
        if (embedding) {
            // The float[] itself: Spark's row encoder takes a primitive array; a Seq would box every float.
            out[k++] = asVector ? vector(p.embedding()) : p.embedding();
        }
        for (int i = 0; i < classifiers.size(); i++) {
            dev.mtl.heads.ClassPrediction c = p.classification().get(classifiers.get(i));
            out[k++] = c.label();
            out[k++] = CollectionConverters.asScala(new LinkedHashMap<>(c.scores()));
            if (multiLabel.get(i)) {
                out[k++] = scala(new ArrayList<>(c.labels()));
            }
        }
        for (String t : taggers) {
            List<Row> ents = new ArrayList<>();
            for (dev.mtl.heads.Entity e : p.ner().get(t).entities()) {
                ents.add(RowFactory.create(
                        p.text().codePointCount(0, e.start()),
                        p.text().codePointCount(0, e.end()),
                        e.label(),
                        e.text(),
                        (float) e.score()));
            }
            out[k++] = scala(ents);
        }
        out[k] = null;
    }

    /** Doubles, as ML vectors hold; each is the float widened exactly. */
    private static Vector vector(float[] e) {
        double[] d = new double[e.length];
        for (int i = 0; i < e.length; i++) {
            d[i] = e[i];
        }
        return Vectors.dense(d);
    }

    /** Spark's row encoder wants Scala collections (a java.util.List fails with a ClassCastException). */
    private static <T> scala.collection.Seq<T> scala(List<T> list) {
        return CollectionConverters.asScala(list);
    }

    /** Marks a bad row: every prediction column null, the error set. */
    void fillError(String error, Object[] out, int at) {
        int n = size();
        for (int k = at; k < at + n - 1; k++) {
            out[k] = null;
        }
        out[at + n - 1] = error;
    }
}
