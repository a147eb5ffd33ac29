package dev.mtl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.MultiTaskModel;
import dev.mtl.Prediction;
import dev.mtl.config.Output;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/** MtlTransformer as a Spark ML stage: in a Pipeline, saved and loaded, its Vector column, its params. */
class MtlPipelineTest {

    @TempDir
    static Path tmp;

    static Path model;

    @BeforeAll
    static void setUp() throws IOException {
        model = SparkTestSupport.writeTinyModel(tmp);
    }

    /** (key, sentence), four partitions, rows in key order within each. */
    private static Dataset<Row> input(SparkSession spark, List<String> texts) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create(i, texts.get(i)));
        }
        StructType schema = new StructType().add("key", "int").add("sentence", "string");
        return spark.createDataFrame(rows, schema).repartition(4).sortWithinPartitions("key");
    }

    private static List<String> texts() {
        List<String> texts = new ArrayList<>(SparkTestSupport.sentences().subList(0, 24));
        texts.set(3, "   "); // a bad row: the pipeline's filter stage drops it before KMeans
        return texts;
    }

    private static List<Row> byKey(Dataset<Row> ds) {
        return ds.orderBy("key").collectAsList();
    }

    @Test
    void aSavedPipelineLoadedInAFreshSessionGivesTheSameOutputs() throws IOException {
        SparkSession first = SparkTestSupport.spark();
        MtlTransformer mtl = new MtlTransformer()
                .setModelPath(model.toString())
                .setInputCol("sentence")
                .setEmbeddingAsVector(true)
                .setChunkSize(5)
                .setBatchSize(4);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            mtl,
            new SQLTransformer().setStatement("SELECT * FROM __THIS__ WHERE error IS NULL"),
            new KMeans().setK(3).setSeed(7).setFeaturesCol("embedding").setPredictionCol("cluster")
        });
        PipelineModel fitted = pipeline.fit(input(first, texts()));
        List<Row> before = byKey(fitted.transform(input(first, texts())));
        assertEquals(texts().size() - 1, before.size(), "the blank row is filtered out");
        Path saved = tmp.resolve("pipeline");
        fitted.write().overwrite().save(saved.toString());
        first.stop();

        SparkSession second = SparkTestSupport.spark();
        assertNotSame(first, second);
        PipelineModel loaded = PipelineModel.load(saved.toString());
        Transformer stage = loaded.stages()[0];
        assertTrue(stage instanceof MtlTransformer, stage.getClass().getName());
        MtlTransformer back = (MtlTransformer) stage;
        assertEquals(mtl.uid(), back.uid());
        assertEquals(model.toString(), back.getModelPath());
        assertEquals("sentence", back.getInputCol());
        assertTrue(back.getEmbeddingAsVector());
        assertEquals(5, back.getChunkSize());
        assertEquals(4, back.getBatchSize());
        assertNull(back.getOutputs(), "unset outputs stay unset: every output the model has");

        List<Row> after = byKey(loaded.transform(input(second, texts())));
        assertEquals(
                List.of(before.get(0).schema().fieldNames()),
                List.of(after.get(0).schema().fieldNames()));
        assertEquals(before.size(), after.size());
        for (int i = 0; i < before.size(); i++) {
            Row a = before.get(i);
            Row b = after.get(i);
            String where = "key " + a.getInt(0);
            assertEquals(a.getInt(0), b.getInt(0));
            assertEquals(a.<Integer>getAs("cluster"), b.<Integer>getAs("cluster"), where);
            assertEquals(a.<String>getAs("intent_label"), b.<String>getAs("intent_label"), where);
            Map<String, Float> sa =
                    CollectionConverters.asJava(a.<scala.collection.Map<String, Float>>getAs("intent_scores"));
            Map<String, Float> sb =
                    CollectionConverters.asJava(b.<scala.collection.Map<String, Float>>getAs("intent_scores"));
            assertEquals(sa.keySet(), sb.keySet(), where);
            sa.forEach((label, s) -> assertEquals(s, sb.get(label), 1e-6, where + " " + label));
            assertEquals(
                    CollectionConverters.asJava(a.<scala.collection.Seq<Row>>getAs("slots_entities")),
                    CollectionConverters.asJava(b.<scala.collection.Seq<Row>>getAs("slots_entities")),
                    where);
            double[] va = a.<Vector>getAs("embedding").toArray();
            double[] vb = b.<Vector>getAs("embedding").toArray();
            assertEquals(va.length, vb.length);
            for (int k = 0; k < va.length; k++) {
                assertEquals(va[k], vb[k], 1e-6, where + " embedding[" + k + "]");
            }
        }
    }

    @Test
    void theEmbeddingAsAnMlVectorHoldsTheModelsValues() throws IOException {
        List<String> texts = new ArrayList<>(SparkTestSupport.sentences().subList(0, 10));
        texts.set(2, null);
        Dataset<Row> out = new MtlTransformer()
                .setModelPath(model.toString())
                .setInputCol("sentence")
                .setOutputs("embedding")
                .setEmbeddingCol("vec")
                .setEmbeddingAsVector(true)
                .setErrorCol("problem")
                .transform(input(SparkTestSupport.spark(), texts));
        assertEquals(
                List.of("key", "sentence", "vec", "problem"),
                List.of(out.schema().fieldNames()));
        assertEquals(SQLDataTypes.VectorType(), out.schema().apply("vec").dataType());

        List<String> good = new ArrayList<>(texts);
        good.remove(2);
        List<Prediction> expected;
        try (MultiTaskModel m = MultiTaskModel.load(model)) {
            expected = m.predict(good, EnumSet.of(Output.EMBEDDING));
        }
        for (Row r : byKey(out)) {
            int key = r.getInt(0);
            if (key == 2) {
                assertNull(r.getAs("vec"));
                assertEquals("text is null", r.getAs("problem"));
                continue;
            }
            float[] e = expected.get(key < 2 ? key : key - 1).embedding();
            double[] v = r.<Vector>getAs("vec").toArray();
            assertEquals(e.length, v.length);
            for (int k = 0; k < e.length; k++) {
                assertEquals(e[k], v[k], 1e-6, "key " + key + " [" + k + "]");
            }
            assertNull(r.getAs("problem"));
        }
    }

    @Test
    void badParamsAreNamedBeforeAnythingRuns() {
        Dataset<Row> in = input(SparkTestSupport.spark(), List.of("play"));
        MtlTransformer t = new MtlTransformer().setModelPath(model.toString()).setInputCol("sentence");
        assertEquals(
                "outputs: unknown output 'embeddings'; valid outputs: embedding, classification, ner",
                assertThrows(IllegalArgumentException.class, () -> t.setOutputs("embedding", "embeddings"))
                        .getMessage());
        // Set past the setter (a ParamMap, as a loaded pipeline or a grid would): transform names it too.
        ParamMap bad = ParamMap.empty().put(t.outputs().w(List.of("nerr")));
        assertEquals(
                "outputs: unknown output 'nerr'; valid outputs: embedding, classification, ner",
                assertThrows(IllegalArgumentException.class, () -> t.transform(in, bad))
                        .getMessage());
        assertEquals(
                "maxChars must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> t.setMaxChars(0))
                        .getMessage());
        String viaMap = assertThrows(
                        IllegalArgumentException.class, () -> t.batchSize().w(0))
                .getMessage();
        assertTrue(viaMap.contains("parameter batchSize given invalid value 0"), viaMap);
        assertEquals(
                "output columns repeat a name: embedding, intent_label, intent_scores, slots_entities, embedding",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> t.copy(ParamMap.empty().put(t.errorCol().w("embedding")))
                                        .transformSchema(in.schema()))
                        .getMessage());
        String missing = assertThrows(
                        RuntimeException.class,
                        () -> new MtlTransformer()
                                .setModelPath(tmp.resolve("no-such-model").toString())
                                .setInputCol("sentence")
                                .transformSchema(in.schema()))
                .getMessage();
        assertEquals(tmp.resolve("no-such-model") + ": model directory not found", missing);
    }

    @Test
    void copyTakesExtraParamsAndLeavesTheOriginalAlone() {
        MtlTransformer t = new MtlTransformer().setModelPath(model.toString());
        MtlTransformer c = t.copy(ParamMap.empty().put(t.inputCol().w("sentence")));
        assertNotSame(t, c);
        assertEquals(t.uid(), c.uid());
        assertEquals("sentence", c.getInputCol());
        assertEquals("text", t.getInputCol());
        assertEquals(model.toString(), c.getModelPath());
        assertEquals(
                List.of("key", "sentence", "embedding", "intent_label", "intent_scores", "slots_entities", "error"),
                List.of(c.transformSchema(
                                input(SparkTestSupport.spark(), List.of("x")).schema())
                        .fieldNames()));
    }
}
