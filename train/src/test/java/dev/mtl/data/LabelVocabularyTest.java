package dev.mtl.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LabelVocabularyTest {
    private static Example labelled(String... labels) {
        return new Example("t", "text", null, null, List.of(labels), null);
    }

    @Test
    void sortedLabelsAfterUnknownAndUnseenLabelsCounted() {
        LabelVocabulary vocab = LabelVocabulary.fromExamples(
                List.of(labelled("weather"), labelled("book", "weather"), labelled("alarm")), Example::labels);
        assertEquals(List.of("UNK", "alarm", "book", "weather"), vocab.labels());
        assertEquals(4, vocab.size());
        assertEquals(3, vocab.indexOf("weather"));
        assertEquals("book", vocab.label(2));
        assertEquals(0, vocab.unknownCount());
        assertEquals(LabelVocabulary.UNKNOWN_INDEX, vocab.indexOf("music"));
        assertEquals(LabelVocabulary.UNKNOWN_INDEX, vocab.indexOf("music"));
        assertEquals(2, vocab.unknownCount());
    }

    @Test
    void tagVocabularyFromTokenExamples() {
        Example e = new Example("t", "New York", List.of("New", "York"), List.of("B-LOC", "I-LOC"), null, null);
        LabelVocabulary tags = LabelVocabulary.fromExamples(List.of(e), Example::tags);
        assertEquals(List.of("UNK", "B-LOC", "I-LOC"), tags.labels());
    }
}
