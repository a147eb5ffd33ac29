package dev.mtl;

import ai.djl.ndarray.NDManager;
import dev.mtl.config.BertConfig;
import dev.mtl.model.BertModel;
import dev.mtl.model.ParameterTable;
import dev.mtl.tokenize.TextTokenizer;
import dev.mtl.weights.HfCheckpointKeys;
import dev.mtl.weights.MiniLmWeights;
import dev.mtl.weights.SafeTensors;
import dev.mtl.weights.TensorData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A loaded encoder: config, BERT weights in a native manager it owns, and the matching tokenizer.
 * Close it to free the native memory.
 */
public final class Backbone implements AutoCloseable {

    /** Name reported for the embedded default. */
    public static final String DEFAULT_NAME = "all-MiniLM-L6-v2 (embedded)";

    private static final String DEFAULT_CONFIG = "dev/mtl/minilm/config.json";

    private final NDManager manager;
    private final BertModel model;
    private final ParameterTable table;
    private final TextTokenizer tokenizer;
    private final String name;

    private Backbone(NDManager manager, BertModel model, TextTokenizer tokenizer, String name) {
        this.manager = manager;
        this.model = model;
        this.table = ParameterTable.of(model, "");
        this.tokenizer = tokenizer;
        this.name = name;
    }

    /** all-MiniLM-L6-v2 with weights read from the ONNX file in the langchain4j artifact. */
    public static Backbone loadDefault() throws IOException {
        BertConfig config;
        try (InputStream in = resource(DEFAULT_CONFIG)) {
            config = BertConfig.parse(in, DEFAULT_CONFIG);
        }
        String tokenizerJson;
        try (InputStream in = resource(MiniLmWeights.TOKENIZER_RESOURCE)) {
            tokenizerJson = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, TensorData> weights = HfCheckpointKeys.normalize(MiniLmWeights.loadFromClasspath());
        return build(
                config,
                weights,
                TextTokenizer.fromJson(tokenizerJson, MiniLmWeights.TOKENIZER_RESOURCE),
                MiniLmWeights.ONNX_RESOURCE,
                DEFAULT_NAME);
    }

    /** A Hugging Face BERT directory: config.json, model.safetensors, tokenizer.json or vocab.txt. */
    public static Backbone load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir + ": model directory not found");
        }
        BertConfig config = BertConfig.read(dir.resolve("config.json"));
        Path weightsFile = dir.resolve("model.safetensors");
        try (SafeTensors.Opened file = SafeTensors.open(weightsFile)) {
            Map<String, TensorData> weights = HfCheckpointKeys.normalize(file.tensors());
            return build(config, weights, TextTokenizer.load(dir), weightsFile.toString(), dir.toString());
        } catch (java.io.UncheckedIOException e) { // a read error while copying a tensor into native memory
            throw e.getCause();
        }
    }

    /** A randomly initialised encoder (BERT's initialisation) for tests and from-scratch training. */
    public static Backbone random(BertConfig config, TextTokenizer tokenizer) {
        NDManager manager = Engines.newManager();
        BertModel model = new BertModel(config);
        Backbone b = new Backbone(manager, model, tokenizer, "random");
        b.table.initializeMissing(manager);
        return b;
    }

    static Backbone build(
            BertConfig config,
            Map<String, ? extends TensorData> weights,
            TextTokenizer tokenizer,
            String source,
            String name) {
        NDManager manager = Engines.newManager();
        try {
            BertModel model = new BertModel(config);
            Backbone b = new Backbone(manager, model, tokenizer, name);
            b.table.load(weights, manager, source);
            return b;
        } catch (RuntimeException e) {
            manager.close();
            tokenizer.close();
            throw e;
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = Backbone.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is not on the class path");
        }
        return in;
    }

    public BertModel model() {
        return model;
    }

    public BertConfig config() {
        return model.config();
    }

    public ParameterTable parameters() {
        return table;
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public NDManager manager() {
        return manager;
    }

    public String name() {
        return name;
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
