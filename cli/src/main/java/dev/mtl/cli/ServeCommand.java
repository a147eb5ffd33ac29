package dev.mtl.cli;

import dev.mtl.MultiTaskModel;
import dev.mtl.serve.ServeSettings;
import dev.mtl.serve.Server;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code mtl serve}: the HTTP API and demo page until SIGTERM/Ctrl-C, then a graceful stop. */
@Command(
        name = "serve",
        description = "Serve predictions and embeddings over HTTP (JSON API, Prometheus metrics, demo page at /).")
final class ServeCommand implements Callable<Integer> {

    @Mixin
    ModelOption model;

    @Mixin
    ServeOptions serve;

    @Override
    public Integer call() throws Exception {
        ServeSettings s = serve.settings(); // validate the flags before loading a model
        MultiTaskModel m = model.load();
        Server server;
        try {
            server = Server.start(m, s);
        } catch (RuntimeException e) {
            m.close();
            throw new IllegalStateException(
                    "cannot listen on " + s.host() + ":" + s.port() + ": " + Errors.oneLine(e), e);
        }
        // SIGTERM and Ctrl-C run shutdown hooks: stop accepting, finish requests in flight, close the model.
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "mtl-serve-shutdown"));
        System.err.println(
                "mtl serve: " + m.backbone().name() + " on " + server.url() + " (demo page at /; Ctrl-C stops)");
        server.awaitClose();
        return 0;
    }
}
