package dev.mtl;

import dev.mtl.config.BertConfig;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.TaskConfig;
import dev.mtl.tokenize.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Small models for fast tests: a tiny random BERT with a real WordPiece tokenizer built from a vocab. */
public final class TestModels {

    private TestModels() {}

    /** A 60-token vocabulary: the BERT specials, letters, a few words and ## pieces. */
    public static List<String> vocab() {
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

    public static Path writeVocab(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path p = dir.resolve("vocab.txt");
        Files.write(p, vocab());
        return p;
    }

    /**
     * A random BERT of about 150 MB (2 layers of bert-base's width; the word embeddings alone are 94 MB)
     * written to {@code dir} as an HF directory, larger than a 64 MB test heap. Returns its tensors.
     */
    public static java.util.Map<String, dev.mtl.weights.Tensor> writeLargeBert(Path dir) throws IOException {
        writeVocab(dir);
        BertConfig big = new BertConfig(
                30522, 768, 2, 12, 3072, "gelu", 0.1, 0.1, 512, 2, BertConfig.BERT_LAYER_NORM_EPS, 0, "bert");
        java.util.Map<String, dev.mtl.weights.Tensor> tensors;
        try (Backbone b = Backbone.random(big, TextTokenizer.load(dir))) {
            tensors = b.parameters().toTensors();
        }
        big.write(dir.resolve("config.json"));
        dev.mtl.weights.SafeTensors.write(dir.resolve("model.safetensors"), tensors, java.util.Map.of("format", "pt"));
        return tensors;
    }

    /**
     * Runs {@code main} in a child JVM with a 64 MB heap, one thread per engine and the engine left to
     * its default; returns what it printed once it has exited with 0 (within 180 s).
     */
    public static String runInSmallHeap(Class<?> main, Path log, String... args) throws Exception {
        List<String> command =
                javaCommand(main, List.of("-Xmx64m", "-Dai.djl.pytorch.num_threads=1", "-Dmtl.onnx.threads=1"), args);
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("MTL_ENGINE");
        Process p = pb.start();
        org.junit.jupiter.api.Assertions.assertTrue(
                p.waitFor(180, java.util.concurrent.TimeUnit.SECONDS), "child did not finish");
        String out = Files.readString(log);
        org.junit.jupiter.api.Assertions.assertEquals(0, p.exitValue(), out);
        return out;
    }

    /**
     * The command that runs {@code main} with {@code args} in a child JVM: this JVM's java and test
     * class path, DJL offline, then {@code jvmOptions}.
     */
    public static List<String> javaCommand(Class<?> main, List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dai.djl.offline=true");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        command.add(main.getName());
        command.addAll(List.of(args));
        return command;
    }

    /** A tiny random encoder (hidden 32, 2 layers, 4 heads) with the vocabulary above. */
    public static Backbone tinyBackbone(Path tmp) throws IOException {
        writeVocab(tmp);
        TextTokenizer tok = TextTokenizer.load(tmp);
        return Backbone.random(BertConfig.tiny(vocab().size()), tok);
    }

    /**
     * Redraws every parameter at the scale of a trained model's (LayerNorm gains around 1, the rest
     * N(0, 0.3)): random initialisation is so small that every output is near 0 and any wiring would
     * pass a comparison.
     */
    public static void redrawAtTrainedScale(MultiTaskModel m, long seed) {
        java.util.Random r = new java.util.Random(seed);
        for (var e : m.parameters().params().entrySet()) {
            float[] v = e.getValue().array().toFloatArray();
            boolean gain = e.getKey().endsWith("LayerNorm.weight");
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((gain ? 1 : 0) + r.nextGaussian() * (gain ? 0.2 : 0.3));
            }
            e.getValue().array().set(java.nio.FloatBuffer.wrap(v));
        }
    }

    /** The tags of {@link #writeTwoHeadModel}'s {@code slots} tagger. */
    public static final List<String> TAGS = List.of("O", "B-artist", "I-artist", "B-city", "I-city");

    /** Writes a tiny random model with an {@code intent} classifier and a {@code slots} tagger to {@code tmp/model}. */
    public static Path writeTwoHeadModel(Path tmp) throws IOException {
        Path dir = tmp.resolve("model");
        try (MultiTaskModel m = MultiTaskModel.create(
                tinyBackbone(tmp.resolve("vocab")),
                EmbeddingConfig.sentenceTransformers(),
                List.of(
                        TaskConfig.classification("intent", List.of("PlayMusic", "GetWeather", "BookRestaurant")),
                        TaskConfig.ner("slots", TAGS, false)),
                64)) {
            // A random tagger often says O everywhere; push O down so that every text has entities and the
            // tests (and the browser test's highlighting) always have spans to check.
            float[] bias = new float[TAGS.size()];
            bias[TAGS.indexOf("O")] = -5f;
            m.headParameters()
                    .params()
                    .get("heads.slots.classifier.bias")
                    .array()
                    .set(java.nio.FloatBuffer.wrap(bias));
            m.save(dir);
        }
        return dir;
    }
}
