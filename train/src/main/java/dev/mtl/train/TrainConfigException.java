package dev.mtl.train;

import java.nio.file.Path;

/**
 * A training config that cannot be used: one line, {@code file:line: problem} ({@code file: problem}
 * when no line applies), so a command-line user sees what is wrong and where without a stack trace.
 * Not for I/O failures reading the config file itself (those stay {@link java.io.IOException}).
 */
public final class TrainConfigException extends RuntimeException {
    private final Path file;
    private final int line;

    /** @param line 1-based line in {@code file}, or 0 when unknown */
    public TrainConfigException(Path file, int line, String problem) {
        super(file + (line > 0 ? ":" + line : "") + ": " + problem.replaceAll("\\R", " "));
        this.file = file;
        this.line = line;
    }

    public Path file() {
        return file;
    }

    /** 1-based, or 0 when unknown. */
    public int line() {
        return line;
    }
}
