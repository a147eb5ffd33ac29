package dev.mtl.serve;

import ai.djl.huggingface.tokenizers.Encoding;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mtl.MultiTaskModel;
import dev.mtl.Prediction;
import dev.mtl.PredictionJson;
import dev.mtl.config.Output;
import dev.mtl.config.TaskConfig;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.handler.StatisticsHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: routes, error mapping, the demo page and graceful shutdown around one
 * {@link Batcher}. It owns the model it is given and closes it last, after the inference thread has
 * stopped. Every error a client sees is one line in the shape its client family parses
 * ({@link ErrorBodies}); stack traces go to the server log only.
 *
 * <pre>{@code
 * try (Server s = Server.start(MultiTaskModel.load(dir), ServeSettings.defaults())) {
 *     s.awaitClose();
 * }
 * }</pre>
 */
public final class Server implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Server.class);
    static final String JSON_TYPE = "application/json";
    private static final String DEMO = "dev/mtl/serve/demo/";
    /** Every route as "METHOD /path", as registered: metrics labels and the OpenAPI check read it. */
    private final Set<String> routes = new ConcurrentSkipListSet<>();
    /** Route paths, counted in metrics under their own name; anything else counts as "other". */
    private final Set<String> routePaths = new ConcurrentSkipListSet<>();

    private final MultiTaskModel model;
    private final ServeSettings settings;
    private final Metrics metrics;
    private final Batcher batcher;
    private final Runner runner;
    private final Javalin app;
    private final Set<Output> available;
    private final AccessControl access;
    private final byte[] modelInfo;
    private final StatisticsHandler requests = new StatisticsHandler();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean accepting = true;

    private Server(MultiTaskModel model, ServeSettings settings, Function<String, Encoding> tokenizer) {
        this.model = model;
        this.settings = settings;
        this.available = model.availableOutputs();
        this.access = new AccessControl(settings.apiKey());
        this.modelInfo = bytes(modelInfo(model, settings));
        Batcher[] b = new Batcher[1];
        this.metrics = new Metrics(() -> b[0] == null ? 0 : b[0].queueDepth(), model::forwardCount);
        this.batcher = b[0] = new Batcher(model, tokenizer, settings, metrics);
        this.runner = new Runner(batcher, settings.timeoutMs());
        this.app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.startupWatcherEnabled = false;
            cfg.http.prefer405over404 = true;
            cfg.events(ev -> ev.handlerAdded(h -> {
                if (h.getHttpMethod().isHttpMethod()) {
                    routes.add(h.getHttpMethod() + " " + h.getPath());
                    routePaths.add(h.getPath());
                }
            }));
            cfg.requestLogger.http((ctx, ms) -> metrics.request(endpoint(ctx), ctx.statusCode(), ms / 1000.0));
            // Jetty's request statistics count a request until its response is complete (flushed), which
            // is what a graceful stop must wait for; Javalin nests its servlet context inside this wrapper.
            cfg.jetty.modifyServer(server -> {
                server.setHandler(requests);
                server.setStopTimeout(settings.shutdownGraceMs());
                server.setErrorHandler(new JsonErrorHandler());
            });
            cfg.jetty.modifyServletContextHandler(h -> h.setErrorHandler(new JsonErrorHandler()));
            // Jetty reuses a connection's earlier header values when a new one matches ignoring case: a
            // key differing only in case would read as the earlier one. Exact values only.
            cfg.jetty.modifyHttpConfiguration(http -> http.setHeaderCacheCaseSensitive(true));
        });
        routes();
    }

    /** Starts serving {@code model} (which the server now owns) on the settings' host and port. */
    public static Server start(MultiTaskModel model, ServeSettings settings) {
        // The real WordPiece count: exact for the token budget and for OpenAI's usage numbers.
        return start(model, settings, model.backbone().tokenizer()::encode);
    }

    /** As {@link #start(MultiTaskModel, ServeSettings)} with another tokenizer: tests inject failures. */
    static Server start(MultiTaskModel model, ServeSettings settings, Function<String, Encoding> tokenizer) {
        Server s = new Server(model, settings, tokenizer);
        try {
            s.warmUp();
            s.app.start(settings.host(), settings.port());
            for (Connector c : s.app.jettyServer().server().getConnectors()) {
                if (c instanceof AbstractConnector a) {
                    a.setIdleTimeout(settings.idleTimeoutMs()); // read by each new connection
                }
            }
            String warning = AccessControl.exposureWarning(settings.host(), settings.apiKey() != null);
            if (warning != null) {
                LOG.warn(warning);
            }
        } catch (RuntimeException e) {
            s.batcher.close(0);
            throw e;
        }
        return s;
    }

    /**
     * One short prediction before the port opens: the model's engine and its native libraries load now,
     * not in the first request (which would pay for them, and could meet a JVM already shutting down,
     * where loading native libraries fails). A failure here is logged; requests then report their own.
     */
    private void warmUp() {
        try {
            runner.run(List.of("warm up"), available);
        } catch (RuntimeException e) {
            LOG.warn("warm-up prediction failed: {}", e.getMessage());
        }
    }

    public int port() {
        return app.port();
    }

    public String url() {
        String host = settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host();
        return "http://" + host + ":" + port();
    }

    Metrics metrics() {
        return metrics;
    }

    Batcher batcher() {
        return batcher;
    }

    /** Jetty itself, for tests that look at its threads. */
    org.eclipse.jetty.server.Server jetty() {
        return app.jettyServer().server();
    }

    /** Blocks until {@link #close()} has finished (from a shutdown hook or another thread). */
    public void awaitClose() throws InterruptedException {
        stopped.await();
    }

    // ------------------------------------------------------------------ routes

    private void routes() {
        app.before(ctx -> {
            if (!accepting) {
                throw new ApiError(503, "server is shutting down");
            }
            access.check(ctx);
        });
        app.post("/v1/predict", this::predict);
        new OpenAiRoutes(model, settings, runner).register(app);
        new TeiRoutes(model, settings, runner).register(app);
        String version = Server.class.getPackage().getImplementationVersion();
        byte[] openApi = bytes(OpenApi.document(version == null ? "dev" : version));
        app.get("/openapi.json", ctx -> ctx.contentType(JSON_TYPE).result(openApi));
        app.get("/v1/model", ctx -> ctx.contentType(JSON_TYPE).result(modelInfo));
        app.get("/health", ctx -> {
            String why = batcher.unhealthy();
            if (why != null) {
                throw new ApiError(503, why);
            }
            json(ctx, 200, Requests.JSON.createObjectNode().put("status", "ok"));
        });
        app.get("/metrics", ctx -> ctx.contentType(Metrics.CONTENT_TYPE).result(metrics.render()));
        byte[] page = resource("index.html");
        byte[] css = resource("demo.css");
        byte[] js = resource("demo.js");
        app.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(page));
        app.get("/demo.css", ctx -> ctx.contentType("text/css; charset=utf-8").result(css));
        app.get(
                "/demo.js",
                ctx -> ctx.contentType("text/javascript; charset=utf-8").result(js));

        app.exception(ApiError.class, (e, ctx) -> {
            if (e.retryAfterSeconds > 0) {
                ctx.header("Retry-After", Integer.toString(e.retryAfterSeconds));
            }
            error(ctx, e.status, e.getMessage(), e.param, e.code);
        });
        app.exception(
                HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), statusMessage(ctx, e.getStatus())));
        app.exception(Exception.class, (e, ctx) -> {
            LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal error; see the server log");
        });
        // Javalin's own 404/405 pages are HTML or its own JSON shape; ours come from ErrorBodies.
        // A route's own 404 (an unknown model id) already has its body: keep it.
        app.error(404, ctx -> {
            if (ctx.resultInputStream() == null) {
                error(ctx, 404, statusMessage(ctx, 404));
            }
        });
        app.error(405, ctx -> error(ctx, 405, statusMessage(ctx, 405)));
    }

    private static String statusMessage(Context ctx, int status) {
        return switch (status) {
            case 404 -> "no such endpoint: " + ctx.method() + " " + ctx.path();
            case 405 -> "method " + ctx.method() + " not allowed on " + ctx.path();
            default -> "HTTP " + status;
        };
    }

    private void predict(Context ctx) {
        JsonNode body = Requests.jsonObject(ctx, settings.maxBodyBytes());
        List<String> texts = Requests.texts(body, settings);
        Set<Output> tasks = Requests.tasks(body, available);
        ObjectNode out = Requests.JSON.createObjectNode();
        ArrayNode preds = out.putArray("predictions");
        if (!texts.isEmpty()) {
            for (Prediction p : runner.run(texts, tasks).predictions()) {
                preds.add(PredictionJson.toJson(p));
            }
        }
        json(ctx, 200, out);
    }

    private static ObjectNode modelInfo(MultiTaskModel m, ServeSettings s) {
        ObjectNode o = Requests.JSON.createObjectNode();
        o.put("backbone", m.backbone().name());
        o.put("embedding_dimension", m.embeddingDimension());
        o.put("max_length", m.config().maxLength());
        ArrayNode av = o.putArray("available_tasks");
        m.availableOutputs().forEach(t -> av.add(t.jsonName()));
        ObjectNode tasks = o.putObject("tasks");
        for (Map.Entry<String, TaskConfig> e : m.tasks().entrySet()) {
            TaskConfig t = e.getValue();
            ObjectNode x = tasks.putObject(e.getKey());
            x.put("kind", t.kind() == TaskConfig.Kind.CLASSIFICATION ? "classification" : "ner");
            ArrayNode labels = x.putArray("labels");
            t.labels().forEach(labels::add);
            if (t.kind() == TaskConfig.Kind.CLASSIFICATION) {
                x.put("multi_label", t.multiLabel());
            }
        }
        ObjectNode limits = o.putObject("limits");
        limits.put("max_texts", s.maxTexts());
        limits.put("max_text_chars", s.maxTextChars());
        limits.put("max_body_bytes", s.maxBodyBytes());
        limits.put("max_batch_tokens", s.maxBatchTokens());
        return o;
    }

    /** The matched route's path ("/v1/models/{id}"), so labels stay a fixed set; "other" for none. */
    private String endpoint(Context ctx) {
        String p;
        try {
            p = ctx.endpointHandlerPath();
        } catch (RuntimeException e) {
            return "other"; // no route matched
        }
        return routePaths.contains(p) ? p : "other";
    }

    /** The routes served, as "METHOD /path". */
    Set<String> servedRoutes() {
        return Set.copyOf(routes);
    }

    private static void error(Context ctx, int status, String message) {
        error(ctx, status, message, null, null);
    }

    private static void error(Context ctx, int status, String message, String param, String code) {
        json(ctx, status, ErrorBodies.body(ctx.path(), status, message, param, code));
    }

    /**
     * The error body for Jetty's own errors, in {@link ErrorBodies}' shape for the path.
     *
     * @param path the request's path, or null when Jetty rejected the request before it had one
     */
    static byte[] errorBody(String path, int status, String message) {
        return ErrorBodies.bytes(path, status, message);
    }

    static void json(Context ctx, int status, JsonNode body) {
        ctx.status(status).contentType(JSON_TYPE).result(bytes(body));
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return Requests.JSON.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = Server.class.getClassLoader().getResourceAsStream(DEMO + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + DEMO + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ shutdown

    /**
     * Graceful stop: refuse new connections and requests (503), wait for requests in flight (at most
     * the grace period), stop Jetty, stop the inference thread, then close the model. Idempotent; safe
     * from a JVM shutdown hook.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            awaitQuietly();
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.shutdownGraceMs());
        try {
            accepting = false;
            for (Connector c : app.jettyServer().server().getConnectors()) {
                // Jetty's graceful shutdown of a connector: no new connections; open ones finish
                // their current request and are closed after its response.
                c.shutdown();
            }
            while (requests.getRequestsActive() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            if (requests.getRequestsActive() > 0) {
                LOG.warn(
                        "{} requests still in flight after {} ms; stopping anyway",
                        requests.getRequestsActive(),
                        settings.shutdownGraceMs());
            }
            app.stop();
            batcher.close(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("error while stopping the server", e);
        } finally {
            if (!batcher.isAlive()) {
                model.close();
            } else {
                LOG.warn("inference thread did not stop; leaving the model open");
            }
            stopped.countDown();
        }
    }

    private void awaitQuietly() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
