package dev.mtl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConllPredictionWriterTest {
    @Test
    void writesWordGoldPredictedWithBlankLineBetweenSentences() throws IOException {
        StringWriter out = new StringWriter();
        ConllPredictionWriter.write(
                out,
                List.of(List.of("New", "York"), List.of("hi")),
                List.of(List.of("B-LOC", "I-LOC"), List.of("O")),
                List.of(List.of("B-LOC", "O"), List.of("B-PER")));
        assertEquals("New B-LOC B-LOC\nYork I-LOC O\n\nhi O B-PER\n\n", out.toString());
    }

    /** Words conlleval would misread (field split, boundary marker) keep their line but not their text. */
    @Test
    void wordsConllevalWouldMisreadAreReplaced(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("pred.txt");
        ConllPredictionWriter.write(
                file,
                List.of(List.of("a b", "-X-", "")),
                List.of(List.of("O", "O", "B-X")),
                List.of(List.of("O", "O", "B-X")));
        assertEquals("a_b O O\n_ O O\n_ B-X B-X\n\n", Files.readString(file));
    }
}
