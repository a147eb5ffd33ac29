package dev.mtl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mtl serve} with the key from MTL_API_KEY, as a real process: routes need the key, /health does
 * not, and the key appears neither in the process's log (at info level) nor in /metrics, whatever
 * clients send.
 */
class ApiKeyTest {

    static final String KEY = "mtl-test-Key_8c1f5e0a";

    @Test
    void theKeyGuardsEveryRouteButHealthAndIsNeverWrittenOut(@TempDir Path tmp) throws Exception {
        Path model = dev.mtl.TestModels.writeTwoHeadModel(tmp);
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path log = tmp.resolve("serve.log");
        ProcessBuilder pb = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-Dai.djl.offline=true",
                        "-Dai.djl.pytorch.num_threads=1",
                        "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.mtl.cli.Main",
                        "serve",
                        "--model",
                        model.toString(),
                        "--port",
                        "" + port)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("MTL_API_KEY", KEY);
        Process p = pb.start();
        String base = "http://127.0.0.1:" + port;
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            awaitHealth(http, base, p, log);
            String predict = "{\"texts\": [\"play the music\"]}";
            assertEquals(401, send(http, base, "/v1/predict", predict, null).statusCode());
            assertEquals(
                    401,
                    send(http, base, "/v1/predict", predict, "Bearer " + KEY + "x")
                            .statusCode());
            assertEquals(
                    401,
                    send(http, base, "/v1/predict", predict, "Bearer " + KEY.substring(1))
                            .statusCode());
            assertEquals(401, send(http, base, "/v1/predict", predict, KEY).statusCode());
            assertEquals(401, send(http, base, "/metrics", null, null).statusCode());
            assertEquals(401, send(http, base, "/", null, null).statusCode());
            assertEquals(
                    401, send(http, base, "/v1/model", null, "Bearer wrong").statusCode());
            List<HttpResponse<String>> ok = new ArrayList<>();
            ok.add(send(http, base, "/v1/predict", predict, "Bearer " + KEY));
            ok.add(send(http, base, "/v1/embeddings", "{\"input\": \"new york\"}", "Bearer " + KEY));
            ok.add(send(http, base, "/v1/model", null, "Bearer " + KEY));
            ok.add(send(http, base, "/", null, "Bearer " + KEY));
            for (var r : ok) {
                assertEquals(200, r.statusCode(), r.uri() + ": " + r.body());
            }
            // Errors after the key check: their messages and log lines must not carry the header either.
            assertEquals(
                    400,
                    send(http, base, "/v1/predict", "{\"texts\": [", "Bearer " + KEY)
                            .statusCode());
            assertEquals(404, send(http, base, "/v2/x", null, "Bearer " + KEY).statusCode());
            HttpResponse<String> metrics = send(http, base, "/metrics", null, "Bearer " + KEY);
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("status=\"401\""), "401s are counted");
            assertFalse(metrics.body().contains(KEY), "key in /metrics");
            p.destroy();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "server exits after SIGTERM");
            String written = Files.readString(log);
            assertFalse(written.isBlank(), "the log has lines at info level");
            assertFalse(written.contains(KEY), "key in the log:\n" + written);
            assertFalse(written.contains(KEY.substring(4)), "part of the key in the log:\n" + written);
        } finally {
            p.destroyForcibly();
        }
    }

    private static HttpResponse<String> send(HttpClient http, String base, String path, String json, String auth)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (json != null) {
            b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        }
        if (auth != null) {
            b.header("Authorization", auth);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 401) {
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
            assertTrue(r.body().startsWith("{\"error\":"), r.body());
            assertFalse(r.body().contains(KEY), r.body());
            assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        }
        return r;
    }

    private static void awaitHealth(HttpClient http, String base, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            assertTrue(p.isAlive(), () -> "server exited early; log:\n" + read(log));
            try {
                // /health needs no key.
                if (http.send(
                                        HttpRequest.newBuilder(URI.create(base + "/health"))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            assertTrue(System.nanoTime() < deadline, () -> "no /health within 60 s; log:\n" + read(log));
            Thread.sleep(100);
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
