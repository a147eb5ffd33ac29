package dev.mtl.fuzz;

import dev.mtl.data.ConllReader;
import dev.mtl.data.DataFormatException;
import dev.mtl.data.DelimitedReader;
import dev.mtl.data.JointBertReader;
import dev.mtl.data.JsonlReader;
import dev.mtl.data.LabelPrefixReader;
import dev.mtl.data.StsbReader;
import dev.mtl.train.TrainConfig;
import dev.mtl.train.TrainConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every data reader and the training config on hostile files, the seed corpora under {@code fuzz/} as
 * they are and mutated (see {@link Mutations}): each reads the file or throws its documented error
 * ({@link DataFormatException} or {@link TrainConfigException}, one line naming the file;
 * {@link IOException} for what cannot be read). No other exception, and no hang: each target runs a few
 * hundred files in seconds.
 */
class DataReadersFuzzTest {

    private static final int TRIES = 300;

    /** Puts one input where its reader looks for it. */
    @FunctionalInterface
    private interface Place {
        Path write(byte[] content) throws IOException;
    }

    /** Reads what {@link Place} wrote; what it returns does not matter, only what it throws. */
    @FunctionalInterface
    private interface Read {
        void from(Path p) throws Exception;
    }

    /**
     * The seed files of {@code target} as they are and {@link #TRIES} mutations, each placed by
     * {@code place} and read by {@code read}, which may throw only {@code documented} or an I/O error.
     */
    private static Stream<DynamicTest> fuzz(
            String target, long seed, Place place, Class<? extends Exception> documented, Read read) {
        return Mutations.fuzz(target, seed, TRIES, content -> {
            Path p = place.write(content);
            Mutations.onlyDocumented(p.toString(), () -> read.from(p), documented, IOException.class);
        });
    }

    /** A data reader on single files named {@code *suffix}. */
    private static Stream<DynamicTest> readsFiles(String target, long seed, String suffix, Read read) {
        return fuzz(target, seed, inFile(suffix), DataFormatException.class, read);
    }

    private static Place inFile(String suffix) {
        return content -> Mutations.file(suffix, content);
    }

    @TestFactory
    Stream<DynamicTest> conll() {
        return readsFiles("conll", 11, ".conll", f -> new ConllReader().read(f));
    }

    @TestFactory
    Stream<DynamicTest> jsonl() {
        return readsFiles("jsonl", 12, ".jsonl", f -> new JsonlReader().read(f));
    }

    @TestFactory
    Stream<DynamicTest> csvLabels() {
        return readsFiles(
                "csv", 13, ".csv", f -> new DelimitedReader(DelimitedReader.Options.csv("text", "label")).read(f));
    }

    @TestFactory
    Stream<DynamicTest> csvScoredPairs() {
        DelimitedReader.Options pairs = DelimitedReader.Options.csv("text", "label")
                .withPairs(DelimitedReader.Column.named("text_pair"), DelimitedReader.Column.named("score"));
        return readsFiles("csv", 14, ".csv", f -> new DelimitedReader(pairs).read(f));
    }

    @TestFactory
    Stream<DynamicTest> tsv() {
        return readsFiles("tsv", 15, ".tsv", f -> new DelimitedReader(DelimitedReader.Options.tsv(0, 1)).read(f));
    }

    @TestFactory
    Stream<DynamicTest> stsbLayout() {
        return readsFiles("stsb", 16, ".csv", f -> new StsbReader().read(f));
    }

    @TestFactory
    Stream<DynamicTest> labelPrefix() {
        return readsFiles("label-prefix", 17, ".label", f -> new LabelPrefixReader().read(f));
    }

    /** The three files of a JointBERT directory, cut from one mutated text at its {@code ===} lines. */
    @TestFactory
    Stream<DynamicTest> jointBert() {
        return fuzz(
                "jointbert",
                18,
                DataReadersFuzzTest::jointBertDirectory,
                DataFormatException.class,
                dir -> new JointBertReader().read(dir));
    }

    private static Path jointBertDirectory(byte[] content) throws IOException {
        Path dir = Files.createTempDirectory("mtl-fuzz");
        dir.toFile().deleteOnExit();
        String[] parts = new String(content, StandardCharsets.UTF_8).split("\n===\n", 3);
        String[] names = {JointBertReader.TOKENS_FILE, JointBertReader.TAGS_FILE, "label"};
        for (int i = 0; i < parts.length; i++) {
            Path p = dir.resolve(names[i]);
            Files.writeString(p, parts[i]);
            p.toFile().deleteOnExit();
        }
        return dir;
    }

    @TestFactory
    Stream<DynamicTest> trainingConfig() {
        return fuzz("train-config", 19, inFile(".yaml"), TrainConfigException.class, TrainConfig::load);
    }
}
