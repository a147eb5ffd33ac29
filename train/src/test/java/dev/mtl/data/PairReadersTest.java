package dev.mtl.data;

import static dev.mtl.data.Fixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sentence pairs from the STS Benchmark layout, JSONL and CSV/TSV; bad rows name file and line. */
class PairReadersTest {
    @TempDir
    Path dir;

    @Test
    void stsBenchmarkLinesOfSevenAndNineColumns() throws IOException {
        String tsv =
                "main-captions\tMSRvid\t2012test\t0001\t5.000\tA plane is taking off.\tAn air plane is taking off.\n"
                        + "\n"
                        + "main-forum\tdeft\t2014\t0042\t0.600\tHe said \"no\".\tShe left.\tsource\tlicence\n";
        List<Example> ex = new StsbReader().read(write(dir, "sts.csv", tsv));
        assertEquals(2, ex.size());
        assertEquals("A plane is taking off.", ex.get(0).text());
        assertEquals("An air plane is taking off.", ex.get(0).pair());
        assertEquals(1.0, ex.get(0).score(), 0); // 5 of 5
        assertEquals("He said \"no\".", ex.get(1).text()); // no quoting in this layout
        assertEquals(0.12, ex.get(1).score(), 1e-12);
        assertEquals("sts.csv:3", ex.get(1).id());
    }

    @Test
    void theBundledStsBenchmarkReadsWhole() throws IOException {
        assertEquals(
                5749,
                new StsbReader()
                        .read(Fixtures.DATA.resolve("stsb/sts-train.csv"))
                        .size());
        assertEquals(
                1500,
                new StsbReader().read(Fixtures.DATA.resolve("stsb/sts-dev.csv")).size());
    }

    @Test
    void badStsLinesNameFileLineAndProblem() throws IOException {
        Path a = write(dir, "a.csv", "g\tf\t2012\t1\tfive\tx\ty\n");
        assertEquals(
                a + ":1: column 5: score 'five' is not a number",
                assertThrows(DataFormatException.class, () -> new StsbReader().read(a))
                        .getMessage());
        Path b = write(dir, "b.csv", "g\tf\t2012\t1\t4.0\tx\ty\n" + "g\tf\t2012\t1\t4.0\tx\n");
        assertEquals(
                b + ":2: 6 tab-separated columns, expected 7 (genre, file, year, id, score, sentence 1, "
                        + "sentence 2) or 9 (with source and licence notes)",
                assertThrows(DataFormatException.class, () -> new StsbReader().read(b))
                        .getMessage());
        Path c = write(dir, "c.csv", "g\tf\t2012\t1\t7.5\tx\ty\n");
        assertEquals(
                c + ":1: column 5: score 7.5 is outside [0, 5]",
                assertThrows(DataFormatException.class, () -> new StsbReader().read(c))
                        .getMessage());
    }

    @Test
    void jsonlScoredPairsAndAnchoredTriples() throws IOException {
        String jsonl = """
        {"text": "a cat sits", "text_pair": "a cat is sitting", "score": 0.9}
        {"text": "how to bake", "text_pair": "baking bread"}
        {"anchor": "capital of france", "positive": "Paris is the capital", "negative": "Lyon is a city"}
        """;
        List<Example> ex = new JsonlReader().read(write(dir, "p.jsonl", jsonl));
        assertEquals(0.9, ex.get(0).score(), 1e-12);
        assertNull(ex.get(1).score());
        assertEquals("baking bread", ex.get(1).pair());
        assertEquals("capital of france", ex.get(2).text());
        assertEquals("Paris is the capital", ex.get(2).pair());
        assertEquals("Lyon is a city", ex.get(2).negative());
        assertEquals(List.of("a cat sits", "a cat is sitting"), Field.SCORE.texts(ex.get(0)));
        assertEquals(3, Field.PAIR.texts(ex.get(2)).size());
    }

    @Test
    void badJsonlPairsNameTheKey() throws IOException {
        Path f = write(dir, "x.jsonl", "{\"text\": \"a\", \"text_pair\": \"b\", \"score\": \"high\"}\n");
        assertEquals(
                f + ":1: \"score\" must be a number, got string",
                assertThrows(DataFormatException.class, () -> new JsonlReader().read(f))
                        .getMessage());
        Path g = write(dir, "y.jsonl", "{\"anchor\": \"a\"}\n");
        assertEquals(
                g + ":1: \"positive\" must be a non-empty string",
                assertThrows(DataFormatException.class, () -> new JsonlReader().read(g))
                        .getMessage());
        Path h = write(dir, "z.jsonl", "{\"text\": \"a\", \"text_pair\": \"b\", \"label\": \"x\"}\n");
        assertEquals(
                h + ":1: \"label\" cannot go with a pair of texts",
                assertThrows(DataFormatException.class, () -> new JsonlReader().read(h))
                        .getMessage());
    }

    @Test
    void csvPairsWithScoresByColumnName() throws IOException {
        String csv = "s1,s2,sim\n\"one, two\",three,0.25\nfour,five,1\n";
        DelimitedReader.Options o = DelimitedReader.Options.csv("s1", "unused")
                .withPairs(DelimitedReader.Column.named("s2"), DelimitedReader.Column.named("sim"));
        List<Example> ex = new DelimitedReader(o).read(write(dir, "p.csv", csv));
        assertEquals("one, two", ex.get(0).text());
        assertEquals("three", ex.get(0).pair());
        assertEquals(0.25, ex.get(0).score(), 0);
        Path bad = write(dir, "q.csv", "s1,s2,sim\nfour,five,lots\n");
        assertEquals(
                bad + ":2: score 'lots' in column \"sim\" is not a number",
                assertThrows(DataFormatException.class, () -> new DelimitedReader(o).read(bad))
                        .getMessage());
        assertEquals(StandardCharsets.UTF_8, o.charset());
    }
}
