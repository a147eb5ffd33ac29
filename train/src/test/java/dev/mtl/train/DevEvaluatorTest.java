package dev.mtl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A reference file that cannot be read as scored pairs is one line naming the setting and the file. */
class DevEvaluatorTest {

    @TempDir
    Path dir;

    private static final String LAYOUT = " (a reference file is read as JSONL when its name ends in .jsonl, "
            + "else in the STS Benchmark's layout)";

    @Test
    void jsonlUnderAnotherNameIsNamedWithHowTheTypeIsChosen() throws IOException {
        Path ref = Files.writeString(dir.resolve("ref.tsv"), "{\"text\": \"a\", \"text_pair\": \"b\", \"score\": 1}\n");
        assertEquals(
                "eval.reference: " + ref + ":1: 1 tab-separated columns, expected 7 (genre, file, year, id, score, "
                        + "sentence 1, sentence 2) or 9 (with source and licence notes)" + LAYOUT,
                assertThrows(IllegalArgumentException.class, () -> DevEvaluator.readPairs(ref))
                        .getMessage());
    }

    @Test
    void aLineThatIsNoScoredPairIsNamed() throws IOException {
        Path ref = Files.writeString(dir.resolve("ref.jsonl"), """
            {"text": "a", "text_pair": "b", "score": 1}
            {"anchor": "a", "positive": "b"}
            """);
        assertEquals(
                "eval.reference: " + ref + ":2: no score (every line of a reference file is a scored pair)",
                assertThrows(IllegalArgumentException.class, () -> DevEvaluator.readPairs(ref))
                        .getMessage());
    }

    @Test
    void aFileThatCannotBeReadIsNamed() {
        Path ref = dir.resolve("gone.jsonl");
        assertEquals(
                "eval.reference: " + ref + ": no such file",
                assertThrows(IOException.class, () -> DevEvaluator.readPairs(ref))
                        .getMessage());
    }
}
