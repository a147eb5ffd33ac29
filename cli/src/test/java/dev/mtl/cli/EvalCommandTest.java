package dev.mtl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.MultiTaskModel;
import dev.mtl.TestModels;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.TaskConfig;
import dev.mtl.data.Example;
import dev.mtl.data.Field;
import dev.mtl.data.JointBertReader;
import dev.mtl.eval.ClassificationReport;
import dev.mtl.eval.NerReport;
import dev.mtl.train.Evaluator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mtl eval} end to end on a tiny random two-head model and a JointBERT fixture. */
class EvalCommandTest {

    /** Mixed lengths (2 to 6 words) so padding matters; both intents and a two-word artist. */
    static final List<String> SEQ_IN = List.of(
            "play the music of adele",
            "weather in new york",
            "play taylor swift",
            "is it sunny",
            "play some jazz by miles davis now");

    static final List<String> SEQ_OUT =
            List.of("O O O O B-artist", "O O O O", "O B-artist I-artist", "O O O", "O O O O B-artist I-artist O");
    static final List<String> LABEL = List.of("PlayMusic", "GetWeather", "PlayMusic", "GetWeather", "PlayMusic");

    @TempDir
    Path tmp;

    Path model;
    Path data;
    final StringWriter err = new StringWriter();
    final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void writeModelAndData() throws Exception {
        model = tmp.resolve("model");
        try (MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp.resolve("v")),
                EmbeddingConfig.sentenceTransformers(),
                List.of(
                        TaskConfig.classification("intent", List.of("PlayMusic", "GetWeather")),
                        TaskConfig.ner("slots", List.of("O", "B-artist", "I-artist"), false)),
                64)) {
            m.save(model);
        }
        data = writeJointBert(tmp.resolve("test"), SEQ_IN, SEQ_OUT, LABEL);
    }

    static Path writeJointBert(Path dir, List<String> in, List<String> out, List<String> label) throws Exception {
        Files.createDirectories(dir);
        Files.write(dir.resolve("seq.in"), in);
        Files.write(dir.resolve("seq.out"), out);
        Files.write(dir.resolve("label"), label);
        return dir;
    }

    private int run(String... args) {
        return Main.run(args, new PrintWriter(err, true));
    }

    /** Runs with stdout captured; returns what it printed. */
    private String runCapturing(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, run(args), err.toString());
        } finally {
            System.setOut(saved);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private Evaluator.Scores reference(Path dir) throws Exception {
        List<Example> examples = new JointBertReader().read(dir);
        try (MultiTaskModel m = MultiTaskModel.load(model)) {
            return Evaluator.evaluate(
                    m, examples, Map.of("intent", Field.LABEL, "slots", Field.TAGS), m.defaultOptions(), null, "ref");
        }
    }

    @Test
    void metricsEqualTheEvaluatorsInTheTableAndTheJson() throws Exception {
        Path metrics = tmp.resolve("out/metrics.json");
        String table = runCapturing(
                "eval", "--model", model.toString(), "--data", data.toString(), "--output", metrics.toString());
        Evaluator.Scores ref = reference(data);
        ClassificationReport intent = ref.classification().get("intent");
        NerReport slots = ref.ner().get("slots");

        JsonNode doc = json.readTree(metrics.toFile());
        assertEquals("jointbert", doc.get("format").asText());
        assertEquals(5, doc.get("examples").asInt());
        JsonNode i = doc.get("tasks").get("intent");
        assertEquals("classification", i.get("kind").asText());
        assertEquals(intent.accuracy(), i.get("accuracy").asDouble());
        assertEquals(intent.macroF1(), i.get("macro_f1").asDouble());
        assertEquals(json.valueToTree(intent.toMap()).get("per_class"), i.get("per_class"));
        JsonNode s = doc.get("tasks").get("slots");
        assertEquals("ner", s.get("kind").asText());
        assertEquals(json.valueToTree(slots.toMap()).get("overall"), s.get("overall"));
        assertEquals(json.valueToTree(slots.toMap()).get("per_type"), s.get("per_type"));
        assertEquals(slots.overall().gold(), s.get("overall").get("gold").asInt());
        assertEquals(3, slots.overall().gold()); // adele, taylor swift, miles davis

        assertTrue(
                table.contains(String.format(
                        Locale.ROOT,
                        "accuracy %6.2f   macro-F1 %6.2f",
                        100 * intent.accuracy(),
                        100 * intent.macroF1())),
                table);
        assertTrue(
                table.lines()
                        .anyMatch(l -> l.strip()
                                .matches(String.format(
                                        Locale.ROOT,
                                        "overall\\s+%.2f\\s+%.2f\\s+%.2f\\s+3\\s+%d\\s+%d",
                                        100 * slots.overall().precision(),
                                        100 * slots.overall().recall(),
                                        100 * slots.overall().f1(),
                                        slots.overall().predicted(),
                                        slots.overall().correct()))),
                table);
        assertTrue(
                table.lines().anyMatch(l -> l.strip().matches("PlayMusic\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+\\s+3")),
                table);
    }

    @Test
    void jsonToStdoutMovesTheTableToStderr() throws Exception {
        PrintStream saved = System.err;
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        String out;
        try {
            out = runCapturing("eval", "--model", model.toString(), "--data", data.toString(), "--output", "-");
        } finally {
            System.setErr(saved);
        }
        JsonNode doc = json.readTree(out);
        assertEquals(
                reference(data).classification().get("intent").accuracy(),
                doc.get("tasks").get("intent").get("accuracy").asDouble());
        assertTrue(
                stderr.toString(StandardCharsets.UTF_8).contains("intent (classification, 5 examples)"),
                stderr.toString());
    }

    @Test
    void predictionsAreOneWordPerLineWithGoldAndPredictedAndBlankLinesBetweenSentences() throws Exception {
        Path pred = tmp.resolve("pred.conll");
        runCapturing("eval", "--model", model.toString(), "--data", data.toString(), "--predictions", pred.toString());
        List<String> lines = Files.readAllLines(pred);
        int words = SEQ_IN.stream().mapToInt(l -> l.split(" ").length).sum();
        assertEquals(words + SEQ_IN.size(), lines.size());
        int line = 0;
        for (int s = 0; s < SEQ_IN.size(); s++) {
            String[] w = SEQ_IN.get(s).split(" ");
            String[] gold = SEQ_OUT.get(s).split(" ");
            for (int t = 0; t < w.length; t++) {
                String[] cols = lines.get(line++).split(" ");
                assertEquals(3, cols.length, lines.get(line - 1));
                assertEquals(w[t], cols[0]);
                assertEquals(gold[t], cols[1]);
                assertTrue(List.of("O", "B-artist", "I-artist").contains(cols[2]), cols[2]);
            }
            assertEquals("", lines.get(line++));
        }
    }

    @Test
    void labelsTheModelNeverSawAreErrorsNotCrashes() throws Exception {
        Path unseen = writeJointBert(
                tmp.resolve("unseen"),
                List.of("book a table in york", "play adele"),
                List.of("O O O O B-city", "O B-artist"),
                List.of("BookRestaurant", "PlayMusic"));
        Path metrics = tmp.resolve("m.json");
        runCapturing("eval", "--model", model.toString(), "--data", unseen.toString(), "--output", metrics.toString());
        JsonNode tasks = json.readTree(metrics.toFile()).get("tasks");
        double accuracy = tasks.get("intent").get("accuracy").asDouble();
        assertTrue(accuracy <= 0.5, "BookRestaurant can never be predicted: " + accuracy);
        assertEquals(reference(unseen).classification().get("intent").accuracy(), accuracy);
        JsonNode book = null;
        for (JsonNode c : tasks.get("intent").get("per_class")) {
            if (c.get("label").asText().equals("BookRestaurant")) {
                book = c;
            }
        }
        assertEquals(1, book.get("support").asInt());
        assertEquals(0.0, book.get("recall").asDouble());
        JsonNode city = tasks.get("slots").get("per_type").get("city");
        assertEquals(1, city.get("gold").asInt());
        assertEquals(0, city.get("correct").asInt());
    }

    @Test
    void unknownTaskAndWrongFieldInFeedsAreNamedOnOneLine() throws Exception {
        assertEquals(
                Main.EXIT_FAILURE,
                run(
                        "eval",
                        "--model",
                        model.toString(),
                        "--data",
                        data.toString(),
                        "--feeds",
                        "intent=tags,sentiment=label"));
        assertEquals(
                "mtl eval: --feeds: task 'intent' is classification, scored from 'label', not 'tags'; "
                        + "unknown task 'sentiment' (model tasks: intent, slots)",
                err.toString().strip());
    }

    @Test
    void feedsTheFormatCannotGiveAreNamed() throws Exception {
        Path csv = tmp.resolve("test.csv");
        Files.writeString(csv, "text,label\nplay adele,PlayMusic\n");
        assertEquals(
                Main.EXIT_FAILURE,
                run(
                        "eval",
                        "--model",
                        model.toString(),
                        "--data",
                        csv.toString(),
                        "--feeds",
                        "slots=tags,intent=lable"));
        assertEquals(
                "mtl eval: --feeds: format csv has no 'tags' field for task 'slots' (it has: label, score, pair); "
                        + "'intent=lable': unknown field 'lable' (label, tags, score or pair)",
                err.toString().strip());
    }

    @Test
    void defaultFeedsScoreOnlyWhatTheFormatGives() throws Exception {
        Path csv = tmp.resolve("test.csv");
        Files.writeString(csv, "text,label\nplay adele,PlayMusic\nis it sunny,GetWeather\nweather now,Other\n");
        Path metrics = tmp.resolve("m.json");
        runCapturing("eval", "--model", model.toString(), "--data", csv.toString(), "--output", metrics.toString());
        JsonNode tasks = json.readTree(metrics.toFile()).get("tasks");
        assertEquals(List.of("intent"), List.copyOf(iterable(tasks.fieldNames())));
        assertEquals(3, tasks.get("intent").get("total").asInt());
        assertTrue(tasks.get("intent").get("accuracy").asDouble() < 1);
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void missingDataIsOneLine() {
        Path missing = tmp.resolve("nope");
        assertEquals(Main.EXIT_FAILURE, run("eval", "--model", model.toString(), "--data", missing.toString()));
        assertEquals(
                "mtl eval: --data " + missing + ": no such file or directory",
                err.toString().strip());
    }

    @Test
    void unknownExtensionAndUnknownOptionAreOneLine() throws Exception {
        Path txt = tmp.resolve("test.txt");
        Files.writeString(txt, "play O\n");
        assertEquals(Main.EXIT_FAILURE, run("eval", "--model", model.toString(), "--data", txt.toString()));
        assertEquals(
                "mtl eval: --data " + txt + ": cannot tell the format from the name; give --format "
                        + "(one of jointbert, conll, csv, tsv, label_prefix, jsonl, stsb)",
                err.toString().strip());
        err.getBuffer().setLength(0);
        assertEquals(
                Main.EXIT_FAILURE,
                run(
                        "eval",
                        "--model",
                        model.toString(),
                        "--data",
                        txt.toString(),
                        "--format",
                        "conll",
                        "--option",
                        "schema=iob2"));
        assertEquals(
                "mtl eval: --option schema: unknown for format conll; allowed: scheme",
                err.toString().strip());
    }

    @Test
    void theEmbeddedModelByDefaultHasNothingToScoreAndSaysSoOnOneLine() {
        String expected = "mtl eval: --model default: no classification or NER task to score "
                + "(the embedded all-MiniLM-L6-v2 gives embeddings only); give a model saved by mtl train, or sentence pairs to score the embedding";
        assertEquals(Main.EXIT_FAILURE, run("eval", "--data", data.toString()));
        assertEquals(expected, err.toString().strip());
        err.getBuffer().setLength(0);
        assertEquals(
                Main.EXIT_FAILURE,
                run("eval", "--model", "default", "--data", data.toString(), "--feeds", "intent=label"));
        assertEquals(expected, err.toString().strip());
    }

    @Test
    void sentencePairsScoreTheEmbeddingWhateverTasksTheModelHas() throws Exception {
        // The STS Benchmark's layout (tab-separated, named .csv): the format is recognised from the content.
        Path sts = tmp.resolve("sts-dev.csv");
        Files.write(
                sts,
                List.of(
                        "g\tf\t2012\t1\t5.0\tplay the music\tplay the music",
                        "g\tf\t2012\t2\t1.0\tweather in new york\tplay some jazz",
                        "g\tf\t2012\t3\t3.5\tplay taylor swift\tplay swift now",
                        "g\tf\t2012\t4\t0.0\tis it sunny\tthe music of adele"));
        Path out = tmp.resolve("m.json");
        String table =
                runCapturing("eval", "--model", model.toString(), "--data", sts.toString(), "--output", out.toString());
        JsonNode metrics = json.readTree(out.toFile()).get("embedding");
        assertEquals("stsb", json.readTree(out.toFile()).get("format").asText());
        assertEquals(4, metrics.get("pairs").asInt());
        try (MultiTaskModel m = MultiTaskModel.load(model)) {
            var direct = dev.mtl.train.EmbeddingEvaluator.evaluate(
                    m, new dev.mtl.data.StsbReader().read(sts), dev.mtl.data.Field.SCORE, m.defaultOptions());
            assertEquals(direct.get("spearman"), metrics.get("spearman").asDouble(), 1e-12);
            assertEquals(direct.get("pearson"), metrics.get("pearson").asDouble(), 1e-12);
            assertTrue(
                    table.contains(String.format(Locale.ROOT, "spearman %6.2f", 100 * direct.get("spearman"))), table);
        }
    }
}
