package dev.mtl.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
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
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.arbitraries.StringArbitrary;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Fuzzing of every JSON route's request body (jqwik): mutations of a committed seed corpus
 * ({@code src/test/resources/fuzz/http}), generated JSON of the right and wrong shapes, and raw bytes.
 * Whatever the body, the answer is a 200 or one of the documented client errors (400, 413, 415, 422) in the
 * route's error shape, within the request timeout: never a 500, never a hang. Seeds are fixed so a
 * failure reproduces; the corpus is where a found case goes.
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
    static List<byte[]> corpus;

    @BeforeContainer
    static void start() throws IOException {
        tmp = Files.createTempDirectory("mtl-fuzz-");
        f = ServeFixture.start(
                ServeFixture.writeTinyModel(tmp), ServeSettings.defaults().withLimits(8, 200, MAX_BODY));
        corpus = new ArrayList<>();
        Path dir = Path.of("src/test/resources/fuzz/http");
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            List<Path> sorted = new ArrayList<>();
            files.forEach(sorted::add);
            sorted.sort(Comparator.naturalOrder());
            for (Path p : sorted) {
                corpus.add(Files.readAllBytes(p));
            }
        }
        assertTrue(corpus.size() >= 10, "seed corpus in " + dir);
    }

    @AfterContainer
    static void stop() throws IOException {
        f.close();
        try (Stream<Path> all = Files.walk(tmp)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Posts {@code body} and checks the answer: 200 with a result, or a documented error in the route's shape. */
    static void assertAnsweredWell(String route, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(f.uri(route))
                .timeout(ANSWER_WITHIN)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        HttpResponse<String> r = f.http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        String ct = r.headers().firstValue("Content-Type").orElse("");
        // jqwik prints the answers by status after each property: how much reached the model.
        Statistics.collect(r.statusCode());
        String what = route + " " + new String(body, StandardCharsets.UTF_8) + " -> " + r.statusCode() + " " + r.body();
        if (r.statusCode() == 200) {
            JsonNode j = ServeFixture.JSON.readTree(r.body());
            // mtl's and OpenAI's answers are objects with their results, TEI's are arrays.
            assertTrue(j.isArray() ? !j.isEmpty() : j.has("predictions") || j.has("data"), what);
            return;
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
    }

    // ------------------------------------------------------------------ mutated seeds

    @Property(tries = 300, seed = "20261129")
    void mutatedSeedsGetAnAnswerOrADocumentedError(@ForAll("routes") String route, @ForAll("mutatedSeeds") byte[] body)
            throws Exception {
        assertAnsweredWell(route, "application/json", body);
    }

    @Provide
    Arbitrary<String> routes() {
        return Arbitraries.of(ROUTES);
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

    @Provide
    Arbitrary<byte[]> mutatedSeeds() {
        Arbitrary<byte[]> seed = Arbitraries.integers()
                .between(0, corpus.size() - 1)
                .map(i -> corpus.get(i).clone());
        Arbitrary<Mutation> mutation = Combinators.combine(
                        Arbitraries.integers().between(0, 5),
                        Arbitraries.doubles().between(0, 1),
                        Arbitraries.doubles().between(0, 1),
                        Arbitraries.of(FRAGMENTS),
                        Arbitraries.bytes())
                .as(Mutation::new);
        return Combinators.combine(seed, mutation.list().ofMinSize(1).ofMaxSize(3))
                .as((s, ms) -> {
                    byte[] out = s;
                    for (Mutation m : ms) {
                        out = m.apply(out);
                    }
                    return out;
                });
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

    @Property(tries = 300, seed = "7")
    void generatedJsonGetsAnAnswerOrADocumentedError(@ForAll("routes") String route, @ForAll("bodies") JsonNode body)
            throws Exception {
        assertAnsweredWell(route, "application/json", ServeFixture.JSON.writeValueAsBytes(body));
    }

    static final List<String> FIELDS = List.of(
            "texts",
            "input",
            "tasks",
            "encoding_format",
            "model",
            "dimensions",
            "user",
            "inputs",
            "normalize",
            "truncate",
            "raw_scores",
            "x");

    /** Objects with the routes' fields, their values of the right type half the time, odd ones otherwise. */
    @Provide
    Arbitrary<JsonNode> bodies() {
        Arbitrary<JsonNode> field = Arbitraries.frequencyOf(
                Tuple.of(3, texts()),
                Tuple.of(
                        1,
                        Arbitraries.of("embedding", "classification", "ner", "NER", "sentiment", "")
                                .list()
                                .ofMaxSize(4)
                                .map(RequestBodyFuzzTest::array)),
                Tuple.of(1, Arbitraries.of("float", "base64", "int8").map(TextNode::valueOf)),
                Tuple.of(3, json(2)));
        // Most bodies carry a route's texts, so that many reach the model rather than stop at validation.
        Arbitrary<String> textField = Arbitraries.of("texts", "input", "inputs", "texts", "input", "inputs", "");
        return Combinators.combine(
                        textField,
                        texts(),
                        Arbitraries.maps(Arbitraries.of(FIELDS), field).ofMaxSize(3))
                .as((name, texts, m) -> {
                    ObjectNode o = ServeFixture.JSON.createObjectNode();
                    m.forEach(o::set);
                    if (!name.isEmpty()) {
                        o.set(name, texts);
                    }
                    return (JsonNode) o;
                });
    }

    /** Strings mixing ASCII with what tokenizers and alignment find hard: controls, marks, surrogates, CJK. */
    static StringArbitrary strings() {
        return Arbitraries.strings()
                .withCharRange(' ', '~')
                .withChars("\u0000\u0007\t\n\r\u00a0\u0301\u200b\u202e\ufeff\ud800\udc00\udfff\u4e2d\u00e9\uffff")
                .ofMaxLength(60);
    }

    static Arbitrary<JsonNode> texts() {
        Arbitrary<JsonNode> many = strings().list().ofMaxSize(10).map(RequestBodyFuzzTest::array);
        return Arbitraries.frequencyOf(Tuple.of(4, many), Tuple.of(1, strings().map(TextNode::valueOf)));
    }

    static ArrayNode array(List<String> items) {
        ArrayNode a = ServeFixture.JSON.createArrayNode();
        items.forEach(a::add);
        return a;
    }

    static Arbitrary<JsonNode> json(int depth) {
        Arbitrary<JsonNode> leaf = Arbitraries.oneOf(
                strings().map(TextNode::valueOf),
                Arbitraries.longs().map(LongNode::valueOf),
                Arbitraries.doubles().map(DoubleNode::valueOf),
                Arbitraries.of(BooleanNode.TRUE, BooleanNode.FALSE, NullNode.instance));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<JsonNode> arr = json(depth - 1).list().ofMaxSize(5).map(l -> {
            ArrayNode a = ServeFixture.JSON.createArrayNode();
            l.forEach(a::add);
            return a;
        });
        Arbitrary<JsonNode> obj = Arbitraries.maps(strings().ofMaxLength(8), json(depth - 1))
                .ofMaxSize(3)
                .map(m -> {
                    ObjectNode o = ServeFixture.JSON.createObjectNode();
                    m.forEach(o::set);
                    return o;
                });
        return Arbitraries.frequencyOf(Tuple.of(4, leaf), Tuple.of(2, arr), Tuple.of(1, obj));
    }

    // ------------------------------------------------------------------ raw bytes and headers

    @Property(tries = 150, seed = "11")
    void arbitraryBytesAndContentTypesGetADocumentedError(
            @ForAll("routes") String route, @ForAll("contentTypes") String contentType, @ForAll("rawBytes") byte[] body)
            throws Exception {
        assertAnsweredWell(route, contentType.isEmpty() ? null : contentType, body);
    }

    @Provide
    Arbitrary<String> contentTypes() {
        return Arbitraries.of(
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
    }

    @Provide
    Arbitrary<byte[]> rawBytes() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
                Arbitraries.bytes().array(byte[].class).ofMinSize(MAX_BODY - 10).ofMaxSize(MAX_BODY + 10));
    }

    /** A Content-Length far beyond the limit is refused from the header, without reading or allocating it. */
    @Example
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
