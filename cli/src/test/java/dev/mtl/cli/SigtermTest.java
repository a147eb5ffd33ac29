package dev.mtl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mtl serve} as a real process receiving a real SIGTERM while requests wait in the batcher:
 * every one of them is answered with its predictions before the process exits.
 */
class SigtermTest {

    @Test
    void requestsInFlightAtSigtermAreAnswered(@TempDir Path tmp) throws Exception {
        Path model = dev.mtl.TestModels.writeTwoHeadModel(tmp);
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path log = tmp.resolve("serve.log");
        // The batcher waits up to 1.5 s to fill a batch: the requests below are certainly in the server,
        // unanswered, when the signal arrives 300 ms after they were sent.
        Process p = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-Dai.djl.offline=true",
                        "-Dai.djl.pytorch.num_threads=1",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.mtl.cli.Main",
                        "serve",
                        "--model",
                        model.toString(),
                        "--port",
                        "" + port,
                        "--max-wait-ms",
                        "1500",
                        "--max-batch-tokens",
                        "100000")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        String base = "http://127.0.0.1:" + port;
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            awaitHealth(http, base, p, log);
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String body =
                        "{\"texts\": [\"play the music " + i + "\", \"new york\"], \"tasks\": [\"classification\"]}";
                inFlight.add(http.sendAsync(
                        HttpRequest.newBuilder(URI.create(base + "/v1/predict"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            Thread.sleep(300);
            assertTrue(p.isAlive(), "server alive before the signal");
            p.destroy(); // SIGTERM
            for (var f : inFlight) {
                HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                JsonNode preds = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(r.body())
                        .get("predictions");
                assertEquals(2, preds.size(), r.body());
                assertTrue(preds.get(0).get("classification").get("intent").has("label"), r.body());
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "server exits after SIGTERM; log:\n" + Files.readString(log));
            // 143 = 128 + SIGTERM: the JVM's status after its shutdown hooks ran on that signal.
            assertEquals(143, p.exitValue(), Files.readString(log));
        } finally {
            p.destroyForcibly();
        }
    }

    private static void awaitHealth(HttpClient http, String base, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            assertTrue(p.isAlive(), () -> "server exited early; log:\n" + read(log));
            try {
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
