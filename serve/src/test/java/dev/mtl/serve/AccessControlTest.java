package dev.mtl.serve;

import static dev.mtl.serve.ServeFixture.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API key: 401 in the error shape without it, 200 with it, /health always open. */
class AccessControlTest {

    @TempDir
    static Path tmp;

    @Test
    void everyRouteButHealthNeedsTheKey() throws Exception {
        String key = "k3y-" + System.nanoTime();
        try (ServeFixture f = ServeFixture.start(
                ServeFixture.writeTinyModel(tmp), ServeSettings.defaults().withApiKey(key))) {
            assertEquals(200, f.get("/health").status());
            for (String path : List.of("/", "/demo.js", "/v1/model", "/metrics", "/no/such/route")) {
                var r = f.get(path);
                assertEquals(401, r.status(), path);
                assertEquals("this server requires an API key: send 'Authorization: Bearer KEY'", r.error());
            }
            String req = body(Map.of("texts", List.of("play music")));
            var wrong = f.send(HttpRequest.newBuilder(f.uri("/v1/predict"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + key.toUpperCase())
                    .POST(HttpRequest.BodyPublishers.ofString(req))
                    .build());
            assertEquals(401, wrong.status());
            var right = f.send(HttpRequest.newBuilder(f.uri("/v1/predict"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + key)
                    .POST(HttpRequest.BodyPublishers.ofString(req))
                    .build());
            assertEquals(200, right.status(), right.body());
            assertEquals(1, right.json().get("predictions").size());
            var metrics = f.send(HttpRequest.newBuilder(f.uri("/metrics"))
                    .header("Authorization", "Bearer " + key)
                    .build());
            assertEquals(200, metrics.status());
            assertTrue(!metrics.body().contains(key));
        }
    }

    /**
     * Jetty caches header values per connection and, by default, matches them ignoring case: the second
     * request on a connection would see the first one's Authorization value if the two differ only in
     * case. Both orders on one connection.
     */
    @Test
    void aKeyDifferingOnlyInCaseIsWrongOnAKeptAliveConnection() throws Exception {
        String key = "k3y-" + System.nanoTime();
        try (ServeFixture f = ServeFixture.start(
                        ServeFixture.writeTinyModel(tmp),
                        ServeSettings.defaults().withApiKey(key));
                Socket sock = new Socket(InetAddress.getLoopbackAddress(), f.server.port())) {
            sock.setSoTimeout(10_000);
            String upper = key.toUpperCase(Locale.ROOT);
            List<String> keys = List.of(upper, key, upper, key, key);
            List<Integer> expected = List.of(401, 200, 401, 200, 200);
            for (int i = 0; i < keys.size(); i++) {
                String r = "GET /v1/model HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + keys.get(i) + "\r\n\r\n";
                sock.getOutputStream().write(r.getBytes(StandardCharsets.ISO_8859_1));
                assertEquals(
                        expected.get(i), RawHttp.read(sock.getInputStream()).status(), "request " + i);
            }
        }
    }

    @Test
    void bindingBeyondLoopbackWithoutAKeyWarns() {
        assertNull(AccessControl.exposureWarning("127.0.0.1", false));
        assertNull(AccessControl.exposureWarning("::1", false));
        assertNull(AccessControl.exposureWarning("localhost", false));
        assertNull(AccessControl.exposureWarning("0.0.0.0", true));
        String w = AccessControl.exposureWarning("0.0.0.0", false);
        assertNotNull(w);
        assertEquals(
                "listening on 0.0.0.0 without an API key: anyone who can reach this port can use the model;"
                        + " set --api-key or MTL_API_KEY, or bind 127.0.0.1",
                w);
        assertNotNull(AccessControl.exposureWarning("::", false));
    }
}
