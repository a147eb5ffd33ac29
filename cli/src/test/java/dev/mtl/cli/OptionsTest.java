package dev.mtl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.InferenceOptions;
import dev.mtl.serve.ServeSettings;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The shared options: declared once, the same name, default and description on every command that has them. */
class OptionsTest {

    private static final List<String> MODEL_COMMANDS = List.of("embed", "predict", "eval", "serve");
    private static final List<String> INFERENCE_COMMANDS = List.of("embed", "predict", "eval");

    private static CommandLine parsed(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.parseArgs(args);
        return cl;
    }

    private static OptionSpec option(String command, String name) {
        return new CommandLine(new Main())
                .getSubcommands()
                .get(command)
                .getCommandSpec()
                .findOption(name);
    }

    @Test
    void modelIsOneOptionDefaultingToTheEmbeddedModelEverywhere() {
        Set<String> descriptions = MODEL_COMMANDS.stream()
                .map(c -> String.join(" ", option(c, "--model").description()))
                .collect(Collectors.toSet());
        assertEquals(1, descriptions.size(), descriptions.toString());
        for (String c : MODEL_COMMANDS) {
            assertEquals("default", option(c, "--model").defaultValue(), c);
            assertFalse(option(c, "--model").required(), c);
        }
        CommandLine cl = parsed("eval", "--data", "x");
        EvalCommand eval = cl.getSubcommands().get("eval").getCommand();
        assertTrue(eval.model.embedded());
        cl = parsed("predict", "--model", "runs/m", "--input", "-", "--output", "-");
        PredictCommand predict = cl.getSubcommands().get("predict").getCommand();
        assertFalse(predict.model.embedded());
        assertEquals("runs/m", predict.model.toString());
    }

    @Test
    void inferenceFlagsAreSharedAndReachTheOptions() {
        for (String c : INFERENCE_COMMANDS) {
            assertEquals("32", option(c, "--batch-size").defaultValue(), c);
            assertNull(option(c, "--max-length").defaultValue(), c);
            assertTrue(option(c, "--truncate").arity().max() == 0, c);
        }
        CommandLine cl = parsed(
                "embed", "--input", "-", "--output", "-", "--batch-size", "4", "--max-length", "16", "--truncate");
        EmbedCommand embed = cl.getSubcommands().get("embed").getCommand();
        InferenceOptions o = embed.inference.apply(InferenceOptions.defaults(128), 512);
        assertEquals(4, o.batchSize());
        assertEquals(16, o.maxLength());
        assertTrue(o.truncate());
        // Without the flags: the model's defaults.
        embed = parsed("embed", "--input", "-", "--output", "-")
                .getSubcommands()
                .get("embed")
                .getCommand();
        assertEquals(InferenceOptions.defaults(128), embed.inference.apply(InferenceOptions.defaults(128), 512));
    }

    @Test
    void badInferenceFlagsNameTheFlag() {
        InferenceFlags f = new InferenceFlags();
        f.batchSize = 0;
        assertEquals(
                "--batch-size must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, f::validate).getMessage());
        f.batchSize = 8;
        f.maxLength = 2;
        assertEquals(
                "--max-length must be >= 3, got 2",
                assertThrows(IllegalArgumentException.class, f::validate).getMessage());
        f.maxLength = 513;
        assertEquals(
                "--max-length must be at most the model's max_position_embeddings 512, got 513",
                assertThrows(IllegalArgumentException.class, () -> f.apply(InferenceOptions.defaults(128), 512))
                        .getMessage());
    }

    @Test
    void serveOptionsDefaultToTheServersDefaultsAndParse() {
        ServeCommand serve = parsed("serve").getSubcommands().get("serve").getCommand();
        assertEquals(ServeSettings.defaults(), serve.serve.settings());
        assertEquals(ServeSettings.defaults(), new ServeOptions().settings());
        serve = parsed("serve", "--port", "0", "--max-wait-ms", "7", "--queue", "3", "--timeout-ms", "100")
                .getSubcommands()
                .get("serve")
                .getCommand();
        ServeSettings s = serve.serve.settings();
        assertEquals(0, s.port());
        assertEquals(7, s.maxWaitMs());
        assertEquals(3, s.queueCapacity());
        assertEquals(100, s.timeoutMs());
        assertEquals(ServeSettings.DEFAULT_MAX_TEXTS, s.maxTexts());
        assertEquals(null, s.apiKey());
        assertEquals(ServeSettings.DEFAULT_IDLE_TIMEOUT_MS, s.idleTimeoutMs());
    }

    @Test
    void theApiKeyIsParsedButNeverPrinted() {
        ServeCommand serve = parsed("serve", "--api-key", "k-Secret_42", "--idle-timeout-ms", "500")
                .getSubcommands()
                .get("serve")
                .getCommand();
        ServeSettings s = serve.serve.settings();
        assertEquals("k-Secret_42", s.apiKey());
        assertEquals(500, s.idleTimeoutMs());
        assertFalse(s.toString().contains("k-Secret_42"), s.toString());
        serve = parsed("serve", "--api-key", "two words")
                .getSubcommands()
                .get("serve")
                .getCommand();
        ServeOptions bad = serve.serve;
        var e = assertThrows(IllegalArgumentException.class, bad::settings);
        assertEquals("--api-key (or MTL_API_KEY) must be non-empty printable ASCII without spaces", e.getMessage());
    }

    @Test
    void predictKeepsBothNamesOfItsOutputsOption() {
        for (String name : List.of("--outputs", "--tasks")) {
            PredictCommand p = parsed("predict", "--input", "-", "--output", "-", name, "ner")
                    .getSubcommands()
                    .get("predict")
                    .getCommand();
            assertEquals("ner", p.tasks, name);
        }
    }
}
