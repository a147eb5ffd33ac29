package dev.mtl.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests that Jetty rejects before any route sees them (bad URIs, broken or oversized headers,
 * unknown methods) still get the API's JSON error body, never Jetty's HTML page.
 */
class ProtocolErrorTest {

    @TempDir
    static Path tmp;

    static ServeFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = ServeFixture.start(ServeFixture.writeTinyModel(tmp), ServeSettings.defaults());
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @AfterEach
    void serverIsStillHealthy() throws Exception {
        assertEquals(200, f.get("/health").status());
    }

    private static final String END = "Host: localhost\r\nConnection: close\r\n\r\n";

    static Stream<Arguments> hostile() {
        return Stream.of(
                Arguments.of("path escaping the root", "GET /../../etc/passwd HTTP/1.1\r\n" + END, 400),
                Arguments.of("encoded dot segments", "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\n" + END, 400),
                Arguments.of("bad percent-encoding", "GET /v1/model%zz HTTP/1.1\r\n" + END, 400),
                Arguments.of("encoded NUL in the path", "GET /v1/%00model HTTP/1.1\r\n" + END, 400),
                Arguments.of("header line without a colon", "GET /health HTTP/1.1\r\nBroken header\r\n" + END, 400),
                Arguments.of("no Host header", "GET /v1/model HTTP/1.1\r\nConnection: close\r\n\r\n", 400),
                Arguments.of("unknown HTTP version", "GET /v1/model HTTP/7.3\r\n" + END, 505),
                Arguments.of(
                        "header larger than the limit",
                        "GET /v1/model HTTP/1.1\r\nX-Big: " + "a".repeat(20_000) + "\r\n" + END,
                        431),
                Arguments.of(
                        "request line larger than the limit",
                        "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\n" + END,
                        414),
                Arguments.of("unknown method", "BREW /v1/model HTTP/1.1\r\n" + END, 405),
                Arguments.of("TRACE", "TRACE /v1/model HTTP/1.1\r\n" + END, 405),
                Arguments.of(
                        "two Content-Length headers",
                        "POST /v1/predict HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                                + "Content-Length: 3\r\n" + END + "{}",
                        400),
                Arguments.of(
                        "negative Content-Length",
                        "POST /v1/predict HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: -5\r\n" + END,
                        400),
                Arguments.of(
                        "bad chunk size",
                        "POST /v1/predict HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                                + END + "zz\r\n{}\r\n0\r\n\r\n",
                        400));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void jettysOwnErrorsAreJson(String what, String request, int status) throws Exception {
        RawHttp.Response r = RawHttp.exchange(f.server.port(), request);
        assertEquals(status, r.status(), what + ": " + r.body());
        // The shape (and one line) is checked by the fixture: mtl's, OpenAI's or TEI's by path.
        String msg = new ServeFixture.Response(r.status(), r.header("Content-Type"), r.body()).error();
        assertFalse(msg.isBlank() || msg.contains("<"), msg);
    }
}
