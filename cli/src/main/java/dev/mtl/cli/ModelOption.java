package dev.mtl.cli;

import dev.mtl.MultiTaskModel;
import dev.mtl.SentenceEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --model DIR|default}, shared by every command that runs a model. {@code default} is the
 * embedded all-MiniLM-L6-v2 (embedding only); a directory named {@code default} is reached as
 * {@code ./default}.
 */
final class ModelOption {

    static final String EMBEDDED = "default";

    @Option(
            names = "--model",
            paramLabel = "DIR|default",
            defaultValue = EMBEDDED,
            description = "A model directory saved by mtl or any Hugging Face BERT directory; "
                    + "'default' (the default) is the embedded all-MiniLM-L6-v2, embeddings only.")
    String model = EMBEDDED;

    boolean embedded() {
        return model.equals(EMBEDDED);
    }

    MultiTaskModel load() throws IOException {
        return embedded() ? MultiTaskModel.loadDefault() : MultiTaskModel.load(directory());
    }

    SentenceEncoder loadEncoder() throws IOException {
        return embedded() ? SentenceEncoder.loadDefault() : SentenceEncoder.load(directory());
    }

    /** The directory, checked here so the message names the flag. */
    private Path directory() throws IOException {
        if (model.isBlank()) {
            throw new IllegalArgumentException("--model: empty; give a model directory or 'default'");
        }
        Path dir = Path.of(model);
        if (!Files.exists(dir)) {
            throw new NoSuchFileException("--model " + model + ": no such directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException("--model " + model
                    + ": not a directory; expected a model directory saved by mtl or a Hugging Face BERT directory");
        }
        return dir;
    }

    /** What the user gave: {@code default} or the directory as typed. */
    @Override
    public String toString() {
        return model;
    }
}
