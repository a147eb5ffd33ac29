package dev.mtl.serve;

import static dev.mtl.serve.ServeFixture.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server under hostile or broken clients, all on loopback: clients that vanish mid-request, slow
 * clients that hold connections, 2,000 connections at once, bursts far over the queue. After each,
 * no thread is left behind, the inference thread is free, and a normal request gets its answer.
 *
 * <p>What a slow client costs: connections are handled by Jetty's selector without a thread while they
 * send nothing or headers only; a request whose headers are complete takes a pool thread, and one
 * whose body trickles in holds that thread in a blocking read until the body is complete or the
 * connection has been silent for the idle timeout ({@code --idle-timeout-ms}), which closes it.
 */
class ServerFaultTest {

    @TempDir
    static Path tmp;

    static Path model;

    static final int IDLE_MS = 1000;
    static final String PREDICT = body(Map.of("texts", List.of("play the music", "new york")));

    ServeFixture f;
    QueuedThreadPool pool;
    Set<Long> baselineThreads;
    int baselineBusy;

    @BeforeAll
    static void writeModel() throws Exception {
        model = ServeFixture.writeTinyModel(tmp);
    }

    /** A server with a queue of 64 and the given idle timeout; the thread counts before any fault. */
    void start(int idleMs) throws Exception {
        f = ServeFixture.start(
                model,
                ServeSettings.defaults()
                        .withBatching(4096, 2, 64)
                        .withIdleTimeout(idleMs)
                        .withTimeouts(20_000, 5000));
        pool = (QueuedThreadPool) f.server.jetty().getThreadPool();
        assertNormalRequestWorks(); // the client's and the pool's first threads exist before the count
        baselineThreads = liveThreads().keySet();
        baselineBusy = pool.getBusyThreads();
    }

    @AfterEach
    void stop() {
        if (f != null) {
            f.close();
        }
    }

    private static Map<Long, String> liveThreads() {
        Map<Long, String> live = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            live.put(t.getId(), t.getName());
        }
        return live;
    }

    /**
     * Threads started since the baseline that are neither the server's pool nor the test's own HTTP
     * client (the JDK client starts and retires its workers on its own schedule).
     */
    private List<String> strayThreads() {
        List<String> stray = new ArrayList<>();
        liveThreads().forEach((id, name) -> {
            if (!baselineThreads.contains(id) && !name.startsWith(pool.getName()) && !name.startsWith("HttpClient-")) {
                stray.add(name);
            }
        });
        return stray;
    }

    /**
     * No thread is left behind: the pool's busy threads (selectors and acceptors included) are back to
     * what they were, every thread started since is an idle pool thread, which Jetty retires after its
     * own idle timeout (60 s), or the test client's, and the inference thread takes a normal request.
     */
    private void assertRecovered() throws Exception {
        await(() -> pool.getBusyThreads() <= baselineBusy, () -> "pool threads still busy: " + pool.getBusyThreads());
        await(() -> f.server.batcher().queueDepth() == 0, () -> "queue not drained");
        await(() -> strayThreads().isEmpty(), () -> "threads left behind: " + strayThreads());
        assertNormalRequestWorks();
        assertEquals(200, f.get("/health").status());
    }

    private void assertNormalRequestWorks() throws Exception {
        long t0 = System.nanoTime();
        var r = f.post("/v1/predict", PREDICT);
        assertEquals(200, r.status(), r.body());
        assertEquals("new york", r.json().get("predictions").get(1).get("text").asText());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "a normal request is answered promptly");
    }

    private static void await(BooleanSupplier done, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(20);
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), f.server.port());
        s.setSoTimeout(15_000);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
    }

    private static String head(String path, int contentLength) {
        return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + contentLength + "\r\n\r\n";
    }

    @Test
    @Timeout(120)
    void clientsThatDisconnectMidRequestLeaveNothingBehind() throws Exception {
        start(IDLE_MS);
        byte[] full = PREDICT.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 50; i++) {
            try (Socket s = connect()) { // gone in the middle of the request line
                send(s, "POST /v1/predi");
            }
            try (Socket s = connect()) { // gone in the middle of the headers
                send(s, "POST /v1/predict HTTP/1.1\r\nHost: localhost\r\nContent-Le");
            }
            try (Socket s = connect()) { // gone after half of the declared body
                send(s, head("/v1/predict", full.length) + PREDICT.substring(0, full.length / 2));
            }
            try (Socket s = connect()) { // gone once the request is complete, before the answer
                send(s, head("/v1/predict", full.length) + PREDICT);
            }
        }
        // A request gone while it waits in the queue: its answer has nowhere to go.
        f.server.batcher().pause();
        for (int i = 0; i < 20; i++) {
            try (Socket s = connect()) {
                send(s, head("/v1/predict", full.length) + PREDICT);
                Thread.sleep(5);
            }
        }
        f.server.batcher().resume();
        assertRecovered();
    }

    @Test
    @Timeout(120)
    void slowClientsHoldNoThreadWhileSilentAndAreCutAtTheIdleTimeout() throws Exception {
        start(IDLE_MS);
        List<Socket> silent = new ArrayList<>();
        List<Socket> trickling = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) { // headers never finished
                Socket s = connect();
                send(s, "POST /v1/predict HTTP/1.1\r\nHost: localhost\r\n");
                silent.add(s);
            }
            for (int i = 0; i < 20; i++) { // headers complete, body a byte at a time and then nothing
                Socket s = connect();
                send(s, head("/v1/predict", PREDICT.length()) + "{");
                trickling.add(s);
            }
            Thread.sleep(200);
            // 200 silent connections cost no thread; each trickling body holds one in a blocking read.
            assertTrue(
                    pool.getBusyThreads() <= baselineBusy + trickling.size(),
                    "busy " + pool.getBusyThreads() + " of baseline " + baselineBusy);
            assertNormalRequestWorks();
            long t0 = System.nanoTime();
            for (Socket s : silent) {
                assertClosedOrAnswered(s);
            }
            Map<Integer, Integer> trickled = new TreeMap<>();
            for (Socket s : trickling) {
                trickled.merge(assertClosedOrAnswered(s), 1, Integer::sum);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 10L * IDLE_MS, "cut within the idle timeout, took " + ms + " ms");
            assertTrue(trickled.keySet().stream().allMatch(k -> k == -1 || (k >= 400 && k < 500)), trickled.toString());
        } finally {
            for (Socket s : silent) {
                s.close();
            }
            for (Socket s : trickling) {
                s.close();
            }
        }
        assertRecovered();
    }

    /** Waits for the server to close the connection; returns the status it sent first, or -1 for none. */
    private static int assertClosedOrAnswered(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        StringBuilder got = new StringBuilder();
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("connection still open 15 s later; got '" + got + "'");
        } catch (IOException reset) {
            // closed with a reset: also closed
        }
        if (got.length() == 0) {
            return -1;
        }
        assertTrue(got.toString().contains("application/json"), got.toString());
        return Integer.parseInt(got.substring(9, 12));
    }

    @Test
    @Timeout(180)
    void twoThousandConcurrentConnectionsAreEachAnsweredAndTheQueueOverflowIs503WithRetryAfter() throws Exception {
        // Opening 2,000 connections one after the other takes longer than a short idle timeout.
        start(ServeSettings.DEFAULT_IDLE_TIMEOUT_MS);
        int n = 2000;
        List<Socket> sockets = new ArrayList<>(n);
        Map<Integer, Integer> statuses = new TreeMap<>();
        try {
            for (int i = 0; i < n; i++) {
                sockets.add(connect());
            }
            String req = head("/v1/predict", PREDICT.getBytes(StandardCharsets.UTF_8).length) + PREDICT;
            for (Socket s : sockets) {
                send(s, req);
            }
            for (Socket s : sockets) {
                RawHttp.Response r = RawHttp.read(s.getInputStream());
                statuses.merge(r.status(), 1, Integer::sum);
                assertTrue(
                        r.header("Content-Type").startsWith("application/json"),
                        r.headers().toString());
                if (r.status() == 503) {
                    assertEquals("1", r.header("Retry-After"), r.headers().toString());
                    assertTrue(r.body().contains("queue full"), r.body());
                } else {
                    assertEquals(200, r.status(), r.body());
                }
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        assertEquals(n, statuses.values().stream().mapToInt(Integer::intValue).sum(), statuses.toString());
        assertTrue(statuses.getOrDefault(200, 0) >= 64, "at least a queue's worth served: " + statuses);
        System.out.println("2000 connections: answers by status " + statuses);
        assertRecovered();
    }

    @Test
    @Timeout(120)
    void aBurstFarOverTheQueueGets503WithRetryAfterAndTheQueuedRequestsAreServed() throws Exception {
        start(IDLE_MS);
        f.server.batcher().pause();
        int burst = 400; // the queue holds 64
        List<Socket> sockets = new ArrayList<>();
        Map<Integer, Integer> statuses = new TreeMap<>();
        try {
            String req = head("/v1/predict", PREDICT.getBytes(StandardCharsets.UTF_8).length) + PREDICT;
            for (int i = 0; i < burst; i++) {
                Socket s = connect();
                send(s, req);
                sockets.add(s);
            }
            await(() -> f.server.metrics().requests("/v1/predict", 503) == burst - 64, () -> "not all refused");
            assertEquals(64, f.server.batcher().queueDepth());
            f.server.batcher().resume();
            for (Socket s : sockets) {
                RawHttp.Response r = RawHttp.read(s.getInputStream());
                statuses.merge(r.status(), 1, Integer::sum);
                if (r.status() == 503) {
                    assertEquals("1", r.header("Retry-After"));
                    assertEquals(
                            "queue full: 64 requests waiting (--queue 64); retry later",
                            ServeFixture.JSON.readTree(r.body()).get("error").asText());
                }
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        assertEquals(Map.of(200, 64, 503, burst - 64), statuses);
        assertRecovered();
    }
}
