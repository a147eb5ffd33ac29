package dev.mtl.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/** Turns an exception into the one line a user sees. */
final class Errors {

    private Errors() {}

    static String oneLine(Throwable e) {
        Throwable t = e;
        // Unwrap wrappers that add nothing a user can act on.
        while ((t instanceof java.io.UncheckedIOException || t.getClass() == RuntimeException.class)
                && t.getCause() != null) {
            t = t.getCause();
        }
        String msg = t.getMessage();
        if (t instanceof NoSuchFileException && msg != null && !msg.contains(":")) {
            msg = msg + ": no such file";
        } else if (t instanceof AccessDeniedException) {
            msg = msg + ": permission denied";
        } else if (msg == null || msg.isBlank()) {
            msg = t.getClass().getSimpleName();
        }
        return msg.lines().findFirst().orElse(msg);
    }
}
