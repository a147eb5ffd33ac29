package dev.mtl.spark;

import dev.mtl.Backbone;
import dev.mtl.MultiTaskModel;
import dev.mtl.config.BertConfig;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.TaskConfig;
import dev.mtl.tokenize.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * Shared fixtures: one local[2] session for all tests in the JVM, and the tiny random two-head model
 * of core's PredictCommandTest (hidden 32, 2 layers, a 60-token WordPiece vocabulary; {@code intent}
 * classification and {@code slots} NER), saved to a directory.
 */
final class SparkTestSupport {

    private static SparkSession spark;

    private SparkTestSupport() {}

    /** The shared local[2] session; a new one when a test has stopped it (to load a saved pipeline afresh). */
    static synchronized SparkSession spark() {
        if (spark == null || spark.sparkContext().isStopped()) {
            spark = SparkSession.builder()
                    .master("local[2]")
                    .appName("mtl-test")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    // Tiny splits, so a small file becomes several partitions and order across them is tested.
                    .config("spark.sql.files.maxPartitionBytes", "200")
                    .config("spark.sql.files.openCostInBytes", "0")
                    .getOrCreate();
        }
        return spark;
    }

    /** Same vocabulary as core's TestModels: specials, letters, ## letters, a few words. */
    static List<String> vocab() {
        List<String> v = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        for (char c = 'a'; c <= 'z'; c++) {
            v.add(String.valueOf(c));
        }
        for (char c = 'a'; c <= 'z'; c++) {
            v.add("##" + c);
        }
        v.addAll(List.of("the", "play", "music", ".", "!", ",", "##ing", "new", "york"));
        return v;
    }

    static Path writeTinyModel(Path tmp) throws IOException {
        Path vocabDir = tmp.resolve("vocab");
        Files.createDirectories(vocabDir);
        Files.write(vocabDir.resolve("vocab.txt"), vocab());
        Path model = tmp.resolve("model");
        Backbone b = Backbone.random(BertConfig.tiny(vocab().size()), TextTokenizer.load(vocabDir));
        try (MultiTaskModel m = MultiTaskModel.create(
                b,
                EmbeddingConfig.sentenceTransformers(),
                List.of(
                        TaskConfig.classification("intent", List.of("PlayMusic", "GetWeather", "BookRestaurant")),
                        TaskConfig.ner("slots", List.of("O", "B-artist", "I-artist", "B-city", "I-city"), false)),
                64)) {
            m.save(model);
        }
        return model;
    }

    /** Mixed lengths (padding matters), non-ASCII (code-point offsets matter), punctuation. */
    static List<String> sentences() {
        String[] words = {
            "play", "the", "music", "new", "york", "adele", "on", "spotify", "weather", "in", "zürich", "😀", "book",
            "a", "table", "for", "two", "playing", "!", ","
        };
        List<String> out = new ArrayList<>();
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 60; i++) {
            int n = 1 + r.nextInt(i % 5 == 0 ? 40 : 8);
            StringBuilder s = new StringBuilder();
            for (int k = 0; k < n; k++) {
                if (k > 0) {
                    s.append(' ');
                }
                s.append(words[r.nextInt(words.length)]);
            }
            out.add(s.toString());
        }
        out.add("play 😀 the music in new york");
        return out;
    }
}
