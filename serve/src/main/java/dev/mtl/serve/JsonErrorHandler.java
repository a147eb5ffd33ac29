package dev.mtl.serve;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty's error pages as the API's JSON error body: the requests Jetty rejects itself, before any
 * route runs (an unparseable request line, a path escaping the root, headers too large, a bad
 * Content-Length), would otherwise get an HTML page. Installed on the server (parser-level errors) and
 * on the servlet context (errors raised while dispatching).
 */
final class JsonErrorHandler extends ErrorHandler {

    /** Errors found while parsing: there is no request yet, only the status and Jetty's reason. */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        if (HttpStatus.hasNoBody(status)) {
            return super.badMessageError(status, reason, fields);
        }
        fields.put(HttpHeader.CONTENT_TYPE, Server.JSON_TYPE);
        return ByteBuffer.wrap(Server.errorBody(null, status, message(status, reason)));
    }

    /** Errors sent with {@code sendError} during dispatch (Jetty's ambiguous-URI checks, for one). */
    @Override
    public void handle(String target, Request base, HttpServletRequest req, HttpServletResponse res)
            throws IOException {
        int status = res.getStatus();
        Object reason = req.getAttribute(RequestDispatcher.ERROR_MESSAGE);
        base.setHandled(true);
        if (HttpStatus.hasNoBody(status)) {
            return;
        }
        res.setContentType(Server.JSON_TYPE);
        byte[] body = Server.errorBody(
                base.getHttpURI() == null ? null : base.getHttpURI().getPath(),
                status,
                message(status, reason == null ? null : reason.toString()));
        res.setContentLength(body.length);
        res.getOutputStream().write(body);
    }

    /** "HTTP 400 Bad Request: Ambiguous URI empty segment": one line, Jetty's reason when it gave one. */
    static String message(int status, String reason) {
        String phrase = HttpStatus.getMessage(status);
        String why = reason == null ? "" : reason.replaceAll("\\s+", " ").strip();
        if (why.length() > 200) {
            why = why.substring(0, 200) + "...";
        }
        return "HTTP " + status + " " + phrase + (why.isEmpty() || why.equals(phrase) ? "" : ": " + why);
    }
}
