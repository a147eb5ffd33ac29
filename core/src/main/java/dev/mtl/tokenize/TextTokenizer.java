package dev.mtl.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The Hugging Face tokenizer of a model, loaded offline from {@code tokenizer.json} (or built from a
 * WordPiece {@code vocab.txt}), with truncation and padding switched off: long input is split into
 * windows by the caller ({@link Windows}), never cut here, and batches are padded per batch.
 */
public final class TextTokenizer implements AutoCloseable {

    /** Our options override whatever truncation/padding the tokenizer.json asks for. */
    private static final Map<String, String> OPTIONS =
            Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false");

    /** Rejects duplicate keys and trailing content, as the native parser's strict JSON does. */
    private static final com.fasterxml.jackson.databind.ObjectMapper STRICT_JSON =
            new com.fasterxml.jackson.databind.ObjectMapper()
                    .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final HuggingFaceTokenizer tokenizer;
    private final String json;
    private final long clsId;
    private final long sepId;
    private final long padId;

    private TextTokenizer(String json) throws IOException {
        this.json = json;
        try (InputStream in =
                new java.io.ByteArrayInputStream(json.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
            this.tokenizer = HuggingFaceTokenizer.newInstance(in, OPTIONS);
        }
        Encoding probe = tokenizer.encode("");
        long[] ids = probe.getIds();
        if (ids.length != 2) {
            throw new IOException(
                    "tokenizer does not wrap a text in [CLS] ... [SEP] (empty text gave " + Arrays.toString(ids) + ")");
        }
        this.clsId = ids[0];
        this.sepId = ids[1];
        this.padId = WordPieceJson.tokenId(json, "[PAD]", 0);
    }

    /** Loads {@code tokenizer.json} from a model directory, or builds one from {@code vocab.txt}. */
    public static TextTokenizer load(Path dir) throws IOException {
        Path json = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(json)) {
            return fromJson(Files.readString(json), json.toString());
        }
        Path vocab = dir.resolve("vocab.txt");
        if (Files.isRegularFile(vocab)) {
            boolean lower = WordPieceJson.doLowerCase(dir.resolve("tokenizer_config.json"));
            return fromJson(WordPieceJson.fromVocab(vocab, lower), vocab.toString());
        }
        throw new java.nio.file.NoSuchFileException(dir + ": no tokenizer.json or vocab.txt in the model directory");
    }

    /**
     * @throws IOException naming {@code source} when the text is not one strict JSON object (checked
     *     here first: the native tokenizer 0.21 aborts the whole JVM on some malformed JSON) or does
     *     not describe a tokenizer the native library accepts
     */
    public static TextTokenizer fromJson(String json, String source) throws IOException {
        try {
            if (!(STRICT_JSON.readTree(json) instanceof com.fasterxml.jackson.databind.node.ObjectNode)) {
                throw new IOException(source + ": not a tokenizer.json (not a JSON object)");
            }
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(
                    source + ": not valid JSON (" + e.getOriginalMessage().replaceAll("\\R", " ") + ")");
        }
        try {
            return new TextTokenizer(json);
        } catch (RuntimeException e) {
            throw new IOException(source + ": cannot load tokenizer (" + e.getMessage() + ")");
        }
    }

    /**
     * Tokenizes with [CLS]/[SEP] and no length limit. Lone surrogates are read as U+FFFD ({@link
     * Graphemes#wellFormed}), here and in {@link Alignment}, so offsets stay those of the Java text.
     */
    public Encoding encode(String text) {
        return tokenizer.encode(Graphemes.wellFormed(text));
    }

    /** Tokenizes pre-split words (word ids follow the given words). */
    public Encoding encodeWords(List<String> words) {
        return tokenizer.encode(words.stream().map(Graphemes::wellFormed).toArray(String[]::new));
    }

    public Encoding[] encodeAll(List<String> texts) {
        return tokenizer.batchEncode(texts.stream().map(Graphemes::wellFormed).toList());
    }

    public long clsId() {
        return clsId;
    }

    public long sepId() {
        return sepId;
    }

    public long padId() {
        return padId;
    }

    /** The tokenizer.json text, for saving next to a model. */
    public String json() {
        return json;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
