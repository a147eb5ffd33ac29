package dev.mtl.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Option;

/**
 * {@code --input} and {@code --output} of the line-in, JSONL-out commands (embed, predict): one text
 * per input line, one JSON object per output line, {@code -} for stdin or stdout.
 */
final class LineFiles {

    static final String STDIO = "-";

    @Option(
            names = "--input",
            required = true,
            paramLabel = "FILE|-",
            description = "Input file, one UTF-8 text per line (- for stdin).")
    String input;

    @Option(
            names = "--output",
            required = true,
            paramLabel = "FILE|-",
            description = "Output JSONL file, written whole or not at all (- for stdout).")
    String output;

    TextLines openInput() throws IOException {
        if (input.equals(STDIO)) {
            return new TextLines(System.in, "<stdin>");
        }
        return new TextLines(open(Path.of(input)), input);
    }

    /**
     * How many texts the input holds, for a progress bar's maximum: counted for a regular file,
     * {@link Progress#UNKNOWN} for stdin or a pipe, which can be read only once.
     */
    long expectedTexts() throws IOException {
        if (input.equals(STDIO)) {
            return Progress.UNKNOWN;
        }
        Path p = Path.of(input);
        return Files.isRegularFile(p) ? TextLines.countLines(p) : Progress.UNKNOWN;
    }

    /**
     * A bar over the input's texts on a terminal, else null. The file is counted only when a bar is
     * shown: a pass over the bytes is cheap next to the model, but not free.
     */
    ProgressBar progressBar(String task) throws IOException {
        return Progress.terminal() ? Progress.onStderr(task, expectedTexts()) : null;
    }

    Outputs openOutput() throws IOException {
        return Outputs.open(output);
    }

    /** Where the output went, for the closing summary line. */
    String outputName() {
        return output.equals(STDIO) ? "stdout" : output;
    }

    static InputStream open(Path p) throws IOException {
        if (Files.isDirectory(p)) {
            throw new IOException(p + ": is a directory, expected a text file");
        }
        if (!Files.exists(p)) {
            throw new NoSuchFileException(p + ": no such file");
        }
        if (!Files.isReadable(p)) {
            throw new AccessDeniedException(p + ": not readable");
        }
        return Files.newInputStream(p);
    }
}
