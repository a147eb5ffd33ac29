package dev.mtl.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * Hostile inputs for the fuzz properties: files of a committed seed corpus ({@code fuzz/<target>/} on
 * the test class path), mutated a few times each (characters that matter to parsers inserted, spans
 * deleted or repeated, lines swapped, numbers made huge or negative, bytes that are not UTF-8), and
 * random text. The checks say what may escape: only the documented exception types, with a one-line
 * message naming the file.
 */
public final class Mutations {

    private Mutations() {}

    private static final String[] TOKENS = {
        "\t",
        "\n",
        "\r\n",
        "\"",
        ",",
        "{",
        "}",
        "[",
        "]",
        ":",
        "\\",
        "#",
        "-",
        " ",
        "\u0000",
        "\uFEFF",
        "\ud800",
        "e\u0301",
        "\uD83D\uDE00",
        "\u00A0",
        "null",
        "true",
        "1e999",
        "-1",
        "9223372036854775807",
        "NaN",
        "O",
        "B-",
        "I-",
        "''",
        "'",
        "&",
        "*",
        "!!",
        "---",
        "\u4E2D"
    };

    /** The files of {@code fuzz/<target>/} as text, in name order. */
    public static List<String> seeds(String target) {
        try (InputStream list = Mutations.class.getClassLoader().getResourceAsStream("fuzz/" + target + "/SEEDS")) {
            if (list == null) {
                throw new IllegalStateException("no seed list fuzz/" + target + "/SEEDS on the class path");
            }
            List<String> out = new ArrayList<>();
            for (String name : new String(list.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (name.isBlank()) {
                    continue;
                }
                try (InputStream in =
                        Mutations.class.getClassLoader().getResourceAsStream("fuzz/" + target + "/" + name.trim())) {
                    out.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Seeds mutated 1-6 times, or (one in five) random text from the parser-relevant alphabet. */
    public static Arbitrary<byte[]> of(String target) {
        List<String> seeds = seeds(target);
        Arbitrary<byte[]> mutated =
                Arbitraries.of(seeds).flatMap(s -> Arbitraries.randoms().map(r -> mutate(s, r)));
        Arbitrary<byte[]> random = Arbitraries.randoms().map(r -> {
            StringBuilder sb = new StringBuilder();
            int n = r.nextInt(60);
            for (int i = 0; i < n; i++) {
                sb.append(r.nextInt(3) == 0 ? (char) ('a' + r.nextInt(26)) : TOKENS[r.nextInt(TOKENS.length)]);
            }
            return sb.toString().getBytes(StandardCharsets.UTF_8);
        });
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, mutated), net.jqwik.api.Tuple.of(1, random));
    }

    static byte[] mutate(String seed, Random r) {
        StringBuilder s = new StringBuilder(seed);
        int ops = 1 + r.nextInt(6);
        for (int k = 0; k < ops; k++) {
            int at = s.length() == 0 ? 0 : r.nextInt(s.length() + 1);
            switch (r.nextInt(7)) {
                case 0 -> s.insert(at, TOKENS[r.nextInt(TOKENS.length)]);
                case 1 -> s.delete(at, Math.min(s.length(), at + 1 + r.nextInt(12)));
                case 2 -> {
                    int end = Math.min(s.length(), at + 1 + r.nextInt(40));
                    s.insert(end, s.substring(at, end));
                }
                case 3 -> s.setLength(at); // truncated
                case 4 -> { // a number made huge, negative or fractional
                    String[] n = {"99999999999999999999", "-3", "0", "1.5", "2147483648", "-0"};
                    int d = indexOfDigit(s, at);
                    if (d >= 0) {
                        s.replace(d, d + 1, n[r.nextInt(n.length)]);
                    }
                }
                case 5 -> { // two lines swapped
                    String[] lines = s.toString().split("\n", -1);
                    if (lines.length > 1) {
                        int a = r.nextInt(lines.length);
                        int b = r.nextInt(lines.length);
                        String t = lines[a];
                        lines[a] = lines[b];
                        lines[b] = t;
                        s = new StringBuilder(String.join("\n", lines));
                    }
                }
                default -> s.insert(at, (char) r.nextInt(0x80));
            }
        }
        byte[] bytes = s.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0 && r.nextInt(8) == 0) { // a byte that is not UTF-8
            bytes[r.nextInt(bytes.length)] = (byte) (0x80 | r.nextInt(0x80));
        }
        return bytes;
    }

    private static int indexOfDigit(CharSequence s, int from) {
        for (int i = 0; i < s.length(); i++) {
            int j = (from + i) % s.length();
            if (Character.isDigit(s.charAt(j))) {
                return j;
            }
        }
        return -1;
    }

    /** A fresh temporary file holding {@code content}. */
    public static Path file(String suffix, byte[] content) {
        try {
            Path p = Files.createTempFile("mtl-fuzz", suffix);
            p.toFile().deleteOnExit();
            Files.write(p, content);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Something the code under test may throw on bad input. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    /**
     * Runs {@code action}: it may succeed or throw one of {@code allowed}, whose message is one line
     * naming {@code source}; any other exception or error fails the property.
     */
    @SafeVarargs
    public static void onlyDocumented(String source, Action action, Class<? extends Exception>... allowed) {
        try {
            action.run();
        } catch (Exception e) {
            for (Class<? extends Exception> c : allowed) {
                if (c.isInstance(e)) {
                    String m = String.valueOf(e.getMessage());
                    assertFalse(m.contains("\n"), "a one-line message: " + m);
                    assertTrue(m.contains(source), "the message names " + source + ": " + m);
                    return;
                }
            }
            throw new AssertionError("undocumented " + e.getClass().getName() + ": " + e.getMessage(), e);
        }
    }
}
