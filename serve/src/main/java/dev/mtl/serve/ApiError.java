package dev.mtl.serve;

/** A client error with its HTTP status and the one line the client sees as {@code {"error": ...}}. */
final class ApiError extends RuntimeException {

    final int status;

    ApiError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }
}
