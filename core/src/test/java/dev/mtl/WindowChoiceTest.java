package dev.mtl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Each word takes its NER scores from the window where it is most central. */
class WindowChoiceTest {

    /** A window of {@code content} tokens starting at content index {@code start}; row r holds value start*100+r. */
    private static MultiTaskModel.Segment window(int start, int content) {
        MultiTaskModel.Segment s = new MultiTaskModel.Segment(0, new long[content + 2], start);
        float[][] rows = new float[content + 2][1];
        for (int r = 0; r < rows.length; r++) {
            rows[r][0] = start * 100 + r;
        }
        s.emissions.put("ner", rows);
        return s;
    }

    @Test
    void mostCentralWindowWins() {
        // Windows of 8 content tokens, overlap 4: [0,8), [4,12), [8,16).
        List<MultiTaskModel.Segment> segs = List.of(window(0, 8), window(4, 8), window(8, 8));
        assertEquals(0 * 100 + 1, MultiTaskModel.emissionAt(0, segs, "ner")[0], 0); // only in the first
        assertEquals(0 * 100 + 4, MultiTaskModel.emissionAt(3, segs, "ner")[0], 0); // margin 3 vs 0 in the second
        assertEquals(4 * 100 + 3, MultiTaskModel.emissionAt(6, segs, "ner")[0], 0); // margin 1 in first, 2 in second
        assertEquals(4 * 100 + 5, MultiTaskModel.emissionAt(8, segs, "ner")[0], 0); // margin 3 in second, 0 in third
        assertEquals(8 * 100 + 8, MultiTaskModel.emissionAt(15, segs, "ner")[0], 0); // only in the last
    }
}
