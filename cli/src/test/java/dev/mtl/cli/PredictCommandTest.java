package dev.mtl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.InferenceOptions;
import dev.mtl.MultiTaskModel;
import dev.mtl.TestModels;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.Output;
import dev.mtl.config.TaskConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mtl predict} end to end on a tiny two-head model directory. */
class PredictCommandTest {

    @TempDir
    Path tmp;

    Path model;
    final StringWriter err = new StringWriter();
    final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void writeModel() throws Exception {
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
    }

    private int run(String... args) {
        return Main.run(args, new PrintWriter(err, true));
    }

    @Test
    void rawTextGivesAllOutputsWithCodePointOffsets() throws Exception {
        Path in = tmp.resolve("in.txt");
        Files.writeString(in, "play 😀 the music\n\nnew york\n", StandardCharsets.UTF_8);
        Path out = tmp.resolve("out.jsonl");
        assertEquals(
                0,
                run("predict", "--model", model.toString(), "--input", in.toString(), "--output", out.toString()),
                err.toString());
        List<String> lines = Files.readAllLines(out);
        assertEquals(3, lines.size());
        JsonNode first = json.readTree(lines.get(0));
        assertEquals("play 😀 the music", first.get("text").asText());
        assertEquals(4, first.get("tokens").size());
        assertEquals(4, first.get("tags").size());
        assertEquals(32, first.get("embedding").size());
        assertEquals(2, first.get("classification").get("intent").get("scores").size());
        for (JsonNode e : first.get("entities")) {
            int[] cps = first.get("text").asText().codePoints().toArray();
            String byCodePoints = new String(
                    cps,
                    e.get("start").asInt(),
                    e.get("end").asInt() - e.get("start").asInt());
            assertEquals(e.get("text").asText(), byCodePoints);
        }
        JsonNode empty = json.readTree(lines.get(1));
        assertEquals("", empty.get("text").asText());
        assertEquals(0, empty.get("tags").size());
    }

    @Test
    void pretokenizedGivesOneTagPerWordAndTaskSubsetsAreHonoured() throws Exception {
        Path in = tmp.resolve("in.txt");
        Files.writeString(in, "play  the\tmusic  \nnew york\n");
        Path out = tmp.resolve("out.jsonl");
        assertEquals(
                0,
                run(
                        "predict",
                        "--model",
                        model.toString(),
                        "--input",
                        in.toString(),
                        "--output",
                        out.toString(),
                        "--pretokenized",
                        "--tasks",
                        "ner"),
                err.toString());
        JsonNode first = json.readTree(Files.readAllLines(out).get(0));
        assertEquals(3, first.get("tags").size());
        assertEquals("play the music", first.get("text").asText());
        assertFalse(first.has("embedding"));
        assertFalse(first.has("classification"));
    }

    @Test
    void unknownOutputIsOneLineListingTheValidOnes() throws Exception {
        Path in = tmp.resolve("in.txt");
        Files.writeString(in, "x\n");
        assertEquals(
                Main.EXIT_FAILURE,
                run(
                        "predict",
                        "--model",
                        model.toString(),
                        "--input",
                        in.toString(),
                        "--output",
                        tmp.resolve("o").toString(),
                        "--outputs",
                        "embedding,sentiment"));
        assertEquals(
                "mtl predict: unknown output 'sentiment'; valid outputs: embedding, classification, ner",
                err.toString().strip());
        assertTrue(Files.notExists(tmp.resolve("o")));
    }

    @Test
    void inferenceFlagsReachTheModel() throws Exception {
        String text = "play the music new york play the music loudly";
        Path in = tmp.resolve("in.txt");
        Files.writeString(in, text + "\n");
        Path out = tmp.resolve("out.jsonl");
        assertEquals(
                0,
                run(
                        "predict",
                        "--model",
                        model.toString(),
                        "--input",
                        in.toString(),
                        "--output",
                        out.toString(),
                        "--tasks",
                        "embedding",
                        "--max-length",
                        "5",
                        "--truncate",
                        "--batch-size",
                        "1"),
                err.toString());
        JsonNode e = json.readTree(Files.readAllLines(out).get(0)).get("embedding");
        float[] got = new float[e.size()];
        for (int h = 0; h < got.length; h++) {
            got[h] = (float) e.get(h).asDouble();
        }
        try (MultiTaskModel m = MultiTaskModel.load(model)) {
            Set<Output> embedding = EnumSet.of(Output.EMBEDDING);
            InferenceOptions cut =
                    m.defaultOptions().withMaxLength(5).withTruncate(true).withBatchSize(1);
            float[] expected =
                    m.predict(List.of(text), embedding, cut, n -> {}).get(0).embedding();
            float[] whole = m.predict(List.of(text), embedding).get(0).embedding();
            assertArrayEquals(expected, got, 1e-6f);
            assertFalse(Arrays.equals(whole, got), "the 5-token cut changes the vector");
        }
    }

    @Test
    void badInferenceFlagsAreOneLineNamingTheFlag() throws Exception {
        Path in = tmp.resolve("in.txt");
        Files.writeString(in, "x\n");
        String[] base = {
            "predict",
            "--model",
            model.toString(),
            "--input",
            in.toString(),
            "--output",
            tmp.resolve("o").toString()
        };
        assertEquals(Main.EXIT_FAILURE, run(concat(base, "--batch-size", "0")));
        assertEquals(
                "mtl predict: --batch-size must be >= 1, got 0", err.toString().strip());
        err.getBuffer().setLength(0);
        assertEquals(Main.EXIT_FAILURE, run(concat(base, "--max-length", "100000")));
        assertTrue(
                err.toString()
                        .strip()
                        .matches("mtl predict: --max-length must be at most the model's "
                                + "max_position_embeddings \\d+, got 100000"),
                err.toString());
        assertTrue(Files.notExists(tmp.resolve("o")));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
