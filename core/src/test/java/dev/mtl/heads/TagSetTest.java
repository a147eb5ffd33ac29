package dev.mtl.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TagSetTest {
    // Deliberately not starting with O, so index-based code cannot assume O == 0.
    private final TagSet tags = TagSet.of("B-PER", "O", "I-PER", "B-LOC", "I-LOC");

    @Test
    void lookupsAndKinds() {
        assertEquals(5, tags.size());
        assertEquals("I-PER", tags.label(2));
        assertEquals(3, tags.index("B-LOC"));
        assertEquals(List.of("B-PER", "O", "I-PER", "B-LOC", "I-LOC"), tags.labels());
        assertEquals("PER", tags.type(0));
        assertNull(tags.type(1));
        assertEquals("LOC", tags.type(4));
        assertTrue(tags.isBegin(0) && tags.isOutside(1) && tags.isInside(2));
        assertFalse(tags.isBegin(1) || tags.isInside(1) || tags.isOutside(0));
    }

    @Test
    void onlyInsideLabelsCannotStart() {
        boolean[] expected = {true, true, false, true, false};
        for (int j = 0; j < tags.size(); j++) {
            assertEquals(expected[j], tags.allowedStart(j), tags.label(j));
        }
    }

    @Test
    void insideOnlyAfterBeginOrInsideOfSameType() {
        // rows: from, columns: to; order B-PER, O, I-PER, B-LOC, I-LOC
        boolean[][] expected = {
            {true, true, true, true, false}, // B-PER
            {true, true, false, true, false}, // O
            {true, true, true, true, false}, // I-PER
            {true, true, false, true, true}, // B-LOC
            {true, true, false, true, true}, // I-LOC
        };
        for (int i = 0; i < tags.size(); i++) {
            for (int j = 0; j < tags.size(); j++) {
                assertEquals(expected[i][j], tags.allowed(i, j), tags.label(i) + " -> " + tags.label(j));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"B-", "I-", "o", "", "PER", "X-PER", "E-PER", "S-PER", "B_PER", "-PER"})
    void badLabelIsNamed(String bad) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TagSet.of("O", "B-PER", bad));
        assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }

    @Test
    void nullLabelIsRejectedWithIllegalArgument() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new TagSet(Arrays.asList("O", null)));
        assertTrue(e.getMessage().contains("'null'"), e.getMessage());
    }

    @Test
    void duplicateIsNamedWithBothPositions() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> TagSet.of("O", "B-PER", "I-PER", "B-PER"));
        assertTrue(e.getMessage().contains("'B-PER' at index 3 (first at 1)"), e.getMessage());
    }

    @Test
    void insideWithoutBeginIsRejectedAsIob1() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> TagSet.of("O", "I-PER", "B-LOC"));
        assertTrue(e.getMessage().contains("'I-PER' has no 'B-PER'"), e.getMessage());
    }

    @Test
    void emptyAndUnknown() {
        assertThrows(IllegalArgumentException.class, () -> new TagSet(List.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tags.index("B-ORG"));
        assertTrue(e.getMessage().contains("'B-ORG'"), e.getMessage());
    }

    @Test
    void typesMayContainHyphensLikeConlleval() {
        TagSet t = TagSet.of("O", "B-geo-loc", "I-geo-loc");
        assertEquals("geo-loc", t.type(2));
        assertTrue(t.allowed(1, 2));
    }

    @Test
    void copiesItsInputAndComparesByLabels() {
        List<String> labels = new java.util.ArrayList<>(List.of("O", "B-PER"));
        TagSet t = new TagSet(labels);
        labels.add("I-PER");
        assertEquals(2, t.size());
        assertEquals(TagSet.of("O", "B-PER"), t);
    }
}
