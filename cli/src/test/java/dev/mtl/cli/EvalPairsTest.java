package dev.mtl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.MultiTaskModel;
import dev.mtl.TestModels;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.EmbeddingLoss;
import dev.mtl.config.TaskConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mtl eval} on sentence pairs, with a tiny random model that has embedding tasks. */
class EvalPairsTest {

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
                        TaskConfig.embedding("sts", EmbeddingLoss.COSENT, List.of()),
                        TaskConfig.embedding("para", EmbeddingLoss.MNRL, List.of())),
                64)) {
            m.save(model);
        }
    }

    private int run(String... args) {
        return Main.run(args, new PrintWriter(err, true));
    }

    private String error(String... args) {
        assertEquals(Main.EXIT_FAILURE, run(args), err.toString());
        return err.toString().strip();
    }

    private Path write(String name, String... lines) throws Exception {
        return Files.write(tmp.resolve(name), List.of(lines));
    }

    private static final String SCORED = "{\"text\": \"play jazz\", \"text_pair\": \"play some jazz\", \"score\": 0.9}";
    private static final String ANCHORED = "{\"anchor\": \"is it sunny\", \"positive\": \"weather today\"}";

    @Test
    void aPairWithoutAScoreAmongScoredPairsIsNamed() throws Exception {
        Path data = write("pairs.jsonl", SCORED, "{\"text\": \"is it sunny\", \"text_pair\": \"weather today\"}");
        assertEquals(
                "mtl eval: " + data + ":2: no score, where other pairs have one (score every pair, or none to "
                        + "measure retrieval)",
                error("eval", "--model", model.toString(), "--data", data.toString()));
    }

    @Test
    void aSingleTextAmongPairsIsNamed() throws Exception {
        Path data = write("pairs.jsonl", ANCHORED, "{\"text\": \"play jazz\", \"label\": \"PlayMusic\"}");
        assertEquals(
                "mtl eval: " + data + ":2: no sentence pair, in data of sentence pairs",
                error("eval", "--model", model.toString(), "--data", data.toString()));
    }

    @Test
    void feedsScoreAnMnrlTaskFromPositivePairs() throws Exception {
        Path data = write("pairs.jsonl", ANCHORED, "{\"anchor\": \"play jazz\", \"positive\": \"some jazz\"}");
        Path out = tmp.resolve("m.json");
        assertEquals(
                0,
                run(
                        "eval",
                        "--model",
                        model.toString(),
                        "--data",
                        data.toString(),
                        "--feeds",
                        "para=pair",
                        "--output",
                        out.toString()),
                err.toString());
        JsonNode para = json.readTree(out.toFile()).get("tasks").get("para");
        assertEquals("embedding", para.get("kind").asText());
        assertEquals(2, para.get("queries").asInt());
        assertTrue(para.get("mrr@10").isNumber(), para.toString());
    }

    @Test
    void feedsOfTheWrongFieldOrMissingScoresAreNamed() throws Exception {
        Path data = write("pairs.jsonl", SCORED, "{\"text\": \"is it sunny\", \"text_pair\": \"weather today\"}");
        assertEquals(
                "mtl eval: --feeds: task 'sts' is embedding (loss cosent), scored from 'score', not 'pair'",
                error("eval", "--model", model.toString(), "--data", data.toString(), "--feeds", "sts=pair"));
        err.getBuffer().setLength(0);
        assertEquals(
                "mtl eval: " + data + ":2: no score for task 'sts'",
                error("eval", "--model", model.toString(), "--data", data.toString(), "--feeds", "sts=score"));
    }

    @Test
    void predictionsOfPairDataAreAnError() throws Exception {
        Path data = write("pairs.jsonl", SCORED);
        assertEquals(
                "mtl eval: --predictions: pair data has no token predictions (it scores the embedding)",
                error(
                        "eval",
                        "--model",
                        model.toString(),
                        "--data",
                        data.toString(),
                        "--predictions",
                        tmp.resolve("p.conll").toString()));
    }

    @Test
    void helpNamesThePairFormatAndFields() {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, run("eval", "--help"), err.toString());
        } finally {
            System.setOut(saved);
        }
        String help = buf.toString(StandardCharsets.UTF_8).replaceAll("\\s+", " ");
        assertTrue(help.contains("sentence pairs"), help);
        assertTrue(help.contains("jsonl, stsb"), help);
        assertTrue(help.contains("label, tags, score or pair"), help);
    }
}
