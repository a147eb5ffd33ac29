package dev.mtl.serve;

/**
 * A client error: its HTTP status, the one line the client sees, and for OpenAI's error object the
 * request field at fault ({@code param}) and a machine-readable {@code code}, both optional. The body's
 * shape is {@link ErrorBodies}' choice.
 */
final class ApiError extends RuntimeException {

    final int status;
    /** Sent as Retry-After when positive: the condition is expected to pass (a full queue). */
    final int retryAfterSeconds;

    final String param;
    final String code;

    ApiError(int status, String message) {
        this(status, message, 0);
    }

    ApiError(int status, String message, int retryAfterSeconds) {
        this(status, message, retryAfterSeconds, null, null);
    }

    /** A 400-class error naming the request field at fault (OpenAI's {@code param}). */
    static ApiError field(int status, String param, String message) {
        return new ApiError(status, message, 0, param, null);
    }

    ApiError(int status, String message, int retryAfterSeconds, String param, String code) {
        super(message, null, false, false);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
        this.param = param;
        this.code = code;
    }
}
