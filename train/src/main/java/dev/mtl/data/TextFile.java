package dev.mtl.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Strict decoding for all readers: a byte sequence invalid in the declared charset is a
 * {@link DataFormatException} on the right line, never a replacement character. Reads whole files, which
 * suits data sets of a few hundred MB at most; not a streaming reader.
 */
final class TextFile {
    private static final char BYTE_ORDER_MARK = '\uFEFF';
    /** Slack for decoders that emit a few chars at flush. */
    private static final int FLUSH_SLACK = 16;

    private TextFile() {}

    /** The whole file as one string, line ends untouched, a leading byte-order mark dropped. */
    static String decode(Path path, Charset charset) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
        CharsetDecoder decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer out =
                CharBuffer.allocate((int) Math.ceil(bytes.length * (double) decoder.maxCharsPerByte()) + FLUSH_SLACK);
        CoderResult result = decoder.decode(ByteBuffer.wrap(bytes), out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            // Everything before the bad bytes is in `out`: its newlines give the line number.
            throw new DataFormatException(
                    path, 1 + count(out.array(), out.position(), '\n'), "invalid " + charset.name() + " byte sequence");
        }
        assert !result.isOverflow() : "output buffer sized from maxCharsPerByte";
        String text = new String(out.array(), 0, out.position());
        return !text.isEmpty() && text.charAt(0) == BYTE_ORDER_MARK ? text.substring(1) : text;
    }

    /** Lines split on LF (a preceding CR dropped); element {@code i} is line {@code i + 1}. */
    static List<String> readLines(Path path, Charset charset) throws IOException {
        String text = decode(path, charset);
        if (text.isEmpty()) {
            return List.of();
        }
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        if (lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1); // the final newline ends the last line, it does not start one
        }
        lines.replaceAll(l -> l.endsWith("\r") ? l.substring(0, l.length() - 1) : l);
        return lines;
    }

    private static int count(char[] chars, int length, char c) {
        int n = 0;
        for (int i = 0; i < length; i++) {
            if (chars[i] == c) {
                n++;
            }
        }
        return n;
    }
}
