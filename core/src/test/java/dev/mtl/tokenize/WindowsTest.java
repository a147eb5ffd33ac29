package dev.mtl.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class WindowsTest {

    private static long[] seq(int content) {
        long[] ids = new long[content + 2];
        ids[0] = 101;
        for (int i = 0; i < content; i++) {
            ids[i + 1] = 1000 + i;
        }
        ids[content + 1] = 102;
        return ids;
    }

    @Test
    void shortInputIsOneWindow() {
        long[] ids = seq(5);
        List<Windows.Window> w = Windows.split(ids, 10, 2, 101, 102);
        assertEquals(1, w.size());
        assertArrayEquals(ids, w.get(0).ids());
    }

    @Test
    void longInputIsCoveredByOverlappingWrappedWindows() {
        // 20 content tokens, windows of 8 content tokens sharing 3: starts 0, 5, 10, 15 (last ends at 20).
        List<Windows.Window> w = Windows.split(seq(20), 10, 3, 101, 102);
        assertEquals(
                List.of(0, 5, 10, 15),
                w.stream().map(Windows.Window::contentStart).toList());
        assertArrayEquals(
                LongStream.concat(
                                LongStream.of(101), LongStream.concat(LongStream.range(1010, 1018), LongStream.of(102)))
                        .toArray(),
                w.get(2).ids());
        assertEquals(7, w.get(3).ids().length); // the tail: 5 tokens + 2 specials
        assertEquals(1019, w.get(3).ids()[5]);
    }

    @Test
    void truncationKeepsSpecialTokens() {
        long[] t = Windows.truncate(seq(20), 6, 101, 102);
        assertArrayEquals(new long[] {101, 1000, 1001, 1002, 1003, 102}, t);
    }
}
