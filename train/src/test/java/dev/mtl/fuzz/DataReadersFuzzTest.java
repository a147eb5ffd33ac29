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

    private static void reads(Path f, Mutations.Action read) {
        Mutations.onlyDocumented(f.toString(), read, DataFormatException.class, IOException.class);
    }

    @TestFactory
    Stream<DynamicTest> conll() {
        return Mutations.fuzz("conll", 11, TRIES, content -> {
            Path f = Mutations.file(".conll", content);
            reads(f, () -> new ConllReader().read(f));
        });
    }

    @TestFactory
    Stream<DynamicTest> jsonl() {
        return Mutations.fuzz("jsonl", 12, TRIES, content -> {
            Path f = Mutations.file(".jsonl", content);
            reads(f, () -> new JsonlReader().read(f));
        });
    }

    @TestFactory
    Stream<DynamicTest> csvLabels() {
        return Mutations.fuzz("csv", 13, TRIES, content -> {
            Path f = Mutations.file(".csv", content);
            reads(f, () -> new DelimitedReader(DelimitedReader.Options.csv("text", "label")).read(f));
        });
    }

    @TestFactory
    Stream<DynamicTest> csvScoredPairs() {
        DelimitedReader.Options pairs = DelimitedReader.Options.csv("text", "label")
                .withPairs(DelimitedReader.Column.named("text_pair"), DelimitedReader.Column.named("score"));
        return Mutations.fuzz("csv", 14, TRIES, content -> {
            Path f = Mutations.file(".csv", content);
            reads(f, () -> new DelimitedReader(pairs).read(f));
        });
    }

    @TestFactory
    Stream<DynamicTest> tsv() {
        return Mutations.fuzz("tsv", 15, TRIES, content -> {
            Path f = Mutations.file(".tsv", content);
            reads(f, () -> new DelimitedReader(DelimitedReader.Options.tsv(0, 1)).read(f));
        });
    }

    @TestFactory
    Stream<DynamicTest> stsbLayout() {
        return Mutations.fuzz("stsb", 16, TRIES, content -> {
            Path f = Mutations.file(".csv", content);
            reads(f, () -> new StsbReader().read(f));
        });
    }

    @TestFactory
    Stream<DynamicTest> labelPrefix() {
        return Mutations.fuzz("label-prefix", 17, TRIES, content -> {
            Path f = Mutations.file(".label", content);
            reads(f, () -> new LabelPrefixReader().read(f));
        });
    }

    /** The three files of a JointBERT directory, cut from one mutated text at its {@code ===} lines. */
    @TestFactory
    Stream<DynamicTest> jointBert() {
        return Mutations.fuzz("jointbert", 18, TRIES, content -> {
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
        });
    }

    @TestFactory
    Stream<DynamicTest> trainingConfig() {
        return Mutations.fuzz("train-config", 19, TRIES, content -> {
            Path f = Mutations.file(".yaml", content);
            Mutations.onlyDocumented(
                    f.toString(), () -> TrainConfig.load(f), TrainConfigException.class, IOException.class);
        });
    }
}
