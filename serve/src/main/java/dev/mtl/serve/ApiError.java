package dev.mtl.serve;

/** A client error with its HTTP status and the one line the client sees as {@code {"error": ...}}. */
final class ApiError extends RuntimeException {

    final int status;
    /** Sent as Retry-After when positive: the condition is expected to pass (a full queue). */
    final int retryAfterSeconds;

    ApiError(int status, String message) {
        this(status, message, 0);
    }

    ApiError(int status, String message, int retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }
}
