package dev.mtl.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small test files; real data sets are read from ../data relative to the core module. */
final class Fixtures {
    /** The repository's data directory, relative to the core module (Maven's working directory). */
    static final Path DATA = Path.of("..", "data");

    private Fixtures() {}

    static Path write(Path dir, String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }
}
