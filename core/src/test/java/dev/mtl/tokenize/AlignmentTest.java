package dev.mtl.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.weights.MiniLmWeights;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Words, sub-tokens and character offsets with the real bert-base-uncased WordPiece tokenizer. */
class AlignmentTest {

    static TextTokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in =
                AlignmentTest.class.getClassLoader().getResourceAsStream(MiniLmWeights.TOKENIZER_RESOURCE)) {
            tok = TextTokenizer.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), "test");
        }
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    private static Alignment text(String s) {
        return Alignment.ofText(s, tok.encode(s));
    }

    @Test
    void punctuationIsSplitIntoWordsWithExactOffsets() {
        Alignment a = text("Hello, U.K.!");
        assertEquals(List.of("Hello", ",", "U", ".", "K", ".", "!"), a.words());
        assertArrayEquals(new int[] {0, 5, 7, 8, 9, 10, 11}, a.charStart());
        assertArrayEquals(new int[] {5, 6, 8, 9, 10, 11, 12}, a.charEnd());
    }

    @Test
    void emojiAndAccentsKeepJavaOffsets() {
        String s = "I 😀 love  Zürich";
        Alignment a = text(s);
        assertEquals(List.of("I", "😀", "love", "Zürich"), a.words()); // repeated spaces vanish
        for (int w = 0; w < a.words().size(); w++) {
            assertEquals(a.words().get(w), s.substring(a.charStart()[w], a.charEnd()[w]));
        }
        assertEquals(5, a.charStart()[2]); // after a surrogate pair: UTF-16 index, not code point 4
    }

    @Test
    void aWordOfManySubTokensIsReadAtItsFirst() {
        Alignment a = text("pneumonoultramicroscopic words");
        assertEquals(List.of("pneumonoultramicroscopic", "words"), a.words());
        assertEquals(1, a.firstToken()[0]);
        assertTrue(a.firstToken()[1] > 5, "the long word spans many pieces");
        int[] labels = a.subTokenLabels(new int[] {3, 7});
        assertEquals(Alignment.IGNORE, labels[0]); // [CLS]
        assertEquals(3, labels[1]);
        assertEquals(Alignment.IGNORE, labels[2]); // continuation piece
        assertEquals(7, labels[a.firstToken()[1]]);
        assertEquals(Alignment.IGNORE, labels[labels.length - 1]); // [SEP]
    }

    @Test
    void pretokenizedWordsKeepTheirIndices() {
        List<String> words = List.of("Zürich", "😀", "U.K.", "playlist");
        Alignment a = Alignment.ofWords(words, tok.encodeWords(words));
        assertEquals(4, a.firstToken().length);
        assertEquals(1, a.firstToken()[0]);
        assertEquals(2, a.firstToken()[1]);
        assertEquals(3, a.firstToken()[2]);
        assertEquals(7, a.firstToken()[3]); // U . K . are four pieces of one given word
    }

    @Test
    void whitespaceOnlyTextHasNoWords() {
        Alignment a = text("   \t ");
        assertEquals(List.of(), a.words());
        assertEquals(2, a.ids().length);
    }
}
