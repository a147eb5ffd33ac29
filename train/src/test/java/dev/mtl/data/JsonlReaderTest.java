package dev.mtl.data;

import static dev.mtl.data.Fixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlReaderTest {
    @TempDir
    Path dir;

    private String message(String content) throws IOException {
        Path file = write(dir, "x.jsonl", content);
        return assertThrows(DataFormatException.class, () -> new JsonlReader().read(file))
                .getMessage();
    }

    private String at(int line) {
        return dir.resolve("x.jsonl") + ":" + line + ": ";
    }

    @Test
    void readsEveryShapeAndMixes() throws IOException {
        String jsonl = """
        {"text": "book a table", "label": "reserve"}
        {"text": "cheap flights", "label": ["flight", "airfare"]}

        {"tokens": ["New", "York"], "tags": ["B-LOC", "I-LOC"], "label": "city", "id": "q7"}
        {"text": "I \uD83D\uDE00 Paris", "entities": [{"start": 4, "end": 9, "label": "LOC"}]}
        """;
        List<Example> ex = new JsonlReader().read(write(dir, "a.jsonl", jsonl));
        assertEquals(4, ex.size());
        assertEquals(List.of("reserve"), ex.get(0).labels());
        assertEquals("a.jsonl:1", ex.get(0).id());
        assertEquals(List.of("flight", "airfare"), ex.get(1).labels());
        assertEquals("q7", ex.get(2).id());
        assertEquals("New York", ex.get(2).text());
        assertEquals(List.of("B-LOC", "I-LOC"), ex.get(2).tags());
        // offsets count code points (the emoji is one); CharEntity holds Java indices (the emoji is two chars)
        CharEntity paris = ex.get(3).entities().get(0);
        assertEquals(new CharEntity(5, 10, "LOC"), paris);
        assertEquals("Paris", ex.get(3).text().substring(paris.start(), paris.end()));
    }

    @Test
    void invalidJson() throws IOException {
        assertEquals(at(2) + "invalid JSON at column 10", message("{\"text\":\"a\",\"label\":\"b\"}\n{\"text\": }\n"));
    }

    @Test
    void twoObjectsOnOneLine() throws IOException {
        assertEquals(
                at(1) + "invalid JSON at column 26",
                message("{\"text\":\"a\",\"label\":\"b\"} {\"text\":\"c\",\"label\":\"d\"}\n"));
    }

    @Test
    void notAnObject() throws IOException {
        assertEquals(at(1) + "expected a JSON object, got array", message("[1, 2]\n"));
    }

    @Test
    void labelOfWrongType() throws IOException {
        assertEquals(
                at(1) + "\"label\" must be a string or an array of strings, got number",
                message("{\"text\": \"a\", \"label\": 3}\n"));
        assertEquals(
                at(1) + "\"label\" must be a string or an array of strings, got array",
                message("{\"text\": \"a\", \"label\": [\"x\", 3]}\n"));
    }

    @Test
    void textOfWrongType() throws IOException {
        assertEquals(at(1) + "\"text\" must be a string, got object", message("{\"text\": {}, \"label\": \"x\"}\n"));
    }

    @Test
    void tokenTagCountMismatch() throws IOException {
        assertEquals(at(1) + "1 tags for 2 tokens", message("{\"tokens\": [\"a\", \"b\"], \"tags\": [\"O\"]}\n"));
    }

    @Test
    void invalidTag() throws IOException {
        assertEquals(
                at(1) + "\"tags\"[1]: invalid tag \"X\", expected O, B-TYPE or I-TYPE",
                message("{\"tokens\": [\"a\", \"b\"], \"tags\": [\"O\", \"X\"]}\n"));
    }

    @Test
    void tagsWithoutTokens() throws IOException {
        assertEquals(at(1) + "\"tags\" without \"tokens\"", message("{\"text\": \"a\", \"tags\": [\"O\"]}\n"));
    }

    @Test
    void entityBeyondText() throws IOException {
        assertEquals(
                at(1) + "\"entities\"[0]: end 9 beyond text of 8 characters",
                message("{\"text\": \"in Paris\", \"entities\": [{\"start\": 3, \"end\": 9, \"label\": \"LOC\"}]}\n"));
    }

    @Test
    void entityStartNotBeforeEnd() throws IOException {
        assertEquals(
                at(1) + "\"entities\"[0]: need 0 <= start < end, got start 3, end 3",
                message("{\"text\": \"in Paris\", \"entities\": [{\"start\": 3, \"end\": 3, \"label\": \"LOC\"}]}\n"));
    }

    @Test
    void entityOffsetNotAnInteger() throws IOException {
        assertEquals(
                at(1) + "\"entities\"[0]: \"end\" must be an integer, got string",
                message(
                        "{\"text\": \"in Paris\", \"entities\": [{\"start\": 3, \"end\": \"8\", \"label\": \"LOC\"}]}\n"));
    }

    @Test
    void entitiesWithoutText() throws IOException {
        assertEquals(
                at(1) + "\"entities\" without \"text\"",
                message("{\"tokens\": [\"a\"], \"entities\": [{\"start\": 0, \"end\": 1, \"label\": \"X\"}]}\n"));
    }

    @Test
    void noTaskField() throws IOException {
        assertEquals(
                at(1) + "no task field: expected \"label\", \"tags\", \"entities\", \"text_pair\" or \"anchor\"",
                message("{\"text\": \"a\"}\n"));
    }

    @Test
    void noText() throws IOException {
        assertEquals(at(1) + "no text: expected \"text\" or \"tokens\"", message("{\"label\": \"a\"}\n"));
    }

    @Test
    void invalidUtf8OnLineThree() throws IOException {
        Path file = dir.resolve("b.jsonl");
        byte[] ok = "{\"text\":\"a\",\"label\":\"b\"}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] bad = {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xFF, '"', '}', '\n'};
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(ok);
        out.write(ok);
        out.write(bad);
        java.nio.file.Files.write(file, out.toByteArray());
        assertEquals(
                file + ":3: invalid UTF-8 byte sequence",
                assertThrows(DataFormatException.class, () -> new JsonlReader().read(file))
                        .getMessage());
    }
}
