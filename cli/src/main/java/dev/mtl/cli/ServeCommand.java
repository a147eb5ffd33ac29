package dev.mtl.cli;

import dev.mtl.MultiTaskModel;
import dev.mtl.serve.ServeSettings;
import dev.mtl.serve.Server;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mtl serve}: the HTTP API and demo page until SIGTERM/Ctrl-C, then a graceful stop. */
@Command(
        name = "serve",
        description = "Serve predictions and embeddings over HTTP (JSON API, Prometheus metrics, demo page at /).")
final class ServeCommand implements Callable<Integer> {

    @Option(
            names = "--model",
            description = "Model directory (default: the embedded all-MiniLM-L6-v2, embedding only).")
    Path model;

    @Option(
            names = "--host",
            defaultValue = ServeSettings.DEFAULT_HOST,
            description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(
            names = "--port",
            defaultValue = "" + ServeSettings.DEFAULT_PORT,
            description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--max-batch-tokens",
            defaultValue = "" + ServeSettings.DEFAULT_MAX_BATCH_TOKENS,
            description = "Token budget of one merged forward pass (default: ${DEFAULT-VALUE}).")
    int maxBatchTokens;

    @Option(
            names = "--max-wait-ms",
            defaultValue = "" + ServeSettings.DEFAULT_MAX_WAIT_MS,
            description = "How long to wait for more requests to merge after the first (default: ${DEFAULT-VALUE}).")
    int maxWaitMs;

    @Option(
            names = "--queue",
            defaultValue = "" + ServeSettings.DEFAULT_QUEUE,
            description = "Requests that may wait for the model; more get 503 (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(
            names = "--max-texts",
            defaultValue = "" + ServeSettings.DEFAULT_MAX_TEXTS,
            description = "Texts per request (default: ${DEFAULT-VALUE}).")
    int maxTexts;

    @Option(
            names = "--max-text-chars",
            defaultValue = "" + ServeSettings.DEFAULT_MAX_TEXT_CHARS,
            description = "Characters per text (default: ${DEFAULT-VALUE}).")
    int maxTextChars;

    @Option(
            names = "--max-body-bytes",
            defaultValue = "" + ServeSettings.DEFAULT_MAX_BODY_BYTES,
            description = "Request body size (default: ${DEFAULT-VALUE}).")
    int maxBodyBytes;

    @Option(
            names = "--timeout-ms",
            defaultValue = "" + ServeSettings.DEFAULT_TIMEOUT_MS,
            description = "A request waiting longer for its result gets 504 (default: ${DEFAULT-VALUE}).")
    int timeoutMs;

    @Option(
            names = "--shutdown-grace-ms",
            defaultValue = "" + ServeSettings.DEFAULT_SHUTDOWN_GRACE_MS,
            description = "On SIGTERM, how long to let requests in flight finish (default: ${DEFAULT-VALUE}).")
    int graceMs;

    ServeSettings settings() {
        return new ServeSettings(
                host, port, maxBatchTokens, maxWaitMs, queue, maxTexts, maxTextChars, maxBodyBytes, timeoutMs, graceMs);
    }

    @Override
    public Integer call() throws Exception {
        ServeSettings s = settings(); // validate the flags before loading a model
        MultiTaskModel m = model == null ? MultiTaskModel.loadDefault() : MultiTaskModel.load(model);
        Server server;
        try {
            server = Server.start(m, s);
        } catch (RuntimeException e) {
            m.close();
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + Errors.oneLine(e), e);
        }
        // SIGTERM and Ctrl-C run shutdown hooks: stop accepting, finish requests in flight, close the model.
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "mtl-serve-shutdown"));
        System.err.println(
                "mtl serve: " + m.backbone().name() + " on " + server.url() + " (demo page at /; Ctrl-C stops)");
        server.awaitClose();
        return 0;
    }
}
