package dev.mtl.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one text per line, strictly as UTF-8: an invalid byte sequence is an error naming the file and
 * line, never a silent replacement character. A final line without a newline counts; a file ending in
 * a newline has no extra empty line; an empty line in between is a valid (empty) text. A trailing
 * {@code \r} (Windows line end) is removed.
 */
public final class TextLines implements AutoCloseable {

    private final InputStream in;
    private final String name;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private long lineNumber;
    private boolean eof;

    public TextLines(InputStream in, String name) {
        this.in = new BufferedInputStream(in, 1 << 16);
        this.name = name;
    }

    /** Up to {@code max} more lines; an empty list at the end of input. */
    public List<String> next(int max) throws IOException {
        List<String> out = new ArrayList<>();
        while (out.size() < max && !eof) {
            line.reset();
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                line.write(b);
            }
            if (b == -1) {
                eof = true;
                if (line.size() == 0) {
                    break;
                }
            }
            lineNumber++;
            byte[] bytes = line.toByteArray();
            int len = bytes.length;
            if (len > 0 && bytes[len - 1] == '\r') {
                len--;
            }
            try {
                out.add(decoder.decode(ByteBuffer.wrap(bytes, 0, len)).toString());
            } catch (CharacterCodingException e) {
                throw new IOException(name + ":" + lineNumber + ": invalid UTF-8 byte sequence");
            }
        }
        return out;
    }

    /**
     * The number of texts {@link #next} would read from a file, found by counting {@code '\n'} bytes
     * without decoding: each newline ends a line, and a last line without one counts too. (In UTF-8
     * the byte 0x0A is only ever a newline, so invalid text elsewhere cannot change the count.)
     */
    public static long countLines(Path file) throws IOException {
        long newlines = 0;
        int last = '\n'; // an empty file has no unterminated last line
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        byte[] a = buf.array();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            int n;
            while ((n = ch.read(buf)) != -1) {
                for (int i = 0; i < n; i++) {
                    if (a[i] == '\n') {
                        newlines++;
                    }
                }
                if (n > 0) {
                    last = a[n - 1];
                }
                buf.clear();
            }
        }
        return newlines + (last == '\n' ? 0 : 1);
    }

    long linesRead() {
        return lineNumber;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
