package dev.mtl.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The Hugging Face BERT {@code config.json}, as a validated record. Only the fields the encoder needs
 * are bound; everything else in the file (architectures, transformers_version, our own {@code mtl}
 * section) is ignored here.
 *
 * <p>{@code layer_norm_eps} defaults to BERT's 1e-12, not DJL's 1e-5: the two differ visibly in the
 * last hidden state of a pretrained checkpoint.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BertConfig(
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("hidden_size") int hiddenSize,
        @JsonProperty("num_hidden_layers") int numHiddenLayers,
        @JsonProperty("num_attention_heads") int numAttentionHeads,
        @JsonProperty("intermediate_size") int intermediateSize,
        @JsonProperty("hidden_act") String hiddenAct,
        @JsonProperty("hidden_dropout_prob") double hiddenDropoutProb,
        @JsonProperty("attention_probs_dropout_prob") double attentionProbsDropoutProb,
        @JsonProperty("max_position_embeddings") int maxPositionEmbeddings,
        @JsonProperty("type_vocab_size") int typeVocabSize,
        @JsonProperty("layer_norm_eps") Double layerNormEps,
        @JsonProperty("pad_token_id") Integer padTokenId,
        @JsonProperty("model_type") String modelType) {

    /** BERT's LayerNorm epsilon, used when config.json does not give one. */
    public static final double BERT_LAYER_NORM_EPS = 1e-12;

    public BertConfig {
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("intermediate_size", intermediateSize);
        positive("max_position_embeddings", maxPositionEmbeddings);
        positive("type_vocab_size", typeVocabSize);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException(
                    "hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + numAttentionHeads);
        }
        if (hiddenAct == null) {
            hiddenAct = "gelu";
        }
        if (!hiddenAct.equals("gelu") && !hiddenAct.equals("relu")) {
            throw new IllegalArgumentException(
                    "hidden_act '" + hiddenAct + "' is not supported; allowed: gelu (erf form, as in BERT), relu");
        }
        probability("hidden_dropout_prob", hiddenDropoutProb);
        probability("attention_probs_dropout_prob", attentionProbsDropoutProb);
        if (layerNormEps == null) {
            layerNormEps = BERT_LAYER_NORM_EPS;
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layer_norm_eps must be > 0, got " + layerNormEps);
        }
        if (padTokenId == null) {
            padTokenId = 0;
        }
        if (modelType != null && !modelType.equals("bert")) {
            throw new IllegalArgumentException("model_type '" + modelType + "' is not supported; allowed: bert");
        }
    }

    /** Size of one attention head ({@code D} in the shape legends). */
    public int headSize() {
        return hiddenSize / numAttentionHeads;
    }

    /** A small random-weight configuration for tests of shapes and plumbing. */
    public static BertConfig tiny(int vocabSize) {
        return new BertConfig(vocabSize, 32, 2, 4, 64, "gelu", 0.1, 0.1, 64, 2, BERT_LAYER_NORM_EPS, 0, "bert");
    }

    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true);

    /** Reads {@code config.json}; any problem becomes one line naming the file. */
    public static BertConfig read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file + ": config.json not found");
        }
    }

    public static BertConfig parse(InputStream in, String source) throws IOException {
        try {
            return JSON.readValue(in, BertConfig.class);
        } catch (com.fasterxml.jackson.databind.exc.ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IOException(source + ": " + cause.getMessage());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(source + ": not a valid BERT config.json (" + e.getOriginalMessage() + ")");
        }
    }

    public void write(Path file) throws IOException {
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), this);
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be > 0, got " + value);
        }
    }

    private static void probability(String field, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(field + " must be in [0, 1), got " + value);
        }
    }
}
