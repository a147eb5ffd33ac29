package dev.mtl.data;

import static dev.mtl.data.Fixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelPrefixReaderTest {
    private static final Path TREC_TRAIN = Fixtures.DATA.resolve("trec/train_5500.label");

    @TempDir
    Path dir;

    @Test
    void readsRealTrecTrainAsLatin1() throws IOException {
        List<Example> train = new LabelPrefixReader(
                        LabelPrefixReader.TREC_PATTERN, LabelPrefixReader.Level.COARSE, StandardCharsets.ISO_8859_1)
                .read(TREC_TRAIN);
        assertEquals(5_452, train.size());
        Map<String, Long> coarse =
                train.stream().collect(Collectors.groupingBy(e -> e.labels().get(0), Collectors.counting()));
        assertEquals(Map.of("ABBR", 86L, "DESC", 1162L, "ENTY", 1250L, "HUM", 1223L, "LOC", 835L, "NUM", 896L), coarse);
        assertEquals(
                "How did serfdom develop in and then leave Russia ?",
                train.get(0).text());
        // the one non-ASCII byte (0xF0, line 66) decodes as Latin-1 'ð' instead of crashing
        assertEquals(
                "Which city has the oldest relationship as a sister\u00F0city with Los Angeles ?",
                train.get(65).text());
    }

    @Test
    void fineLabelsKeepTheCoarsePrefix() throws IOException {
        List<Example> train = new LabelPrefixReader(
                        LabelPrefixReader.TREC_PATTERN, LabelPrefixReader.Level.FINE, StandardCharsets.ISO_8859_1)
                .read(TREC_TRAIN);
        assertEquals(List.of("DESC:manner"), train.get(0).labels());
        assertEquals(50, train.stream().map(e -> e.labels().get(0)).distinct().count());
    }

    @Test
    void trecTrainIsNotUtf8() {
        assertEquals(
                TREC_TRAIN + ":66: invalid UTF-8 byte sequence",
                assertThrows(DataFormatException.class, () -> new LabelPrefixReader().read(TREC_TRAIN))
                        .getMessage());
    }

    @Test
    void customPatternAndBlankLines() throws IOException {
        Pattern tabbed = Pattern.compile("(?<text>[^\\t]+)\\t(?<label>.+)");
        List<Example> ex = new LabelPrefixReader(tabbed, LabelPrefixReader.Level.FINE, StandardCharsets.UTF_8)
                .read(write(dir, "t.txt", "hello there\tgreet:hi\n\nbye\tfarewell\n"));
        assertEquals(2, ex.size());
        assertEquals(List.of("greet:hi"), ex.get(0).labels());
        assertEquals("t.txt:3", ex.get(1).id());
    }

    @Test
    void lineWithoutTextIsAnError() throws IOException {
        Path file = write(dir, "t.label", "NUM:date When was it ?\nLOC:city\n");
        assertEquals(
                file + ":2: line does not match " + LabelPrefixReader.TREC_PATTERN,
                assertThrows(DataFormatException.class, () -> new LabelPrefixReader().read(file))
                        .getMessage());
    }

    @Test
    void emptyCoarseLabelIsAnError() throws IOException {
        Path file = write(dir, "t.label", ":date When was it ?\n");
        assertEquals(
                file + ":1: empty label",
                assertThrows(DataFormatException.class, () -> new LabelPrefixReader().read(file))
                        .getMessage());
    }

    @Test
    void patternWithoutNamedGroupsIsRejected() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new LabelPrefixReader(
                        Pattern.compile("(\\S+) (.*)"), LabelPrefixReader.Level.COARSE, StandardCharsets.UTF_8));
    }
}
