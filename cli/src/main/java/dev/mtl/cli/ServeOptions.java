package dev.mtl.cli;

import dev.mtl.serve.ServeSettings;
import picocli.CommandLine.Option;

/**
 * The server's flags, as a picocli mixin ({@code @Mixin ServeOptions serve}) so that every command
 * starting a server (mtl serve, a benchmark) offers the same names and defaults. The values are
 * validated by {@link ServeSettings}, whose messages name these flags.
 */
public final class ServeOptions {

    @Option(
            names = "--host",
            paramLabel = "ADDRESS",
            defaultValue = ServeSettings.DEFAULT_HOST,
            description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host = ServeSettings.DEFAULT_HOST;

    @Option(
            names = "--port",
            paramLabel = "PORT",
            defaultValue = "" + ServeSettings.DEFAULT_PORT,
            description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port = ServeSettings.DEFAULT_PORT;

    @Option(
            names = "--max-batch-tokens",
            paramLabel = "N",
            defaultValue = "" + ServeSettings.DEFAULT_MAX_BATCH_TOKENS,
            description = "Token budget of one merged forward pass (default: ${DEFAULT-VALUE}).")
    int maxBatchTokens = ServeSettings.DEFAULT_MAX_BATCH_TOKENS;

    @Option(
            names = "--max-wait-ms",
            paramLabel = "MS",
            defaultValue = "" + ServeSettings.DEFAULT_MAX_WAIT_MS,
            description = "How long to wait for more requests to merge after the first (default: ${DEFAULT-VALUE}).")
    int maxWaitMs = ServeSettings.DEFAULT_MAX_WAIT_MS;

    @Option(
            names = "--queue",
            paramLabel = "N",
            defaultValue = "" + ServeSettings.DEFAULT_QUEUE,
            description = "Requests that may wait for the model; more get 503 (default: ${DEFAULT-VALUE}).")
    int queue = ServeSettings.DEFAULT_QUEUE;

    @Option(
            names = "--max-texts",
            paramLabel = "N",
            defaultValue = "" + ServeSettings.DEFAULT_MAX_TEXTS,
            description = "Texts per request (default: ${DEFAULT-VALUE}).")
    int maxTexts = ServeSettings.DEFAULT_MAX_TEXTS;

    @Option(
            names = "--max-text-chars",
            paramLabel = "N",
            defaultValue = "" + ServeSettings.DEFAULT_MAX_TEXT_CHARS,
            description = "Characters per text (default: ${DEFAULT-VALUE}).")
    int maxTextChars = ServeSettings.DEFAULT_MAX_TEXT_CHARS;

    @Option(
            names = "--max-body-bytes",
            paramLabel = "BYTES",
            defaultValue = "" + ServeSettings.DEFAULT_MAX_BODY_BYTES,
            description = "Request body size (default: ${DEFAULT-VALUE}).")
    int maxBodyBytes = ServeSettings.DEFAULT_MAX_BODY_BYTES;

    @Option(
            names = "--timeout-ms",
            paramLabel = "MS",
            defaultValue = "" + ServeSettings.DEFAULT_TIMEOUT_MS,
            description = "A request waiting longer for its result gets 504 (default: ${DEFAULT-VALUE}).")
    int timeoutMs = ServeSettings.DEFAULT_TIMEOUT_MS;

    @Option(
            names = "--shutdown-grace-ms",
            paramLabel = "MS",
            defaultValue = "" + ServeSettings.DEFAULT_SHUTDOWN_GRACE_MS,
            description = "On SIGTERM, how long to let requests in flight finish (default: ${DEFAULT-VALUE}).")
    int graceMs = ServeSettings.DEFAULT_SHUTDOWN_GRACE_MS;

    @Option(
            names = "--idle-timeout-ms",
            paramLabel = "MS",
            defaultValue = "" + ServeSettings.DEFAULT_IDLE_TIMEOUT_MS,
            description =
                    "Close a connection silent this long, mid-request or between requests (default: ${DEFAULT-VALUE}).")
    int idleTimeoutMs = ServeSettings.DEFAULT_IDLE_TIMEOUT_MS;

    // The default comes from the environment, so that the key need not appear in the process list.
    @Option(
            names = "--api-key",
            paramLabel = "KEY",
            defaultValue = "${env:MTL_API_KEY}",
            description = "Require 'Authorization: Bearer KEY' on every route but /health (default: the"
                    + " environment variable MTL_API_KEY; none if unset).")
    String apiKey;

    /** The parsed flags as settings; throws IllegalArgumentException naming the first bad flag. */
    public ServeSettings settings() {
        return new ServeSettings(
                host,
                port,
                maxBatchTokens,
                maxWaitMs,
                queue,
                maxTexts,
                maxTextChars,
                maxBodyBytes,
                timeoutMs,
                graceMs,
                idleTimeoutMs,
                apiKey == null || apiKey.isEmpty() ? null : apiKey);
    }
}
