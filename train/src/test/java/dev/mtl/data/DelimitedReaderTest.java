package dev.mtl.data;

import static dev.mtl.data.Fixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mtl.data.DelimitedReader.Options;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DelimitedReaderTest {
    @TempDir
    Path dir;

    private String message(Options options, String content) throws IOException {
        Path file = write(dir, "x.csv", content);
        return assertThrows(DataFormatException.class, () -> new DelimitedReader(options).read(file))
                .getMessage();
    }

    @Test
    void csvWithHeaderAndRfc4180Quoting() throws IOException {
        String csv = "id,text,intent\r\n"
                + "1,\"hello, world\",greet\r\n"
                + "2,\"she said \"\"hi\"\"\nand left\",chat\r\n"
                + "\r\n"
                + "3,plain,bye\r\n";
        List<Example> ex = new DelimitedReader(Options.csv("text", "intent")).read(write(dir, "a.csv", csv));
        assertEquals(3, ex.size());
        assertEquals("hello, world", ex.get(0).text());
        assertEquals("she said \"hi\"\nand left", ex.get(1).text());
        assertEquals(List.of("chat"), ex.get(1).labels());
        // the quoted newline makes record 2 span lines 3-4; record 3 is on line 6
        assertEquals(
                List.of("a.csv:2", "a.csv:3", "a.csv:6"),
                ex.stream().map(Example::id).toList());
    }

    @Test
    void tsvByIndexWithLabelSeparator() throws IOException {
        List<Example> ex = new DelimitedReader(Options.tsv(1, 0).withLabelSeparator("#"))
                .read(write(dir, "a.tsv", "flight#airfare\tcheapest flights to boston\nground\ttaxi, please\n"));
        assertEquals(List.of("flight", "airfare"), ex.get(0).labels());
        assertEquals("taxi, please", ex.get(1).text());
    }

    @Test
    void headerWithoutNamedColumn() throws IOException {
        assertEquals(
                dir.resolve("x.csv") + ":1: no column \"label\" in header [text, intent]",
                message(Options.csv("text", "label"), "text,intent\nhi,greet\n"));
    }

    @Test
    void recordMissingNamedColumn() throws IOException {
        assertEquals(
                dir.resolve("x.csv") + ":3: missing column \"intent\" (record has 1 column)",
                message(Options.csv("text", "intent"), "text,intent\nhi,greet\nbye\n"));
    }

    @Test
    void recordMissingIndexedColumn() throws IOException {
        assertEquals(
                dir.resolve("x.csv") + ":2: missing column 2 (record has 2 columns)",
                message(Options.tsv(0, 2), "a\tb\tc\nd\te\n"));
    }

    @Test
    void unclosedQuote() throws IOException {
        assertEquals(
                dir.resolve("x.csv") + ":3: malformed quoting (RFC 4180)",
                message(Options.csv("text", "intent"), "text,intent\nhi,greet\n\"open,greet\nmore\n"));
    }

    @Test
    void textAfterClosingQuote() throws IOException {
        assertEquals(
                dir.resolve("x.csv") + ":2: malformed quoting (RFC 4180)",
                message(Options.csv("text", "intent"), "text,intent\n\"a\"b,greet\n"));
    }

    @Test
    void emptyLabel() throws IOException {
        assertEquals(
                dir.resolve("x.csv") + ":2: empty label in column \"intent\"",
                message(Options.csv("text", "intent"), "text,intent\nhi, \n"));
    }

    @Test
    void namedColumnsNeedAHeader() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new Options(
                        ',',
                        false,
                        DelimitedReader.Column.named("text"),
                        DelimitedReader.Column.at(1),
                        null,
                        java.nio.charset.StandardCharsets.UTF_8));
    }
}
