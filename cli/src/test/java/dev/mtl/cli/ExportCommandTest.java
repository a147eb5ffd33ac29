package dev.mtl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.MultiTaskModel;
import dev.mtl.SentenceEncoder;
import dev.mtl.TestModels;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.Pooling;
import dev.mtl.interop.SentenceTransformersChain;
import dev.mtl.weights.SafeTensors;
import dev.mtl.weights.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mtl export} end to end, and {@code mtl embed} against the sentence-transformers modules it saves. */
class ExportCommandTest {

    @TempDir
    Path tmp;

    final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(args, new PrintWriter(err, true));
    }

    /** Runs the command with System.err captured (where progress and notes go); returns exit code and text. */
    private String runCapturingStderr(int expectedExit, String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(expectedExit, run(args), err.toString());
        } finally {
            System.setErr(saved);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anNerTaskExportsWithTheHeadsClassifier() throws Exception {
        Path model = TestModels.writeTwoHeadModel(tmp);
        Path out = tmp.resolve("ner");
        String stderr = runCapturingStderr(
                0,
                "export",
                "--model",
                model.toString(),
                "--task",
                "slots",
                "--format",
                "hf-token-classification",
                "--output",
                out.toString());
        assertTrue(stderr.contains("mtl export: task 'slots' as hf-token-classification → " + out), stderr);
        Map<String, Tensor> src = SafeTensors.read(model.resolve("model.safetensors"));
        Map<String, Tensor> dst = SafeTensors.read(out.resolve("model.safetensors"));
        assertArrayEquals(
                src.get("heads.slots.classifier.weight").data(),
                dst.get("classifier.weight").data());
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("B-artist", config.get("id2label").get("1").asText());
    }

    @Test
    void aHeadThatDoesNotMapIsRefusedInOneLineAndForceSaysWhatIsLost() throws Exception {
        Path model = TestModels.writeTwoHeadModel(tmp);
        Path out = tmp.resolve("cls");
        String[] args = {
            "export",
            "--model",
            model.toString(),
            "--task",
            "intent",
            "--format",
            "hf-sequence-classification",
            "--output",
            out.toString()
        };
        assertEquals(Main.EXIT_FAILURE, run(args));
        String msg = err.toString().strip();
        assertTrue(msg.startsWith("mtl export: task 'intent' does not map exactly to hf-sequence-classification"), msg);
        assertTrue(msg.endsWith("--force writes the closest equivalent"), msg);
        assertFalse(msg.contains("\n"), msg);
        assertFalse(Files.exists(out));

        String[] forced = java.util.Arrays.copyOf(args, args.length + 1);
        forced[args.length] = "--force";
        String stderr = runCapturingStderr(0, forced);
        assertTrue(stderr.contains("mtl export: not carried over: the mean pooling"), stderr);
        assertTrue(stderr.contains("mtl export: not carried over: the gelu activation"), stderr);
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
    }

    @Test
    void theWholeModelExportsToOnnxInt8AndItsDirectoryRunsThatGraph() throws Exception {
        Path model = TestModels.writeTwoHeadModel(tmp);
        Path out = tmp.resolve("onnx");
        String stderr = runCapturingStderr(0, exportOnnx(model, out, "--quantize", "int8"));
        assertTrue(
                stderr.contains("mtl export: the whole model as ONNX (int8) → " + out.resolve("model.onnx")), stderr);
        try (dev.mtl.MultiTaskModel m = dev.mtl.MultiTaskModel.load(out);
                ai.onnxruntime.OrtSession s = ai.onnxruntime.OrtEnvironment.getEnvironment()
                        .createSession(out.resolve("model.onnx").toString())) {
            assertEquals("int8", s.getMetadata().getCustomMetadata().get("mtl.quantization"));
            assertEquals(dev.mtl.EngineKind.ONNXRUNTIME, m.engineKind());
            var p = m.predict(
                    List.of("play the music in new york"), java.util.EnumSet.allOf(dev.mtl.config.Output.class));
            assertEquals(6, p.get(0).ner().get("slots").tags().size()); // one tag per word
        }

        assertEquals(
                Main.EXIT_FAILURE,
                run(
                        "export",
                        "--model",
                        model.toString(),
                        "--format",
                        "sentence-transformers",
                        "--quantize",
                        "int8",
                        "--output",
                        tmp.resolve("st").toString()));
        assertEquals(
                "mtl export: --quantize applies to --format onnx only",
                err.toString().strip());
        err.getBuffer().setLength(0);
        assertEquals(2, run("export", "--format", "onnx", "--quantize", "int4", "--output", "x"));
        assertTrue(err.toString().contains("quantization 'int4' is not one of none, int8"), err.toString());
    }

    @Test
    void int8CalibrationTextsComeFromAFileAndBadOnesAreNamed() throws Exception {
        Path model = TestModels.writeTwoHeadModel(tmp);
        Path texts = tmp.resolve("calibration.txt");
        Files.writeString(texts, "play the music in new york\n\nbook a table for two\n");
        Path out = tmp.resolve("onnx");
        String stderr = runCapturingStderr(
                0, exportOnnx(model, out, "--quantize", "int8", "--calibration", texts.toString(), "--reduce-range"));
        assertTrue(stderr.contains("(int8)"), stderr);
        assertTrue(Files.isRegularFile(out.resolve("model.onnx")));

        Path empty = tmp.resolve("empty.txt");
        Files.writeString(empty, "\n  \n");
        Path binary = tmp.resolve("binary.txt");
        Files.write(binary, new byte[] {'o', 'k', '\n', (byte) 0xff, '\n'});
        String[][] cases = {
            {"--quantize", "int8", "--calibration", tmp.resolve("missing.txt").toString()},
            {"--quantize", "int8", "--calibration", empty.toString()},
            {"--quantize", "int8", "--calibration", binary.toString()},
            {"--calibration", texts.toString()},
            {"--reduce-range"},
        };
        String[] expected = {
            tmp.resolve("missing.txt") + ": no such file",
            empty + ": no texts (one per line)",
            binary + ":2: invalid UTF-8 byte sequence",
            "--calibration applies to --quantize int8 only",
            "--reduce-range applies to --quantize int8 only",
        };
        for (int i = 0; i < cases.length; i++) {
            err.getBuffer().setLength(0);
            assertEquals(Main.EXIT_FAILURE, run(exportOnnx(model, tmp.resolve("x" + i), cases[i])), err.toString());
            assertEquals("mtl export: " + expected[i], err.toString().strip());
            assertFalse(Files.exists(tmp.resolve("x" + i)), "nothing written for a bad calibration file");
        }
    }

    /** The arguments of {@code mtl export --format onnx} from {@code model} to {@code out}, then {@code options}. */
    private static String[] exportOnnx(Path model, Path out, String... options) {
        List<String> args = new java.util.ArrayList<>(
                List.of("export", "--model", model.toString(), "--format", "onnx", "--output", out.toString()));
        args.addAll(List.of(options));
        return args.toArray(String[]::new);
    }

    @Test
    void badFormatsAndOutputsAreNamed() throws Exception {
        Path model = TestModels.writeTwoHeadModel(tmp);
        assertEquals(2, run("export", "--model", model.toString(), "--format", "tflite", "--output", "x"));
        assertTrue(
                err.toString()
                        .contains("'tflite' is not one of [hf-token-classification, hf-sequence-classification,"
                                + " sentence-transformers, onnx]"),
                err.toString());
        err.getBuffer().setLength(0);

        Path busy = tmp.resolve("busy");
        Files.createDirectories(busy);
        Files.writeString(busy.resolve("notes.txt"), "keep me");
        assertEquals(
                Main.EXIT_FAILURE,
                run(
                        "export",
                        "--model",
                        model.toString(),
                        "--format",
                        "sentence-transformers",
                        "--output",
                        busy.toString()));
        assertEquals(
                "mtl export: --output " + busy + ": a non-empty directory that is not a model directory; give a new or"
                        + " empty one",
                err.toString().strip());
        assertTrue(Files.isRegularFile(busy.resolve("notes.txt")));
        err.getBuffer().setLength(0);

        assertEquals(
                Main.EXIT_FAILURE,
                run(
                        "export",
                        "--model",
                        model.toString(),
                        "--format",
                        "sentence-transformers",
                        "--output",
                        model.toString()));
        assertEquals(
                "mtl export: --output " + model + ": is the --model directory; give another",
                err.toString().strip());
    }

    /**
     * What sentence-transformers computes from the saved modules (pooling → Dense → LayerNorm →
     * Normalize, from the files alone, on the encoder's token vectors) against {@code mtl embed}'s output.
     */
    @Test
    void theSavedModuleChainReproducesMtlEmbed() throws Exception {
        Path model = tmp.resolve("model");
        try (MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp.resolve("v")),
                new EmbeddingConfig(Pooling.MEAN, 16, true, true),
                List.of(),
                64)) {
            m.save(model);
        }
        List<String> texts =
                List.of("play the music", "new york", "the new music playing in new york, the music!", "a");
        Path in = tmp.resolve("in.txt");
        Files.write(in, texts, StandardCharsets.UTF_8);
        Path out = tmp.resolve("out.jsonl");
        runCapturingStderr(
                0, "embed", "--model", model.toString(), "--input", in.toString(), "--output", out.toString());
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(out);
        float[][] embedded = new float[lines.size()][];
        for (int i = 0; i < lines.size(); i++) {
            JsonNode e = json.readTree(lines.get(i)).get("embedding");
            embedded[i] = new float[e.size()];
            for (int j = 0; j < e.size(); j++) {
                embedded[i][j] = (float) e.get(j).asDouble();
            }
        }
        float[][] chain = new float[texts.size()][];
        try (SentenceEncoder enc = SentenceEncoder.load(model)) {
            SentenceTransformersChain c = SentenceTransformersChain.read(model, 1e-12f);
            assertEquals(List.of("Pooling", "Dense", "LayerNorm", "Normalize"), c.types());
            float[][][] hidden = enc.lastHiddenStates(texts.stream()
                    .map(t -> enc.backbone().tokenizer().encode(t).getIds())
                    .toList());
            for (int i = 0; i < texts.size(); i++) {
                chain[i] = c.apply(hidden[i]);
            }
        }
        double diff = SentenceTransformersChain.maxAbsDiff(chain, embedded);
        System.out.printf("sentence-transformers modules from the files vs mtl embed: max |Δ| %.2e%n", diff);
        assertEquals(16, embedded[0].length);
        assertTrue(diff < 1e-5, "max abs diff " + diff);
    }
}
