package dev.mtl.data;

import static dev.mtl.data.Fixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JointBertReaderTest {
    @TempDir
    Path dir;

    private Path split(String in, String out, String label) throws IOException {
        write(dir, "seq.in", in);
        write(dir, "seq.out", out);
        write(dir, "label", label);
        return dir;
    }

    private String message(String in, String out, String label) {
        return assertThrows(DataFormatException.class, () -> new JointBertReader().read(split(in, out, label)))
                .getMessage();
    }

    @Test
    void readsRealSnipsTrain() throws IOException {
        List<Example> train = new JointBertReader().read(Fixtures.DATA.resolve("snips/train"));
        assertEquals(13_084, train.size());
        Set<String> intents = train.stream().flatMap(e -> e.labels().stream()).collect(Collectors.toSet());
        assertEquals(7, intents.size());
        Example first = train.get(0);
        assertEquals("train:1", first.id());
        assertEquals("listen to westbam alumb allergic on google music", first.text());
        assertEquals(List.of("O", "O", "B-artist", "O", "B-album", "O", "B-service", "I-service"), first.tags());
        assertEquals(List.of("PlayMusic"), first.labels());
        // line 2 ends with a space in seq.in: no empty token may appear
        assertEquals(9, train.get(1).tokens().size());
    }

    @Test
    void splitsMultiIntentLabelsAndWhitespaceRuns() throws IOException {
        List<Example> ex =
                new JointBertReader().read(split("show  me flights \n", "O O B-x\n", "atis_flight#atis_airfare\n"));
        assertEquals(List.of("show", "me", "flights"), ex.get(0).tokens());
        assertEquals(List.of("atis_flight", "atis_airfare"), ex.get(0).labels());
        List<Example> whole = new JointBertReader(null, java.nio.charset.StandardCharsets.UTF_8)
                .read(split("a b\n", "O O\n", "x#y\n"));
        assertEquals(List.of("x#y"), whole.get(0).labels());
    }

    @Test
    void fewerLabelLinesNamesTheLabelFile() {
        assertEquals(
                dir.resolve("label") + ":2: missing line: file has 1 lines, seq.in has 2",
                message("a b\nc d\n", "O O\nO O\n", "x\n"));
    }

    @Test
    void fewerTagLinesNamesSeqOut() {
        assertEquals(
                dir.resolve("seq.out") + ":3: missing line: file has 2 lines, seq.in has 3",
                message("a\nb\nc\n", "O\nO\n", "x\nx\nx\n"));
    }

    @Test
    void tagCountMismatchNamesSeqOutAndLine() {
        assertEquals(
                dir.resolve("seq.out") + ":2: 2 tags for 3 tokens in seq.in",
                message("a b\nc d e \n", "O O\nO O\n", "x\nx\n"));
    }

    @Test
    void invalidTag() {
        assertEquals(
                dir.resolve("seq.out") + ":1: invalid tag \"S-city\", expected O, B-TYPE or I-TYPE",
                message("a b\n", "O S-city\n", "x\n"));
    }

    @Test
    void emptyUtterance() {
        assertEquals(dir.resolve("seq.in") + ":2: empty utterance", message("a\n \n", "O\n\n", "x\nx\n"));
    }

    @Test
    void emptyLabel() {
        assertEquals(dir.resolve("label") + ":1: empty label", message("a\n", "O\n", " \n"));
        assertEquals(dir.resolve("label") + ":1: empty label", message("a\n", "O\n", "x#\n"));
    }
}
