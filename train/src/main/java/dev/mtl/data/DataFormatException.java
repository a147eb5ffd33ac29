package dev.mtl.data;

import java.nio.file.Path;

/**
 * Malformed input found by a reader: the message is exactly one line, {@code path:line: problem}, so a
 * command-line user sees what is wrong and where without a stack trace. Not for I/O failures (a missing
 * file is an {@link java.io.IOException}) nor for programming errors (those are
 * {@link IllegalArgumentException}).
 */
public final class DataFormatException extends RuntimeException {
    private final Path path;
    private final int line;
    private final String problem;

    /** @param line 1-based line number in {@code path} */
    public DataFormatException(Path path, int line, String problem) {
        super(path + ":" + line + ": " + oneLine(problem));
        this.path = path;
        this.line = line;
        this.problem = oneLine(problem);
    }

    public Path path() {
        return path;
    }

    public int line() {
        return line;
    }

    public String problem() {
        return problem;
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\R", " ");
    }
}
