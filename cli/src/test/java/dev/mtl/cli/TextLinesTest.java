package dev.mtl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The line count a progress bar's maximum comes from agrees with what TextLines reads. */
class TextLinesTest {

    @TempDir
    Path tmp;

    private Path file(String name, byte[] bytes) throws Exception {
        Path p = tmp.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static long linesRead(byte[] bytes) throws Exception {
        try (TextLines lines = new TextLines(new ByteArrayInputStream(bytes), "test")) {
            long n = 0;
            List<String> chunk;
            while (!(chunk = lines.next(3)).isEmpty()) {
                n += chunk.size();
            }
            return n;
        }
    }

    private void assertCount(long expected, String content) throws Exception {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        Path p = file("f" + content.hashCode() + ".txt", bytes);
        assertEquals(expected, TextLines.countLines(p), content);
        assertEquals(expected, linesRead(bytes), content);
    }

    @Test
    void countsLinesAsTextLinesReadsThem() throws Exception {
        assertCount(0, "");
        assertCount(1, "one");
        assertCount(1, "one\n");
        assertCount(2, "one\ntwo");
        assertCount(2, "one\ntwo\n");
        assertCount(2, "one\r\ntwo\r\n");
        assertCount(2, "one\r\ntwo");
        assertCount(3, "\n\n\n"); // three empty texts
        assertCount(3, "a\n\nc\n");
        assertCount(2, "naïve café\n😀 emoji");
    }

    @Test
    void countsAcrossBufferBoundaries() throws Exception {
        // 100,003 lines of mixed lengths: newlines fall on every offset of a 64 KiB read, and the last
        // line has no newline.
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 100_002; i++) {
            sb.append("x".repeat(i % 7)).append('\n');
        }
        sb.append("last");
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        assertTrue(bytes.length > 4 * 65536);
        assertEquals(100_003, TextLines.countLines(file("big.txt", bytes)));
        assertEquals(100_003, linesRead(bytes));
    }

    @Test
    void invalidUtf8DoesNotChangeTheCount() throws Exception {
        Path p = file("bad.txt", new byte[] {'o', 'k', '\n', (byte) 0xC3, (byte) 0x28, '\n', 'z'});
        assertEquals(3, TextLines.countLines(p));
    }

    @Test
    void aFileInputGivesTheBarItsLineCountAsMaximum() throws Exception {
        LineFiles files = new LineFiles();
        files.input = file("in.txt", "a\nb\r\nc\nd\ne".getBytes(StandardCharsets.UTF_8))
                .toString();
        long max = files.expectedTexts();
        assertEquals(5, max);
        List<String> rendered = new ArrayList<>();
        try (ProgressBar bar = Progress.bar("embed", max, new DelegatingProgressBarConsumer(rendered::add, 120))) {
            assertEquals(5, bar.getMax());
            assertFalse(bar.isIndefinite());
            bar.stepTo(5);
        }
        String last = rendered.get(rendered.size() - 1);
        assertTrue(last.contains("100%") && last.contains("5/5"), last);
    }

    @Test
    void stdinLeavesTheBarOpenEnded() throws Exception {
        LineFiles files = new LineFiles();
        files.input = "-";
        assertEquals(Progress.UNKNOWN, files.expectedTexts());
        List<String> rendered = new ArrayList<>();
        try (ProgressBar bar =
                Progress.bar("embed", files.expectedTexts(), new DelegatingProgressBarConsumer(rendered::add, 120))) {
            assertTrue(bar.isIndefinite());
            bar.stepTo(3);
        }
        String last = rendered.get(rendered.size() - 1);
        assertTrue(last.contains("3/?"), last);
    }
}
