package dev.mtl.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.function.ThrowingConsumer;

/**
 * Hostile inputs for the fuzz tests: files of a committed seed corpus ({@code fuzz/<target>/} on
 * the test class path), as they are and mutated a few times each (characters that matter to parsers
 * inserted, spans deleted or repeated, lines swapped, numbers made huge or negative, bytes that are not
 * UTF-8), and random text. Every input comes from a {@link Random} with a fixed seed, so a run is the
 * same every time and a failing try names the seed that replays it. The checks say what may escape:
 * only the documented exception types, with a one-line message naming the file.
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

    /** The file names listed in {@code fuzz/<target>/SEEDS}, in that order. */
    public static List<String> seedNames(String target) {
        try (InputStream list = Mutations.class.getClassLoader().getResourceAsStream("fuzz/" + target + "/SEEDS")) {
            if (list == null) {
                throw new IllegalStateException("no seed list fuzz/" + target + "/SEEDS on the class path");
            }
            List<String> out = new ArrayList<>();
            for (String name : new String(list.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!name.isBlank()) {
                    out.add(name.trim());
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The files of {@code fuzz/<target>/} as text, in the order of its {@code SEEDS} list. */
    public static List<String> seeds(String target) {
        List<String> out = new ArrayList<>();
        for (String name : seedNames(target)) {
            try (InputStream in = Mutations.class.getClassLoader().getResourceAsStream("fuzz/" + target + "/" + name)) {
                out.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** Makes one input from a random source; the same seed gives the same input. */
    @FunctionalInterface
    public interface Generator<T> {
        T next(Random r);
    }

    /** Seeds mutated 1-6 times, or (one in five) random text from the parser-relevant alphabet. */
    public static Generator<byte[]> of(String target) {
        List<String> seeds = seeds(target);
        return r -> r.nextInt(5) == 0 ? randomText(r) : mutate(seeds.get(r.nextInt(seeds.size())), r);
    }

    private static byte[] randomText(Random r) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(60);
        for (int i = 0; i < n; i++) {
            sb.append(r.nextInt(3) == 0 ? (char) ('a' + r.nextInt(26)) : TOKENS[r.nextInt(TOKENS.length)]);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The base seed of a run: {@code fixed}, so that every run tries the same inputs and a failure
     * reproduces, unless {@code -Dmtl.fuzz.seed=N} asks for other inputs.
     */
    static long baseSeed(long fixed) {
        String s = System.getProperty("mtl.fuzz.seed");
        return s == null || s.isBlank() ? fixed : Long.parseLong(s.trim());
    }

    /** A try's seed, as printed in its name; {@code -Dmtl.fuzz.replay=N} runs that try alone. */
    static Long replaySeed() {
        String s = System.getProperty("mtl.fuzz.replay");
        return s == null || s.isBlank() ? null : Long.valueOf(s.trim());
    }

    /** The longest one try may take: a reader that hangs fails its try instead of stalling the build. */
    public static final Duration TRY_WITHIN = Duration.ofSeconds(20);

    /**
     * {@code tries} tests, each checking one input that {@code inputs} makes from a {@link Random} with
     * its own seed. The seeds follow from {@code seed}, so a run is the same every time; each test is
     * named with its index and seed, and {@code -Dmtl.fuzz.replay=<seed>} runs just that input again.
     */
    public static <T> Stream<DynamicTest> tries(long seed, int tries, Generator<T> inputs, ThrowingConsumer<T> check) {
        Long replay = replaySeed();
        if (replay != null) {
            return Stream.of(attempt("replay, seed " + replay, replay, inputs, check));
        }
        SplittableRandom seeds = new SplittableRandom(baseSeed(seed));
        return IntStream.range(0, tries).mapToObj(i -> {
            long s = seeds.nextLong();
            return attempt("try " + i + ", seed " + s, s, inputs, check);
        });
    }

    private static <T> DynamicTest attempt(String name, long seed, Generator<T> inputs, ThrowingConsumer<T> check) {
        String replay = name + " (replay with -Dmtl.fuzz.replay=" + seed + ")";
        return DynamicTest.dynamicTest(name, () -> bounded(replay, () -> check.accept(inputs.next(new Random(seed)))));
    }

    /** One test per seed file of {@code target}, unmutated and passed through {@code asInput}. */
    public static <T> Stream<DynamicTest> unmutated(
            String target, Function<byte[], T> asInput, ThrowingConsumer<T> check) {
        List<String> names = seedNames(target);
        List<String> texts = seeds(target);
        Map<String, T> cases = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            cases.put("seed " + names.get(i), asInput.apply(texts.get(i).getBytes(StandardCharsets.UTF_8)));
        }
        return cases(cases, check);
    }

    /** One test per named input, tried as it is (seed files, edge cases); none on a replay. */
    public static <T> Stream<DynamicTest> cases(Map<String, T> cases, ThrowingConsumer<T> check) {
        if (replaySeed() != null) {
            return Stream.empty();
        }
        return cases.entrySet().stream()
                .map(c -> DynamicTest.dynamicTest(
                        c.getKey(), () -> bounded(c.getKey(), () -> check.accept(c.getValue()))));
    }

    /**
     * The thread the tries run on, reused so that each try does not pay for a new thread (and cold
     * thread-local caches); replaced when a try runs over its time and is abandoned.
     */
    private static ExecutorService worker = newWorker();

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "mtl-fuzz");
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code check} within {@link #TRY_WITHIN}; its failure, or running over, names the try. */
    private static synchronized void bounded(String name, Executable check) throws Throwable {
        Future<?> result = worker.submit(() -> {
            try {
                check.execute();
            } catch (Exception | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new RuntimeException(t);
            }
            return null;
        });
        try {
            result.get(TRY_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            throw new AssertionError(name + ": no answer within " + TRY_WITHIN.toSeconds() + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new AssertionError(name + ": " + cause, cause);
        }
    }

    /** The seed files of {@code target} as they are, then {@code tries} mutations of them (see {@link #of}). */
    public static Stream<DynamicTest> fuzz(String target, long seed, int tries, ThrowingConsumer<byte[]> check) {
        return Stream.concat(unmutated(target, b -> b, check), tries(seed, tries, of(target), check));
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
     * naming {@code source}; any other exception or error fails the try.
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
