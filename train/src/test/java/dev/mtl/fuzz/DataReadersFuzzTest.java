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
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Every data reader and the training config on hostile files, mutated from the seed corpora under
 * {@code fuzz/}: each reads the file or throws its documented error ({@link DataFormatException} or
 * {@link TrainConfigException}, one line naming the file; {@link IOException} for what cannot be
 * read). No other exception, and no hang: each property runs a few hundred files in seconds.
 */
class DataReadersFuzzTest {

    private static final int TRIES = 300;

    private static void reads(Path f, Mutations.Action read) {
        Mutations.onlyDocumented(f.toString(), read, DataFormatException.class, IOException.class);
    }

    @Property(tries = TRIES)
    void conll(@ForAll("conllFiles") byte[] content) {
        Path f = Mutations.file(".conll", content);
        reads(f, () -> new ConllReader().read(f));
    }

    @Property(tries = TRIES)
    void jsonl(@ForAll("jsonlFiles") byte[] content) {
        Path f = Mutations.file(".jsonl", content);
        reads(f, () -> new JsonlReader().read(f));
    }

    @Property(tries = TRIES)
    void csvLabels(@ForAll("csvFiles") byte[] content) {
        Path f = Mutations.file(".csv", content);
        reads(f, () -> new DelimitedReader(DelimitedReader.Options.csv("text", "label")).read(f));
    }

    @Property(tries = TRIES)
    void csvScoredPairs(@ForAll("csvFiles") byte[] content) {
        Path f = Mutations.file(".csv", content);
        DelimitedReader.Options pairs = DelimitedReader.Options.csv("text", "label")
                .withPairs(DelimitedReader.Column.named("text_pair"), DelimitedReader.Column.named("score"));
        reads(f, () -> new DelimitedReader(pairs).read(f));
    }

    @Property(tries = TRIES)
    void tsv(@ForAll("tsvFiles") byte[] content) {
        Path f = Mutations.file(".tsv", content);
        reads(f, () -> new DelimitedReader(DelimitedReader.Options.tsv(0, 1)).read(f));
    }

    @Property(tries = TRIES)
    void stsbLayout(@ForAll("stsbFiles") byte[] content) {
        Path f = Mutations.file(".csv", content);
        reads(f, () -> new StsbReader().read(f));
    }

    @Property(tries = TRIES)
    void labelPrefix(@ForAll("labelPrefixFiles") byte[] content) {
        Path f = Mutations.file(".label", content);
        reads(f, () -> new LabelPrefixReader().read(f));
    }

    /** The three files of a JointBERT directory, cut from one mutated text at its {@code ===} lines. */
    @Property(tries = TRIES)
    void jointBert(@ForAll("jointBertFiles") byte[] content) throws IOException {
        Path dir = Files.createTempDirectory("mtl-fuzz");
        dir.toFile().deleteOnExit();
        String[] parts = new String(content, StandardCharsets.UTF_8).split("\n===\n", 3);
        String[] names = {JointBertReader.TOKENS_FILE, JointBertReader.TAGS_FILE, "label"};
        for (int i = 0; i < parts.length; i++) {
            Path p = dir.resolve(names[i]);
            Files.writeString(p, parts[i]);
            p.toFile().deleteOnExit();
        }
        reads(dir, () -> new JointBertReader().read(dir));
    }

    @Property(tries = TRIES)
    void trainingConfig(@ForAll("configFiles") byte[] content) {
        Path f = Mutations.file(".yaml", content);
        Mutations.onlyDocumented(
                f.toString(), () -> TrainConfig.load(f), TrainConfigException.class, IOException.class);
    }

    @Provide
    Arbitrary<byte[]> conllFiles() {
        return Mutations.of("conll");
    }

    @Provide
    Arbitrary<byte[]> jsonlFiles() {
        return Mutations.of("jsonl");
    }

    @Provide
    Arbitrary<byte[]> csvFiles() {
        return Mutations.of("csv");
    }

    @Provide
    Arbitrary<byte[]> tsvFiles() {
        return Mutations.of("tsv");
    }

    @Provide
    Arbitrary<byte[]> stsbFiles() {
        return Mutations.of("stsb");
    }

    @Provide
    Arbitrary<byte[]> labelPrefixFiles() {
        return Mutations.of("label-prefix");
    }

    @Provide
    Arbitrary<byte[]> jointBertFiles() {
        return Mutations.of("jointbert");
    }

    @Provide
    Arbitrary<byte[]> configFiles() {
        return Mutations.of("train-config");
    }
}
