package dev.mtl.bench;

import dev.mtl.MultiTaskModel;
import dev.mtl.cli.Main;
import dev.mtl.serve.ServeSettings;
import dev.mtl.serve.Server;
import java.io.IOException;
import java.lang.management.ManagementFactory;
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

/**
 * The server {@code mtl bench serve} loads: {@code mtl serve} in a child JVM, as in production, or a
 * {@link Server} in the benchmark's own JVM. Knows how to start, find, measure and stop it; sends no
 * load itself.
 */
interface ServeTarget extends AutoCloseable {

    String url();

    /** Resident set size of the server's process, in kB. */
    long rssKb();

    long pid();

    @Override
    void close() throws Exception;

    /** Resident set size of a process from /proc/PID/status, in kB (0 where there is no /proc). */
    static long rssKb(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: report 0
        }
        return 0;
    }

    /** A server in this JVM, beside the clients: their CPU and memory are counted as the server's. */
    record InProcess(Server server) implements ServeTarget {

        static InProcess start(MultiTaskModel model, ServeSettings settings) throws IOException {
            return new InProcess(Server.start(model, settings));
        }

        @Override
        public String url() {
            return server.url();
        }

        @Override
        public long rssKb() {
            return ServeTarget.rssKb(pid());
        }

        @Override
        public long pid() {
            return ProcessHandle.current().pid();
        }

        @Override
        public void close() {
            server.close();
        }
    }

    /**
     * {@code mtl serve} in a child JVM started with this JVM's options and class path (so the same
     * threads, offline flags and memory settings), on a free port; stopped with SIGTERM. The class
     * path is the bench module's, which holds mtl-cli and its dependencies.
     */
    final class ChildServer implements ServeTarget {

        private static final long START_SECONDS = 120;
        private static final long STOP_SECONDS = 60;

        private final Process process;
        private final String url;
        private final Path log;

        private ChildServer(Process process, String url, Path log) {
            this.process = process;
            this.url = url;
            this.log = log;
        }

        static ChildServer start(String model, ServeSettings s, HttpClient http)
                throws IOException, InterruptedException {
            int port;
            try (ServerSocket probe = new ServerSocket(0)) {
                port = probe.getLocalPort();
            }
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            cmd.addAll(List.of(
                    "-cp",
                    System.getProperty("java.class.path"),
                    Main.class.getName(),
                    "serve",
                    "--port",
                    "" + port,
                    "--max-batch-tokens",
                    "" + s.maxBatchTokens(),
                    "--max-wait-ms",
                    "" + s.maxWaitMs(),
                    "--queue",
                    "" + s.queueCapacity(),
                    "--max-texts",
                    "" + s.maxTexts()));
            if (!model.equals("default")) {
                cmd.addAll(List.of("--model", Path.of(model).toAbsolutePath().toString()));
            }
            Path log = Files.createTempFile("mtl-serve-bench-", ".log");
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            ChildServer child = new ChildServer(p, "http://127.0.0.1:" + port, log);
            child.awaitHealthy(http);
            System.err.println("bench serve: server pid " + p.pid() + " ready on " + child.url + " (log " + log + ")");
            return child;
        }

        /** Polls /health until it answers 200; fails if the process exits or the time runs out. */
        private void awaitHealthy(HttpClient http) throws InterruptedException {
            HttpRequest health =
                    HttpRequest.newBuilder(URI.create(url + "/health")).build();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(
                            "server process exited with " + process.exitValue() + "; its log: " + log);
                }
                try {
                    if (http.send(health, HttpResponse.BodyHandlers.discarding())
                                    .statusCode()
                            == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException(
                            "server did not answer /health within " + START_SECONDS + " s; its log: " + log);
                }
                Thread.sleep(100);
            }
        }

        @Override
        public String url() {
            return url;
        }

        @Override
        public long rssKb() {
            return ServeTarget.rssKb(process.pid());
        }

        @Override
        public long pid() {
            return process.pid();
        }

        /** SIGTERM, then waits for the exit; returns the exit code. */
        int terminate() throws InterruptedException {
            process.destroy(); // SIGTERM on Linux
            if (!process.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(
                        "server did not exit within " + STOP_SECONDS + " s of SIGTERM; its log: " + log);
            }
            return process.exitValue();
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                terminate();
            }
        }
    }
}
