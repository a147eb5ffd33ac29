package dev.mtl.serve;

import static dev.mtl.serve.FuzzJson.body;
import static dev.mtl.serve.FuzzJson.json;
import static dev.mtl.serve.FuzzJson.pick;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mtl.fuzz.Mutations;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Fuzzing of every JSON route's request body: a committed seed corpus ({@code src/test/resources/fuzz/http})
 * as it is and mutated, generated JSON of the right and wrong shapes, and raw bytes. Whatever the body, the
 * answer is a 200 or one of the documented client errors (400, 413, 415, 422) in the route's error shape,
 * within the request timeout: never a 500, never a hang. Seeds are fixed so a failure reproduces (each try
 * is named with its seed, see {@link Mutations#tries}); the corpus is where a found case goes.
 */
class RequestBodyFuzzTest {

    /** Every route that reads a JSON body. */
    static final List<String> ROUTES = List.of("/v1/predict", "/v1/embeddings", "/embed", "/predict", "/tokenize");

    /** 422 is TEI's status for a body of the wrong shape; the model here has every head, so no 424. */
    static final Set<Integer> DOCUMENTED = Set.of(400, 413, 415, 422);

    static final Duration ANSWER_WITHIN = Duration.ofSeconds(10);
    static final int MAX_BODY = 4096;

    static Path tmp;
    static ServeFixture f;
    static Map<String, byte[]> corpus;

    /** The answers of each test factory by status, printed at the end: how much reached the model. */
    static final Map<String, Map<Integer, Integer>> ANSWERS = new ConcurrentSkipListMap<>();

    /** One request: a route, a Content-Type (none if null) and a body. */
    record Post(String route, String contentType, byte[] body) {}

    @BeforeAll
    static void start() throws IOException {
        tmp = Files.createTempDirectory("mtl-fuzz-");
        f = ServeFixture.start(
                ServeFixture.writeTinyModel(tmp), ServeSettings.defaults().withLimits(8, 200, MAX_BODY));
        corpus = new LinkedHashMap<>();
        Path dir = Path.of("src/test/resources/fuzz/http");
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            List<Path> sorted = new ArrayList<>();
            files.forEach(sorted::add);
            sorted.sort(Comparator.naturalOrder());
            for (Path p : sorted) {
                corpus.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        assertTrue(corpus.size() >= 10, "seed corpus in " + dir);
    }

    @AfterAll
    static void stop() throws IOException {
        ANSWERS.forEach((test, byStatus) ->
                System.out.println("RequestBodyFuzzTest." + test + " answers by status: " + byStatus));
        f.close();
        try (Stream<Path> all = Files.walk(tmp)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Posts {@code post} as {@link #assertAnsweredWell} does, counting its answer under {@code test}. */
    static void check(String test, Post post) throws Exception {
        int status = assertAnsweredWell(post.route(), post.contentType(), post.body());
        ANSWERS.computeIfAbsent(test, t -> new TreeMap<>()).merge(status, 1, Integer::sum);
    }

    /**
     * The named cases as they are, then {@code tries} posts from {@code posts} with seeds that follow
     * from {@code seed}; every answer is checked and counted under {@code test}.
     */
    static Stream<DynamicTest> fuzz(
            String test, Map<String, Post> cases, long seed, int tries, Mutations.Generator<Post> posts) {
        return Stream.concat(
                Mutations.cases(cases, p -> check(test, p)), Mutations.tries(seed, tries, posts, p -> check(test, p)));
    }

    /** {@code body} as JSON on every route, each case named "{@code name} on <route>". */
    static void onEveryRoute(Map<String, Post> cases, String name, byte[] body) {
        for (String route : ROUTES) {
            cases.put(name + " on " + route, new Post(route, "application/json", body));
        }
    }

    /** A JSON body from {@code bodies} on a random route (the route drawn first). */
    static Mutations.Generator<Post> onARandomRoute(Mutations.Generator<byte[]> bodies) {
        return r -> new Post(pick(r, ROUTES), "application/json", bodies.next(r));
    }

    /** Posts {@code body} and checks the answer: 200 with a result, or a documented error in the route's shape. */
    static int assertAnsweredWell(String route, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(f.uri(route))
                .timeout(ANSWER_WITHIN)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        HttpResponse<String> r = f.http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        String ct = r.headers().firstValue("Content-Type").orElse("");
        String what = route + " " + new String(body, StandardCharsets.UTF_8) + " -> " + r.statusCode() + " " + r.body();
        if (r.statusCode() == 200) {
            JsonNode j = ServeFixture.JSON.readTree(r.body());
            // mtl's and OpenAI's answers are objects with their results, TEI's are arrays.
            assertTrue(j.isArray() ? !j.isEmpty() : j.has("predictions") || j.has("data"), what);
            return r.statusCode();
        }
        assertTrue(DOCUMENTED.contains(r.statusCode()), what);
        String msg = new ServeFixture.Response(r.statusCode(), ct, r.body()).error();
        assertTrue(!msg.isBlank(), what);
        JsonNode e = ServeFixture.JSON.readTree(r.body()).get("error");
        if (e.isObject()) {
            assertEquals("invalid_request_error", e.get("type").asText(), what);
        }
        JsonNode teiType = ServeFixture.JSON.readTree(r.body()).get("error_type");
        if (teiType != null) {
            assertEquals("Validation", teiType.asText(), what);
        }
        return r.statusCode();
    }

    // ------------------------------------------------------------------ mutated seeds

    /** Each corpus file as it is on every route, then 300 of them with 1-3 edits each on a random route. */
    @TestFactory
    Stream<DynamicTest> mutatedSeedsGetAnAnswerOrADocumentedError() {
        Map<String, Post> seeds = new LinkedHashMap<>();
        corpus.forEach((name, body) -> onEveryRoute(seeds, "seed " + name, body));
        return fuzz("mutatedSeeds", seeds, 20261129, 300, onARandomRoute(RequestBodyFuzzTest::mutatedSeed));
    }

    /** JSON-ish fragments a mutation splices in: the tokens parsers and validators trip on. */
    static final List<String> FRAGMENTS = List.of(
            "[",
            "]",
            "{",
            "}",
            "\"",
            ",",
            ":",
            "\\",
            "\\u",
            "\\ud800",
            "\\udfff",
            "null",
            "true",
            "1e999999",
            "-0",
            "0.0000000000000000000001",
            "99999999999999999999999",
            "\"texts\"",
            "\"input\"",
            "\"tasks\"",
            "[\"ner\"]",
            "\u0000",
            "\u00e9",
            "\ud83d\ude00",
            "\uffff",
            "/*",
            "NaN",
            "Infinity",
            "'",
            "\r\n");

    static byte[] mutatedSeed(Random r) {
        List<byte[]> files = new ArrayList<>(corpus.values());
        byte[] out = pick(r, files).clone();
        int edits = 1 + r.nextInt(3);
        for (int k = 0; k < edits; k++) {
            out = new Mutation(r.nextInt(6), r.nextDouble(), r.nextDouble(), pick(r, FRAGMENTS), (byte) r.nextInt(256))
                    .apply(out);
        }
        return out;
    }

    /** One edit at relative positions {@code a} and {@code b} of the body. */
    record Mutation(int kind, double a, double b, String fragment, byte random) {
        byte[] apply(byte[] in) {
            int n = in.length;
            int i = (int) (a * n);
            int j = Math.min(n, i + (int) (b * 16));
            return switch (kind) {
                case 0 -> { // flip a byte
                    byte[] out = in.clone();
                    if (n > 0) {
                        out[Math.min(i, n - 1)] ^= (byte) (random == 0 ? 1 : random);
                    }
                    yield out;
                }
                case 1 -> concat(Arrays.copyOfRange(in, 0, i), Arrays.copyOfRange(in, j, n)); // delete
                case 2 -> concat(Arrays.copyOfRange(in, 0, i), fragment.getBytes(StandardCharsets.UTF_8), rest(in, i));
                case 3 -> concat(Arrays.copyOfRange(in, 0, j), Arrays.copyOfRange(in, i, n)); // duplicate
                case 4 -> Arrays.copyOfRange(in, 0, i); // truncate
                default ->
                    concat( // replace a span with a fragment
                            Arrays.copyOfRange(in, 0, i), fragment.getBytes(StandardCharsets.UTF_8), rest(in, j));
            };
        }

        private static byte[] rest(byte[] in, int from) {
            return Arrays.copyOfRange(in, from, in.length);
        }

        private static byte[] concat(byte[]... parts) {
            int n = 0;
            for (byte[] p : parts) {
                n += p.length;
            }
            byte[] out = new byte[n];
            int at = 0;
            for (byte[] p : parts) {
                System.arraycopy(p, 0, out, at, p.length);
                at += p.length;
            }
            return out;
        }
    }

    // ------------------------------------------------------------------ generated JSON

    /** An empty object on every route, then 300 generated bodies on random routes. */
    @TestFactory
    Stream<DynamicTest> generatedJsonGetsAnAnswerOrADocumentedError() {
        Map<String, Post> empty = new LinkedHashMap<>();
        onEveryRoute(empty, "{}", "{}".getBytes(StandardCharsets.UTF_8));
        return fuzz("generatedJson", empty, 7, 300, onARandomRoute(r -> json(body(r))));
    }

    // ------------------------------------------------------------------ raw bytes and headers

    /** An empty body and bodies at the size limit on every route, then 150 of random bytes and content types. */
    @TestFactory
    Stream<DynamicTest> arbitraryBytesAndContentTypesGetADocumentedError() {
        Map<String, Post> edges = new LinkedHashMap<>();
        for (String route : ROUTES) {
            for (int size : new int[] {0, MAX_BODY, MAX_BODY + 1}) {
                byte[] body = new byte[size];
                Arrays.fill(body, (byte) 'x');
                edges.put(size + " bytes on " + route, new Post(route, "application/json", body));
            }
        }
        return fuzz("arbitraryBytes", edges, 11, 150, r -> {
            String contentType = pick(r, CONTENT_TYPES);
            return new Post(pick(r, ROUTES), contentType.isEmpty() ? null : contentType, rawBytes(r));
        });
    }

    /** Ten content types; the empty one sends none. */
    static final List<String> CONTENT_TYPES = List.of(
            "application/json",
            "application/json; charset=utf-8",
            "APPLICATION/JSON",
            "application/json; charset=latin1",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "",
            ";;;",
            "application/json\u00e9");

    /** Up to 300 random bytes, or (one in two) a few more or fewer than the body limit. */
    static byte[] rawBytes(Random r) {
        byte[] b = new byte[r.nextBoolean() ? r.nextInt(301) : MAX_BODY - 10 + r.nextInt(21)];
        r.nextBytes(b);
        return b;
    }

    /** A Content-Length far beyond the limit is refused from the header, without reading or allocating it. */
    @Test
    void aHugeDeclaredLengthIsRefusedWithoutAllocatingIt() throws Exception {
        for (String route : ROUTES) {
            RawHttp.Response r = RawHttp.exchange(
                    f.server.port(),
                    "POST " + route + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 1099511627776\r\nConnection: close\r\n\r\n{\"texts\": [");
            assertEquals(413, r.status(), r.body());
        }
    }
}
