package dev.mtl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mtl.config.TaskConfig;
import dev.mtl.heads.TokenClassificationHead;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each word takes its NER scores from the window where it is most central. */
class WindowChoiceTest {

    private static final TokenClassificationHead HEAD =
            new TokenClassificationHead(TaskConfig.ner("ner", List.of("O"), false), 4);

    /** A window of {@code content} tokens starting at content index {@code start}; row r holds value start*100+r. */
    private static Inference.Segment window(int start, int content) {
        Inference.Segment s = new Inference.Segment(0, new long[content + 2], start);
        float[][] rows = new float[content + 2][1];
        for (int r = 0; r < rows.length; r++) {
            rows[r][0] = start * 100 + r;
        }
        s.rows.put(HEAD, rows);
        return s;
    }

    @Test
    void mostCentralWindowWins() {
        // Windows of 8 content tokens, overlap 4: [0,8), [4,12), [8,16).
        List<Inference.Segment> segs = List.of(window(0, 8), window(4, 8), window(8, 8));
        assertEquals(0 * 100 + 1, Inference.rowAt(0, segs, HEAD)[0], 0); // only in the first
        assertEquals(0 * 100 + 4, Inference.rowAt(3, segs, HEAD)[0], 0); // margin 3 vs 0 in the second
        assertEquals(4 * 100 + 3, Inference.rowAt(6, segs, HEAD)[0], 0); // margin 1 in first, 2 in second
        assertEquals(4 * 100 + 5, Inference.rowAt(8, segs, HEAD)[0], 0); // margin 3 in second, 0 in third
        assertEquals(8 * 100 + 8, Inference.rowAt(15, segs, HEAD)[0], 0); // only in the last
    }
}
