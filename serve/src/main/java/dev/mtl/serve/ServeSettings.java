package dev.mtl.serve;

/**
 * Settings of the HTTP server; each is a flag of {@code mtl serve}, named in the messages so a user
 * knows what to change.
 *
 * @param host address to bind (127.0.0.1 by default: nothing is exposed unless asked)
 * @param port TCP port; 0 picks a free one
 * @param maxBatchTokens token budget of one merged forward pass (a single larger request still runs alone)
 * @param maxWaitMs how long the inference thread waits for more requests after the first one
 * @param queueCapacity requests that may wait for the model; one more gets 503
 * @param maxTexts texts per request
 * @param maxTextChars characters (code points) per text
 * @param maxBodyBytes request body size
 * @param timeoutMs how long a request may wait for its result before it gets 504
 * @param shutdownGraceMs how long shutdown waits for in-flight requests
 * @param idleTimeoutMs how long a connection may stay silent (mid-request or between requests) before
 *     it is closed: a client that sends nothing holds no thread, but does hold a connection
 * @param apiKey the key every route but /health requires as {@code Authorization: Bearer KEY}; null for
 *     none. Never printed: {@link #toString()} hides it
 */
public record ServeSettings(
        String host,
        int port,
        int maxBatchTokens,
        int maxWaitMs,
        int queueCapacity,
        int maxTexts,
        int maxTextChars,
        int maxBodyBytes,
        int timeoutMs,
        int shutdownGraceMs,
        int idleTimeoutMs,
        String apiKey) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    /** About 300 short sentences: enough to keep two cores busy, small enough to bound latency. */
    public static final int DEFAULT_MAX_BATCH_TOKENS = 4096;

    public static final int DEFAULT_MAX_WAIT_MS = 5;
    public static final int DEFAULT_QUEUE = 256;
    /** OpenAI's own limit per embeddings request, which its clients batch to; larger requests are split. */
    public static final int DEFAULT_MAX_TEXTS = 2048;

    public static final int DEFAULT_MAX_TEXT_CHARS = 10_000;
    /** Room for 2,048 inputs of a few hundred characters or token ids each. */
    public static final int DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

    public static final int DEFAULT_TIMEOUT_MS = 30_000;
    public static final int DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
    /** Jetty's own default: long enough for a slow mobile client, short enough to shed idle sockets. */
    public static final int DEFAULT_IDLE_TIMEOUT_MS = 30_000;

    public ServeSettings {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("--host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in [0, 65535], got " + port);
        }
        positive("--max-batch-tokens", maxBatchTokens);
        if (maxWaitMs < 0) {
            throw new IllegalArgumentException("--max-wait-ms must be >= 0, got " + maxWaitMs);
        }
        positive("--queue", queueCapacity);
        positive("--max-texts", maxTexts);
        positive("--max-text-chars", maxTextChars);
        positive("--max-body-bytes", maxBodyBytes);
        positive("--timeout-ms", timeoutMs);
        if (shutdownGraceMs < 0) {
            throw new IllegalArgumentException("--shutdown-grace-ms must be >= 0, got " + shutdownGraceMs);
        }
        positive("--idle-timeout-ms", idleTimeoutMs);
        if (apiKey != null && (apiKey.isEmpty() || !apiKey.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
            // The value is not repeated: it is a secret.
            throw new IllegalArgumentException(
                    "--api-key (or MTL_API_KEY) must be non-empty printable ASCII without spaces");
        }
    }

    /** The settings with the API key, if any, shown as {@code ***}: records print every component. */
    @Override
    public String toString() {
        return "ServeSettings[host=" + host + ", port=" + port + ", maxBatchTokens=" + maxBatchTokens
                + ", maxWaitMs=" + maxWaitMs + ", queueCapacity=" + queueCapacity + ", maxTexts=" + maxTexts
                + ", maxTextChars=" + maxTextChars + ", maxBodyBytes=" + maxBodyBytes + ", timeoutMs=" + timeoutMs
                + ", shutdownGraceMs=" + shutdownGraceMs + ", idleTimeoutMs=" + idleTimeoutMs + ", apiKey="
                + (apiKey == null ? "none" : "***") + "]";
    }

    private static void positive(String flag, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(flag + " must be >= 1, got " + v);
        }
    }

    public static ServeSettings defaults() {
        return new ServeSettings(
                DEFAULT_HOST,
                DEFAULT_PORT,
                DEFAULT_MAX_BATCH_TOKENS,
                DEFAULT_MAX_WAIT_MS,
                DEFAULT_QUEUE,
                DEFAULT_MAX_TEXTS,
                DEFAULT_MAX_TEXT_CHARS,
                DEFAULT_MAX_BODY_BYTES,
                DEFAULT_TIMEOUT_MS,
                DEFAULT_SHUTDOWN_GRACE_MS,
                DEFAULT_IDLE_TIMEOUT_MS,
                null);
    }

    public ServeSettings withPort(int p) {
        return new ServeSettings(
                host,
                p,
                maxBatchTokens,
                maxWaitMs,
                queueCapacity,
                maxTexts,
                maxTextChars,
                maxBodyBytes,
                timeoutMs,
                shutdownGraceMs,
                idleTimeoutMs,
                apiKey);
    }

    public ServeSettings withBatching(int tokens, int waitMs, int queue) {
        return new ServeSettings(
                host,
                port,
                tokens,
                waitMs,
                queue,
                maxTexts,
                maxTextChars,
                maxBodyBytes,
                timeoutMs,
                shutdownGraceMs,
                idleTimeoutMs,
                apiKey);
    }

    public ServeSettings withLimits(int texts, int textChars, int bodyBytes) {
        return new ServeSettings(
                host,
                port,
                maxBatchTokens,
                maxWaitMs,
                queueCapacity,
                texts,
                textChars,
                bodyBytes,
                timeoutMs,
                shutdownGraceMs,
                idleTimeoutMs,
                apiKey);
    }

    public ServeSettings withTimeouts(int timeout, int grace) {
        return new ServeSettings(
                host,
                port,
                maxBatchTokens,
                maxWaitMs,
                queueCapacity,
                maxTexts,
                maxTextChars,
                maxBodyBytes,
                timeout,
                grace,
                idleTimeoutMs,
                apiKey);
    }

    public ServeSettings withIdleTimeout(int ms) {
        return new ServeSettings(
                host,
                port,
                maxBatchTokens,
                maxWaitMs,
                queueCapacity,
                maxTexts,
                maxTextChars,
                maxBodyBytes,
                timeoutMs,
                shutdownGraceMs,
                ms,
                apiKey);
    }

    /** With {@code key} required on every route but /health; null for none. */
    public ServeSettings withApiKey(String key) {
        return new ServeSettings(
                host,
                port,
                maxBatchTokens,
                maxWaitMs,
                queueCapacity,
                maxTexts,
                maxTextChars,
                maxBodyBytes,
                timeoutMs,
                shutdownGraceMs,
                idleTimeoutMs,
                key);
    }

    /** With another bind address. */
    public ServeSettings withHost(String h) {
        return new ServeSettings(
                h,
                port,
                maxBatchTokens,
                maxWaitMs,
                queueCapacity,
                maxTexts,
                maxTextChars,
                maxBodyBytes,
                timeoutMs,
                shutdownGraceMs,
                idleTimeoutMs,
                apiKey);
    }
}
