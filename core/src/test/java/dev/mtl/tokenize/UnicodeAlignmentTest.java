package dev.mtl.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mtl.weights.MiniLmWeights;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Odd Unicode keeps word boundaries where they are: a lone surrogate reads as U+FFFD (which the BERT
 * normalizer drops) without shifting any later offset; a word spans whole grapheme clusters, combining
 * marks and emoji ZWJ sequences included.
 */
class UnicodeAlignmentTest {

    static TextTokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in =
                UnicodeAlignmentTest.class.getClassLoader().getResourceAsStream(MiniLmWeights.TOKENIZER_RESOURCE)) {
            tok = TextTokenizer.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), "test");
        }
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    private static Alignment text(String s) {
        Alignment a = Alignment.ofText(s, tok.encode(s));
        for (int w = 0; w < a.words().size(); w++) { // every word is its text's substring
            assertEquals(a.words().get(w), a.text().substring(a.charStart()[w], a.charEnd()[w]));
        }
        return a;
    }

    @Test
    void aLoneSurrogateShiftsNoLaterWord() {
        for (String s : List.of("ok \ud800 lone surrogate", "ok \udc00 lone surrogate", "ok \ud800lone surrogate")) {
            Alignment a = text(s);
            assertEquals(List.of("ok", "lone", "surrogate"), a.words(), s);
            assertEquals(s.indexOf("surrogate"), a.charStart()[2]);
            assertArrayEquals(tok.encode("ok lone surrogate").getIds(), a.ids());
            assertEquals('\uFFFD', a.text().charAt(3), "the text says what was read");
        }
        assertEquals("a\uFFFD\uD83D\uDE00\uFFFD", Graphemes.wellFormed("a\udc00\uD83D\uDE00\ud800"));
    }

    @Test
    void aCombiningMarkStaysWithItsLetter() {
        Alignment a = text("cafe\u0301 combining e\u0301\u0327!");
        assertEquals(List.of("cafe\u0301", "combining", "e\u0301\u0327", "!"), a.words());
        assertArrayEquals(new int[] {0, 6, 16, 19}, a.charStart());
    }

    @Test
    void anEmojiZwjSequenceIsOneSpan() {
        String family = "\uD83D\uDC69\u200D\uD83D\uDC69\u200D\uD83D\uDC67"; // woman ZWJ woman ZWJ girl
        String thumb = "\uD83D\uDC4D\uD83C\uDFFD"; // thumbs up, skin tone
        Alignment a = text("my " + family + " and " + thumb + " ok");
        assertEquals(List.of("my", family, "and", thumb, "ok"), a.words());
    }

    @Test
    void cjkTabsAndNoBreakSpacesAlign() {
        Alignment a = text("我爱北京\tgo\u00A0home");
        assertEquals(List.of("我", "爱", "北", "京", "go", "home"), a.words());
        assertArrayEquals(new int[] {0, 1, 2, 3, 5, 8}, a.charStart());
        assertArrayEquals(new int[] {1, 2, 3, 4, 7, 12}, a.charEnd());
    }

    @Test
    void pretokenizedWordsWithALoneSurrogateAreReadAsTheirReplacement() {
        List<String> words = List.of("ok", "x\ud800", "end");
        Alignment a = Alignment.ofWords(words, tok.encodeWords(words));
        assertEquals("ok x\uFFFD end", a.text());
        assertArrayEquals(tok.encodeWords(List.of("ok", "x\uFFFD", "end")).getIds(), a.ids());
    }
}
