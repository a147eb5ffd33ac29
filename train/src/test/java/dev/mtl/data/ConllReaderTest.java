package dev.mtl.data;

import static dev.mtl.data.Fixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConllReaderTest {
    /** CoNLL-2003 as released: IOB1, so "U.N." opens with I-ORG; B-PER only splits adjacent persons. */
    private static final String CONLL2003 = """
      -DOCSTART- -X- -X- O

      U.N. NNP I-NP I-ORG
      official NN I-NP O
      Ekeus NNP I-NP I-PER
      Smith NNP I-NP B-PER
      heads VBZ I-VP O

      Peter NNP I-NP I-PER
      """;

    @TempDir
    Path dir;

    private String message(ConllReader reader, String content) throws IOException {
        Path file = write(dir, "x.conll", content);
        return assertThrows(DataFormatException.class, () -> reader.read(file)).getMessage();
    }

    @Test
    void readsRealWnut17Train() throws IOException {
        List<Example> train = new ConllReader(TagScheme.IOB2, StandardCharsets.UTF_8)
                .read(Fixtures.DATA.resolve("wnut17/wnut17train.conll"));
        assertEquals(3_394, train.size());
        assertEquals(62_730, train.stream().mapToInt(e -> e.tokens().size()).sum());
        Example first = train.get(0);
        assertEquals("wnut17train.conll:1", first.id());
        assertEquals(List.of("@paulwalk", "It", "'s"), first.tokens().subList(0, 3));
        assertEquals(
                List.of("B-location", "I-location", "I-location"), first.tags().subList(14, 17));
        assertEquals(
                660,
                train.stream()
                        .flatMap(e -> e.tags().stream())
                        .filter("B-person"::equals)
                        .count());
    }

    @Test
    void autoDetectsIob1AndConvertsToIob2() throws IOException {
        List<Example> ex = new ConllReader().read(write(dir, "a.conll", CONLL2003));
        assertEquals(2, ex.size());
        assertEquals("a.conll:3", ex.get(0).id());
        assertEquals("U.N. official Ekeus Smith heads", ex.get(0).text());
        assertEquals(List.of("B-ORG", "O", "B-PER", "B-PER", "O"), ex.get(0).tags());
        assertEquals(List.of("B-PER"), ex.get(1).tags());
        assertEquals(ex, new ConllReader(TagScheme.IOB1, StandardCharsets.UTF_8).read(dir.resolve("a.conll")));
    }

    @Test
    void autoLeavesIob2Alone() throws IOException {
        List<Example> ex = new ConllReader().read(write(dir, "b.conll", "New\tB-LOC\nYork\tI-LOC\nis\tO\n"));
        assertEquals(List.of("B-LOC", "I-LOC", "O"), ex.get(0).tags());
    }

    @Test
    void explicitIob2RejectsEntityOpeningInside() throws IOException {
        assertEquals(
                dir.resolve("x.conll") + ":4: I-PER after O is not valid IOB2 (read as IOB1 or AUTO to convert)",
                message(
                        new ConllReader(TagScheme.IOB2, StandardCharsets.UTF_8),
                        "A\tB-PER\nB\tI-PER\nsaid\tO\nC\tI-PER\n"));
        assertEquals(
                dir.resolve("x.conll")
                        + ":2: I-LOC after sentence start is not valid IOB2 (read as IOB1 or AUTO to convert)",
                message(new ConllReader(TagScheme.IOB2, StandardCharsets.UTF_8), "\nParis\tI-LOC\n"));
    }

    @Test
    void threeColumnsIsAnError() throws IOException {
        assertEquals(
                dir.resolve("x.conll") + ":2: 3 columns, expected 2 or 4",
                message(new ConllReader(), "a\tO\nb\tNN\tO\n"));
    }

    @Test
    void invalidTagIsAnError() throws IOException {
        assertEquals(
                dir.resolve("x.conll") + ":3: invalid tag \"B-\", expected O, B-TYPE or I-TYPE",
                message(new ConllReader(), "a O\n\nb B-\n"));
    }

    @Test
    void emptyWordIsAnError() throws IOException {
        assertEquals(dir.resolve("x.conll") + ":1: empty word", message(new ConllReader(), "\tO\n"));
    }

    @Test
    void invalidUtf8IsReportedOnItsLine() throws IOException {
        Path file = dir.resolve("bad.conll");
        java.nio.file.Files.write(file, new byte[] {'a', '\t', 'O', '\n', '\n', 'b', (byte) 0xC3, '\t', 'O', '\n'});
        assertEquals(
                file + ":3: invalid UTF-8 byte sequence",
                assertThrows(DataFormatException.class, () -> new ConllReader().read(file))
                        .getMessage());
    }

    @Test
    void crlfAndSpacesAndByteOrderMark() throws IOException {
        List<Example> ex = new ConllReader().read(write(dir, "c.conll", "\uFEFFa  O\r\nb   B-X\r\n\r\nc O\r\n"));
        assertEquals(2, ex.size());
        assertEquals(List.of("a", "b"), ex.get(0).tokens());
        assertEquals(List.of("O", "B-X"), ex.get(0).tags());
        assertEquals("c.conll:4", ex.get(1).id());
    }
}
