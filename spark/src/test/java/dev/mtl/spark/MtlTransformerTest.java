package dev.mtl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mtl.MultiTaskModel;
import dev.mtl.Prediction;
import dev.mtl.config.Output;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/** The Java API on a Dataset: columns appended, input columns and order kept, one model load per JVM. */
class MtlTransformerTest {

    @TempDir
    static Path tmp;

    static Path model;
    static SparkSession spark;

    @BeforeAll
    static void setUp() throws IOException {
        model = SparkTestSupport.writeTinyModel(tmp);
        spark = SparkTestSupport.spark();
    }

    private Dataset<Row> input(List<String> texts) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create(
                    i,
                    texts.get(i),
                    CollectionConverters.asScala(List.of("t" + i)).toList()));
        }
        StructType schema =
                new StructType().add("key", "int").add("sentence", "string").add("tags", "array<string>");
        return spark.createDataFrame(rows, schema).coalesce(1).repartition(4).sortWithinPartitions("key");
    }

    @Test
    void appendsTheChosenTasksColumnsAndKeepsInputColumnsAndOrder() throws IOException {
        List<String> texts = new ArrayList<>(SparkTestSupport.sentences().subList(0, 20));
        texts.set(5, null);
        int before = ModelHolder.loads();
        Dataset<Row> out = new MtlTransformer()
                .setModelPath(model.toString())
                .setInputCol("sentence")
                .setOutputs(EnumSet.of(Output.CLASSIFICATION))
                .setChunkSize(2)
                .transform(input(texts));
        assertEquals(
                List.of("key", "sentence", "tags", "intent_label", "intent_scores", "error"),
                List.of(out.schema().fieldNames()));
        List<Row> rows = out.collectAsList();
        assertEquals(before + 1, ModelHolder.loads(), "one load for four partitions of ten chunks");
        new MtlTransformer()
                .setModelPath(model.toString())
                .setInputCol("sentence")
                .transform(input(texts))
                .count();
        assertEquals(before + 1, ModelHolder.loads(), "a second transform reuses the loaded model");

        // Each partition's rows come out in the order they went in.
        List<Integer> keys = rows.stream().map(r -> r.getInt(0)).toList();
        List<Integer> inOrder =
                input(texts).collectAsList().stream().map(r -> r.getInt(0)).toList();
        assertEquals(inOrder, keys);

        List<String> good = new ArrayList<>(texts);
        good.remove(5);
        List<Prediction> expected;
        try (MultiTaskModel m = MultiTaskModel.load(model)) {
            expected = m.predict(good, EnumSet.of(Output.CLASSIFICATION));
        }
        for (Row r : rows) {
            int key = r.getInt(0);
            assertEquals(
                    List.of("t" + key), CollectionConverters.asJava(r.<scala.collection.Seq<String>>getAs("tags")));
            if (key == 5) {
                assertEquals("text is null", r.getAs("error"));
                assertNull(r.getAs("intent_label"));
                assertNull(r.getAs("intent_scores"));
                continue;
            }
            dev.mtl.heads.ClassPrediction p =
                    expected.get(key < 5 ? key : key - 1).classification().get("intent");
            assertEquals(p.label(), r.getAs("intent_label"));
            Map<String, Float> scores =
                    CollectionConverters.asJava(r.<scala.collection.Map<String, Float>>getAs("intent_scores"));
            assertEquals(p.scores().keySet(), scores.keySet());
            p.scores().forEach((label, s) -> assertEquals(s, scores.get(label), 1e-6, label));
            assertNull(r.getAs("error"));
        }
    }

    @Test
    void badConfigurationIsReportedBeforeAnythingRuns() {
        Dataset<Row> in = input(List.of("play"));
        MtlTransformer t = new MtlTransformer().setModelPath(model.toString());
        assertEquals(
                "inputCol: no column 'text'; columns: key, sentence, tags",
                assertThrows(IllegalArgumentException.class, () -> t.transform(in))
                        .getMessage());
        assertEquals(
                "inputCol: column 'key' is int, expected string",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> t.setInputCol("key").transform(in))
                        .getMessage());
        Dataset<Row> clash = in.withColumnRenamed("tags", "intent_label");
        assertEquals(
                "input already has output column(s) intent_label; rename or drop them first",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> t.setInputCol("sentence").transform(clash))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.setMaxChars(0));
    }
}
