package dev.mtl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every command shares: the version, the one-line errors, and the stack trace with --verbose. */
class MainTest {

    @TempDir
    Path tmp;

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    /** The version in this module's pom (its parent's), independent of the filtered resource under test. */
    private static String pomVersion() throws Exception {
        var doc = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(Path.of("pom.xml").toFile());
        return XPathFactory.newInstance().newXPath().evaluate("/project/parent/version", doc);
    }

    @Test
    void versionIsTheBuildsVersionOnTheToolAndEveryCommand() throws Exception {
        String expected = "mtl " + pomVersion();
        assertTrue(expected.matches("mtl \\d+\\.\\d+\\.\\d+.*"), expected);
        for (List<String> args : List.of(
                List.of("--version"),
                List.of("-V"),
                List.of("embed", "--version"),
                List.of("predict", "--version"),
                List.of("train", "--version"),
                List.of("eval", "--version"),
                List.of("serve", "--version"))) {
            out.getBuffer().setLength(0);
            assertEquals(0, run(args.toArray(String[]::new)), err.toString());
            assertEquals(expected, out.toString().strip(), args.toString());
        }
        assertEquals("", err.toString());
    }

    private String[] failingEmbed(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "embed",
                "--input",
                tmp.resolve("absent.txt").toString(),
                "--output",
                tmp.resolve("o.jsonl").toString()));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void withoutVerboseAnErrorIsExactlyOneLine() {
        assertEquals(Main.EXIT_FAILURE, run(failingEmbed()));
        assertEquals("mtl embed: " + tmp.resolve("absent.txt") + ": no such file\n", err.toString());
    }

    @Test
    void verboseAfterTheCommandAddsTheStackTrace() {
        assertEquals(Main.EXIT_FAILURE, run(failingEmbed("--verbose")));
        assertStackTraceAfterOneLine();
    }

    @Test
    void verboseBeforeTheCommandAddsTheStackTrace() {
        String[] embed = failingEmbed();
        String[] args = new String[embed.length + 1];
        args[0] = "--verbose";
        System.arraycopy(embed, 0, args, 1, embed.length);
        assertEquals(Main.EXIT_FAILURE, run(args));
        assertStackTraceAfterOneLine();
    }

    private void assertStackTraceAfterOneLine() {
        List<String> lines = err.toString().lines().toList();
        assertEquals("mtl embed: " + tmp.resolve("absent.txt") + ": no such file", lines.get(0));
        assertTrue(lines.get(1).startsWith("java.nio.file.NoSuchFileException: "), lines.get(1));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("\tat dev.mtl.cli.")), err.toString());
    }

    @Test
    void usageErrorsAreOneLineWithExitCodeTwo() {
        assertEquals(2, run("embed", "--input", "in.txt"));
        assertEquals(
                "mtl embed: Missing required option: '--output=FILE|-' (see 'mtl embed --help')\n", err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("embed", "--inpt", "in.txt", "--output", "o"));
        assertEquals(
                "mtl embed: Unknown options: '--inpt', 'in.txt'; did you mean --input? (see 'mtl embed --help')\n",
                err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("embd"));
        assertEquals(
                "mtl: Unmatched argument at index 0: 'embd'; did you mean embed? (see 'mtl --help')\n", err.toString());
        assertEquals("", out.toString());
    }
}
