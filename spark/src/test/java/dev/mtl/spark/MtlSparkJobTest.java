package dev.mtl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job on local[2] against {@code mtl predict} (run in-process) on the same texts. */
class MtlSparkJobTest {

    @TempDir
    static Path tmp;

    static Path model;
    static SparkSession spark;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void setUp() throws IOException {
        model = SparkTestSupport.writeTinyModel(tmp);
        spark = SparkTestSupport.spark();
    }

    /** What {@code mtl predict} writes for these texts (its JSON form of each prediction), one per text. */
    static List<JsonNode> reference(List<String> texts, String name) throws IOException {
        List<JsonNode> ref = new ArrayList<>();
        try (dev.mtl.MultiTaskModel m = dev.mtl.MultiTaskModel.load(model)) {
            for (dev.mtl.Prediction p : m.predict(texts, m.availableOutputs())) {
                ref.add(JSON.valueToTree(dev.mtl.PredictionJson.toJson(p)));
            }
        }
        assertEquals(texts.size(), ref.size());
        return ref;
    }

    static int job(String... args) {
        StringWriter err = new StringWriter();
        int rc = MtlSparkJob.run(args, spark, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        lastErr = err.toString();
        return rc;
    }

    static String lastErr;

    /** Our output row (as JSON) against the reference: labels, scores, entities, embedding. */
    static void assertSamePrediction(JsonNode ref, JsonNode row) {
        String where = "text '" + ref.get("text").asText() + "'";
        assertEquals(ref.get("text").asText(), row.get("text").asText());
        assertTrue(row.get("error").isNull(), where + ": " + row.get("error"));
        JsonNode cls = ref.get("classification").get("intent");
        assertEquals(cls.get("label").asText(), row.get("intent_label").asText(), where);
        assertEquals(cls.get("scores").size(), row.get("intent_scores").size(), where);
        for (Iterator<String> it = cls.get("scores").fieldNames(); it.hasNext(); ) {
            String label = it.next();
            assertEquals(
                    cls.get("scores").get(label).asDouble(),
                    row.get("intent_scores").get(label).asDouble(),
                    1e-6,
                    where + " score of " + label);
        }
        JsonNode ents = ref.get("entities");
        JsonNode ours = row.get("slots_entities");
        assertEquals(ents.size(), ours.size(), where + ": " + ents + " vs " + ours);
        for (int i = 0; i < ents.size(); i++) {
            JsonNode a = ents.get(i);
            JsonNode b = ours.get(i);
            assertEquals(a.get("start").asInt(), b.get("start").asInt(), where);
            assertEquals(a.get("end").asInt(), b.get("end").asInt(), where);
            assertEquals(a.get("label").asText(), b.get("label").asText(), where);
            assertEquals(a.get("text").asText(), b.get("text").asText(), where);
            // mtl predict rounds entity scores to 4 decimals.
            assertEquals(a.get("score").asDouble(), b.get("score").asDouble(), 0.5e-4 + 1e-6, where);
        }
        JsonNode ea = ref.get("embedding");
        JsonNode eb = row.get("embedding");
        assertEquals(ea.size(), eb.size());
        for (int i = 0; i < ea.size(); i++) {
            assertEquals(ea.get(i).asDouble(), eb.get(i).asDouble(), 1e-6, where + " embedding[" + i + "]");
        }
    }

    /** The lines of a Spark JSON output directory, part files in name (= partition) order. */
    static List<JsonNode> readJsonParts(Path dir) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        try (Stream<Path> parts = Files.list(dir)) {
            for (Path p : parts.filter(p -> p.getFileName().toString().startsWith("part-"))
                    .sorted()
                    .toList()) {
                for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                    rows.add(JSON.readTree(line));
                }
            }
        }
        return rows;
    }

    @Test
    void textInputToParquetEqualsMtlPredictWithTypedColumns() throws IOException {
        List<String> texts = SparkTestSupport.sentences();
        Path in = tmp.resolve("texts.txt");
        Files.writeString(in, String.join("\n", texts) + "\n", StandardCharsets.UTF_8);
        Path out = tmp.resolve("out.parquet");
        assertEquals(
                0, job("--input", in.toString(), "--output", out.toString(), "--model", model.toString()), lastErr);

        List<Row> rows = spark.read().parquet(out.toString()).orderBy("id").collectAsList();
        StructType schema = rows.get(0).schema();
        assertEquals(
                List.of("id", "text", "embedding", "intent_label", "intent_scores", "slots_entities", "error"),
                List.of(schema.fieldNames()));
        assertEquals("bigint", schema.apply("id").dataType().simpleString());
        assertEquals("array<float>", schema.apply("embedding").dataType().simpleString());
        assertEquals(
                "map<string,float>", schema.apply("intent_scores").dataType().simpleString());
        assertEquals(
                "array<struct<start:int,end:int,label:string,text:string,score:float>>",
                schema.apply("slots_entities").dataType().simpleString());

        List<JsonNode> ref = reference(texts, "texts");
        assertEquals(texts.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(i, rows.get(i).getLong(0), "ids are line positions");
            assertSamePrediction(ref.get(i), JSON.readTree(rows.get(i).json()));
        }
        // The entity offsets are code points: the emoji line has entities after a surrogate pair.
        JsonNode emoji = JSON.readTree(rows.get(texts.size() - 1).json());
        int[] cps = emoji.get("text").asText().codePoints().toArray();
        for (JsonNode e : emoji.get("slots_entities")) {
            assertEquals(
                    e.get("text").asText(),
                    new String(
                            cps,
                            e.get("start").asInt(),
                            e.get("end").asInt() - e.get("start").asInt()));
        }
    }

    @Test
    void jsonlOutputKeepsInputOrderAcrossPartitions() throws IOException {
        List<String> texts = SparkTestSupport.sentences();
        Path in = tmp.resolve("order.txt");
        Files.writeString(in, String.join("\n", texts) + "\n", StandardCharsets.UTF_8);
        assertTrue(
                spark.read().text(in.toString()).rdd().getNumPartitions() >= 4,
                "the input should span several partitions");
        Path out = tmp.resolve("order.jsonl");
        assertEquals(
                0,
                job(
                        "--input",
                        in.toString(),
                        "--output",
                        out.toString(),
                        "--output-format",
                        "jsonl",
                        "--model",
                        model.toString(),
                        "--chunk-size",
                        "7"),
                lastErr);
        List<JsonNode> rows = readJsonParts(out);
        List<JsonNode> ref = reference(texts, "order");
        assertEquals(texts.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(i, rows.get(i).get("id").asLong(), "row " + i + " in file order");
            assertSamePrediction(ref.get(i), rows.get(i));
        }
    }

    @Test
    void badRowsGetAnErrorAndTheRestIsIntact() throws IOException {
        List<String> good = List.of("play the music", "weather in new york", "book a table for two 😀");
        String lines = String.join(
                        "\n",
                        "{\"id\":\"a\",\"text\":\"" + good.get(0) + "\"}",
                        "{\"id\":\"nul\",\"text\":null}",
                        "{\"id\":\"empty\",\"text\":\"\"}",
                        "{\"id\":\"b\",\"text\":\"" + good.get(1) + "\"}",
                        "{\"id\":\"long\",\"text\":\"" + "play ".repeat(30) + "\"}",
                        "{\"id\":\"broken\",\"text\":\"unterminated",
                        "{\"id\":\"c\",\"text\":\"" + good.get(2) + "\"}")
                + "\n";
        Path in = tmp.resolve("mixed.jsonl");
        Files.writeString(in, lines, StandardCharsets.UTF_8);
        Path out = tmp.resolve("mixed.jsonl.out");
        StringWriter stdout = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(
                0,
                MtlSparkJob.run(
                        new String[] {
                            "--input",
                            in.toString(),
                            "--format",
                            "jsonl",
                            "--id-col",
                            "id",
                            "--output",
                            out.toString(),
                            "--output-format",
                            "jsonl",
                            "--model",
                            model.toString(),
                            "--max-chars",
                            "100"
                        },
                        spark,
                        new PrintWriter(stdout, true),
                        new PrintWriter(err, true)),
                err.toString());
        assertTrue(stdout.toString().contains("rows: 7, ok: 3, bad rows: 4"), stdout.toString());

        List<JsonNode> rows = readJsonParts(out);
        // A line Spark cannot parse has no id; its error quotes the line's start instead.
        assertEquals(
                List.of("a", "nul", "empty", "b", "long", "<none>", "c"),
                rows.stream()
                        .map(r -> r.get("id").isNull() ? "<none>" : r.get("id").asText())
                        .toList());
        assertEquals("text is null", rows.get(1).get("error").asText());
        assertEquals("text is empty", rows.get(2).get("error").asText());
        assertEquals(
                "text has 150 characters, over the limit of 100 (--max-chars)",
                rows.get(4).get("error").asText());
        assertTrue(
                rows.get(5).get("error").asText().startsWith("malformed JSON line: {\"id\":\"broken\""),
                rows.get(5).get("error").asText());
        for (int i : new int[] {1, 2, 4, 5}) {
            for (String col : List.of("embedding", "intent_label", "intent_scores", "slots_entities")) {
                assertTrue(rows.get(i).get(col).isNull(), "row " + i + " column " + col);
            }
        }
        List<JsonNode> ref = reference(good, "mixed");
        assertSamePrediction(ref.get(0), rows.get(0));
        assertSamePrediction(ref.get(1), rows.get(3));
        assertSamePrediction(ref.get(2), rows.get(6));
    }

    @Test
    void parquetInputWithIdColumnAndATaskSubset() throws IOException {
        List<String> texts = SparkTestSupport.sentences().subList(0, 12);
        List<Row> in = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            in.add(org.apache.spark.sql.RowFactory.create(1000 + i, texts.get(i)));
        }
        StructType schema = new StructType().add("doc", "int").add("body", "string");
        Path inDir = tmp.resolve("in.parquet");
        spark.createDataFrame(in, schema)
                .repartition(3)
                .sortWithinPartitions("doc")
                .write()
                .parquet(inDir.toString());
        Path out = tmp.resolve("ner.parquet");
        assertEquals(
                0,
                job(
                        "--input",
                        inDir.toString(),
                        "--format",
                        "parquet",
                        "--text-col",
                        "body",
                        "--id-col",
                        "doc",
                        "--tasks",
                        "ner",
                        "--output",
                        out.toString(),
                        "--model",
                        model.toString()),
                lastErr);
        List<Row> rows = spark.read().parquet(out.toString()).orderBy("id").collectAsList();
        assertEquals(
                List.of("id", "text", "slots_entities", "error"),
                List.of(rows.get(0).schema().fieldNames()));
        List<JsonNode> ref = reference(texts, "ner");
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(1000 + i, rows.get(i).getInt(0));
            JsonNode row = JSON.readTree(rows.get(i).json());
            assertEquals(texts.get(i), row.get("text").asText());
            assertEquals(
                    ref.get(i).get("entities").size(), row.get("slots_entities").size());
            for (int k = 0; k < row.get("slots_entities").size(); k++) {
                assertEquals(
                        ref.get(i).get("entities").get(k).get("start"),
                        row.get("slots_entities").get(k).get("start"));
                assertEquals(
                        ref.get(i).get("entities").get(k).get("label"),
                        row.get("slots_entities").get(k).get("label"));
            }
        }
    }

    @Test
    void usageErrorsAreOneLine() throws IOException {
        Path in = tmp.resolve("one.jsonl");
        Files.writeString(in, "{\"body\":\"x\"}\n");
        assertEquals(
                1,
                job(
                        "--input",
                        in.toString(),
                        "--format",
                        "jsonl",
                        "--output",
                        tmp.resolve("never").toString(),
                        "--model",
                        model.toString()));
        assertEquals("mtl-spark: " + in + ": no column 'text' (--text-col); columns: body", lastErr.strip());
        assertFalse(Files.exists(tmp.resolve("never")));
        assertEquals(2, job("--input", in.toString(), "--format", "csv", "--output", "x"));
        assertTrue(lastErr.contains("--format: unknown 'csv'; valid: text, jsonl, parquet"), lastErr);
    }
}
