package dev.mtl.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * An output file written to a temporary sibling and moved into place only when complete, so a failed
 * run never leaves a half-written file (or destroys the previous one). {@code -} means stdout.
 */
public final class Outputs implements AutoCloseable {

    private final Path target;
    private final Path temp;
    private final OutputStream out;
    private boolean committed;

    private Outputs(Path target, Path temp, OutputStream out) {
        this.target = target;
        this.temp = temp;
        this.out = out;
    }

    public static Outputs open(String path) throws IOException {
        if (path.equals("-")) {
            return new Outputs(null, null, new java.io.BufferedOutputStream(System.out, 1 << 16) {
                @Override
                public void close() throws IOException {
                    flush(); // never close System.out
                }
            });
        }
        Path target = Path.of(path).toAbsolutePath();
        Path dir = target.getParent();
        if (Files.isDirectory(target)) {
            throw new java.io.IOException(path + ": is a directory, expected a file name");
        }
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".part");
        return new Outputs(target, temp, new java.io.BufferedOutputStream(Files.newOutputStream(temp), 1 << 16));
    }

    public OutputStream stream() {
        return out;
    }

    /** Marks the output complete; it is moved into place on close. */
    public void commit() {
        committed = true;
    }

    @Override
    public void close() throws IOException {
        out.close();
        if (temp == null) {
            return;
        }
        if (committed) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } else {
            Files.deleteIfExists(temp);
        }
    }
}
