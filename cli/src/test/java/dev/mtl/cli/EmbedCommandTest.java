package dev.mtl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.Backbone;
import dev.mtl.SentenceEncoder;
import dev.mtl.TestModels;
import dev.mtl.weights.SafeTensors;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mtl embed} end to end on a tiny model directory: output, order, and every bad-input case. */
class EmbedCommandTest {

    @TempDir
    Path tmp;

    Path model;
    final StringWriter err = new StringWriter();

    @BeforeEach
    void writeModel() throws Exception {
        model = tmp.resolve("model");
        try (Backbone b = TestModels.tinyBackbone(tmp.resolve("src"))) {
            TestModels.writeVocab(model);
            b.config().write(model.resolve("config.json"));
            SafeTensors.write(model.resolve("model.safetensors"), b.parameters().toTensors(), Map.of());
        }
    }

    private int run(String... args) {
        return Main.run(args, new PrintWriter(err, true));
    }

    @Test
    void oneJsonLinePerInputLineInOrderWithEmptyLinesKept() throws Exception {
        Path in = tmp.resolve("in.txt");
        List<String> texts = List.of("the music", "", "new york playing the music loudly", "play");
        Files.write(in, texts, StandardCharsets.UTF_8);
        Path out = tmp.resolve("out.jsonl");
        assertEquals(
                0,
                run(
                        "embed",
                        "--input",
                        in.toString(),
                        "--output",
                        out.toString(),
                        "--model",
                        model.toString(),
                        "--batch-size",
                        "2"),
                err.toString());
        List<String> lines = Files.readAllLines(out);
        assertEquals(4, lines.size());
        try (SentenceEncoder enc = SentenceEncoder.load(model)) {
            float[][] expected = enc.embed(texts);
            ObjectMapper json = new ObjectMapper();
            for (int i = 0; i < 4; i++) {
                JsonNode e = json.readTree(lines.get(i)).get("embedding");
                assertEquals(32, e.size());
                float[] got = new float[32];
                for (int h = 0; h < 32; h++) {
                    got[h] = (float) e.get(h).asDouble();
                }
                assertArrayEquals(expected[i], got, 1e-6f, "line " + (i + 1));
                // Each number is written as Java's shortest form of the float (what Float.toString gives).
                String raw = lines.get(i);
                String[] numbers =
                        raw.substring(raw.indexOf('[') + 1, raw.indexOf(']')).split(",");
                assertEquals(32, numbers.length);
                for (String n : numbers) {
                    assertEquals(Float.toString(Float.parseFloat(n)), n, "line " + (i + 1));
                }
            }
        }
    }

    @Test
    void invalidUtf8NamesFileAndLineAndLeavesNoOutput() throws Exception {
        Path in = tmp.resolve("bad.txt");
        Files.write(in, new byte[] {'o', 'k', '\n', 'f', 'i', 'n', 'e', '\n', 'b', (byte) 0xC3, (byte) 0x28, '\n'});
        Path out = tmp.resolve("out.jsonl");
        assertEquals(
                Main.EXIT_FAILURE,
                run("embed", "--input", in.toString(), "--output", out.toString(), "--model", model.toString()));
        assertEquals(
                "mtl embed: " + in + ":3: invalid UTF-8 byte sequence",
                err.toString().strip());
        assertFalse(Files.exists(out));
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".part")), "temp file left behind");
        }
    }

    @Test
    void missingModelDirectoryNamesTheFlag() throws Exception {
        Path in = tmp.resolve("in.txt");
        Files.writeString(in, "hello\n");
        Path nope = tmp.resolve("nope");
        String[] args = {
            "embed", "--input", in.toString(), "--output", tmp.resolve("o").toString(), "--model", ""
        };
        args[args.length - 1] = nope.toString();
        assertEquals(Main.EXIT_FAILURE, run(args));
        assertEquals(
                "mtl embed: --model " + nope + ": no such directory",
                err.toString().strip());
        err.getBuffer().setLength(0);
        args[args.length - 1] = in.toString();
        assertEquals(Main.EXIT_FAILURE, run(args));
        assertEquals(
                "mtl embed: --model " + in + ": not a directory; expected a model directory saved by mtl "
                        + "or a Hugging Face BERT directory",
                err.toString().strip());
        assertTrue(Files.notExists(tmp.resolve("o")));
    }

    @Test
    void missingInputFile() throws Exception {
        Path in = tmp.resolve("absent.txt");
        assertEquals(
                Main.EXIT_FAILURE,
                run(
                        "embed",
                        "--input",
                        in.toString(),
                        "--output",
                        tmp.resolve("o").toString(),
                        "--model",
                        model.toString()));
        assertEquals("mtl embed: " + in + ": no such file", err.toString().strip());
    }

    @Test
    void truncatedWeightFileIsOneLineWithoutStackTrace() throws Exception {
        Path w = model.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(w);
        Files.write(w, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Path in = tmp.resolve("in.txt");
        Files.writeString(in, "hello\n");
        assertEquals(
                Main.EXIT_FAILURE,
                run(
                        "embed",
                        "--input",
                        in.toString(),
                        "--output",
                        tmp.resolve("o").toString(),
                        "--model",
                        model.toString()));
        String msg = err.toString().strip();
        assertTrue(msg.startsWith("mtl embed: " + w + ": truncated safetensors file: tensor '"), msg);
        assertEquals(1, msg.lines().count(), msg);
    }

    @Test
    void verboseAddsTheStackTrace() throws Exception {
        Path in = tmp.resolve("absent.txt");
        run("embed", "--input", in.toString(), "--output", "o", "--model", model.toString(), "--verbose");
        assertTrue(err.toString().lines().count() > 3, err.toString());
        assertTrue(err.toString().contains("\tat "), err.toString());
    }

    @Test
    void badBatchSizeIsRejected() throws Exception {
        Path in = tmp.resolve("in.txt");
        Files.writeString(in, "hello\n");
        assertEquals(
                Main.EXIT_FAILURE,
                run(
                        "embed",
                        "--input",
                        in.toString(),
                        "--output",
                        "o",
                        "--model",
                        model.toString(),
                        "--batch-size",
                        "0"));
        assertEquals(
                "mtl embed: --batch-size must be >= 1, got 0", err.toString().strip());
    }

    @Test
    void modelDefaultIsTheEmbeddedMiniLm() throws Exception {
        Path in = tmp.resolve("in.txt");
        List<String> texts = List.of("the weather in new york", "", "play some music by adele");
        Files.write(in, texts, StandardCharsets.UTF_8);
        Path out = tmp.resolve("out.jsonl");
        assertEquals(
                0,
                run("embed", "--model", "default", "--input", in.toString(), "--output", out.toString()),
                err.toString());
        List<String> lines = Files.readAllLines(out);
        assertEquals(3, lines.size());
        try (SentenceEncoder enc = SentenceEncoder.loadDefault()) {
            float[][] expected = enc.embed(texts);
            ObjectMapper json = new ObjectMapper();
            for (int i = 0; i < texts.size(); i++) {
                JsonNode e = json.readTree(lines.get(i)).get("embedding");
                assertEquals(384, e.size());
                float[] got = new float[384];
                double norm = 0;
                for (int h = 0; h < 384; h++) {
                    got[h] = (float) e.get(h).asDouble();
                    norm += got[h] * got[h];
                }
                assertArrayEquals(expected[i], got, 1e-6f, "line " + (i + 1));
                assertEquals(1.0, norm, 1e-5, "sentence-transformers head normalises; line " + (i + 1));
            }
        }
    }
}
