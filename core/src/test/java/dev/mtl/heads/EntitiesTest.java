package dev.mtl.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EntitiesTest {
    private static final String[] LABELS = {"O", "B-PER", "I-PER", "B-LOC", "I-LOC"};
    private static final int RANDOM_TRIALS = 5_000;
    private static final int MAX_RANDOM_LENGTH = 12;

    private static List<Span> spans(String tags) {
        return Entities.spans(tags.isEmpty() ? List.of() : List.of(tags.split(" ")));
    }

    @Test
    void emptyAndAllOutside() {
        assertEquals(List.of(), spans(""));
        assertEquals(List.of(), spans("O O O"));
    }

    @Test
    void wellFormedEntity() {
        assertEquals(List.of(new Span(1, 3, "PER")), spans("O B-PER I-PER O"));
    }

    @Test
    void entityMayStartWithInside() {
        assertEquals(List.of(new Span(0, 2, "PER")), spans("I-PER I-PER O"));
        assertEquals(List.of(new Span(1, 2, "PER")), spans("O I-PER O"));
        assertEquals(List.of(new Span(0, 1, "PER"), new Span(2, 3, "PER")), spans("B-PER O I-PER"));
    }

    @Test
    void typeMismatchSplitsTheEntity() {
        assertEquals(List.of(new Span(0, 1, "PER"), new Span(1, 2, "LOC")), spans("B-PER I-LOC"));
        assertEquals(
                List.of(new Span(0, 1, "PER"), new Span(1, 3, "LOC"), new Span(3, 4, "LOC")),
                spans("I-PER I-LOC I-LOC B-LOC"));
    }

    @Test
    void adjacentEntitiesOfOneType() {
        assertEquals(List.of(new Span(0, 1, "PER"), new Span(1, 2, "PER")), spans("B-PER B-PER"));
        assertEquals(List.of(new Span(0, 2, "PER"), new Span(2, 3, "PER")), spans("B-PER I-PER B-PER"));
    }

    @Test
    void entityAtTheEndIsClosed() {
        assertEquals(List.of(new Span(1, 3, "LOC")), spans("O B-LOC I-LOC"));
        assertEquals(List.of(new Span(0, 1, "LOC")), spans("B-LOC"));
    }

    @Test
    void fromPathIndices() {
        TagSet tags = TagSet.of("O", "B-PER", "I-PER");
        assertEquals(
                List.of(new Span(1, 3, "PER"), new Span(3, 4, "PER")), Entities.spans(new int[] {0, 1, 2, 1}, tags));
    }

    @Test
    void badTagNamesItsPosition() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Entities.spans(List.of("O", "B-PER", "E-PER")));
        assertTrue(e.getMessage().startsWith("tags[2]: bad label 'E-PER'"), e.getMessage());
    }

    @Test
    void agreesWithConllevalOnRandomSequences() {
        Random random = new Random(2000);
        int nonEmpty = 0;
        for (int trial = 0; trial < RANDOM_TRIALS; trial++) {
            List<String> tags = new ArrayList<>();
            int len = random.nextInt(MAX_RANDOM_LENGTH + 1);
            for (int t = 0; t < len; t++) {
                tags.add(LABELS[random.nextInt(LABELS.length)]);
            }
            List<Span> expected = Conlleval.chunks(tags);
            nonEmpty += expected.isEmpty() ? 0 : 1;
            assertEquals(expected, Entities.spans(tags), tags.toString());
        }
        assertTrue(nonEmpty > RANDOM_TRIALS / 2, "fixture should mostly contain entities");
    }

    /**
     * A line-by-line port of the B/I/O branches of {@code startOfChunk} and {@code endOfChunk} in
     * conlleval.pl, independent of {@link Entities}. A sentence ends with an implicit "O".
     */
    private static final class Conlleval {
        static List<Span> chunks(List<String> tags) {
            List<Span> chunks = new ArrayList<>();
            String prevTag = "O";
            String prevType = "";
            int chunkStart = -1;
            for (int t = 0; t <= tags.size(); t++) {
                String full = t < tags.size() ? tags.get(t) : "O";
                int dash = full.indexOf('-'); // perl: /^([^-]*)-(.*)$/
                String tag = dash < 0 ? full : full.substring(0, dash);
                String type = dash < 0 ? "" : full.substring(dash + 1);
                if (chunkStart >= 0 && endOfChunk(prevTag, tag, prevType, type)) {
                    chunks.add(new Span(chunkStart, t, prevType));
                    chunkStart = -1;
                }
                if (startOfChunk(prevTag, tag, prevType, type)) {
                    chunkStart = t;
                }
                prevTag = tag;
                prevType = type;
            }
            return chunks;
        }

        static boolean endOfChunk(String prevTag, String tag, String prevType, String type) {
            boolean chunkEnd = false;
            if (prevTag.equals("B") && tag.equals("B")) chunkEnd = true;
            if (prevTag.equals("B") && tag.equals("O")) chunkEnd = true;
            if (prevTag.equals("I") && tag.equals("B")) chunkEnd = true;
            if (prevTag.equals("I") && tag.equals("O")) chunkEnd = true;
            if (!prevTag.equals("O") && !prevTag.equals(".") && !prevType.equals(type)) chunkEnd = true;
            return chunkEnd;
        }

        static boolean startOfChunk(String prevTag, String tag, String prevType, String type) {
            boolean chunkStart = false;
            if (prevTag.equals("B") && tag.equals("B")) chunkStart = true;
            if (prevTag.equals("I") && tag.equals("B")) chunkStart = true;
            if (prevTag.equals("O") && tag.equals("B")) chunkStart = true;
            if (prevTag.equals("O") && tag.equals("I")) chunkStart = true;
            if (!tag.equals("O") && !tag.equals(".") && !prevType.equals(type)) chunkStart = true;
            return chunkStart;
        }
    }
}
