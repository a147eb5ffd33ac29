package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Which parameters do not train.
 *
 * @param encoder the whole encoder (embeddings and all layers): only the heads train
 * @param embeddings the word/position/type embeddings
 * @param layers the lowest this many transformer layers
 * @param heads task heads kept as they are (e.g. a task already trained in an earlier run)
 * @param gradualUnfreeze unfreeze one more layer from the top each epoch (ULMFiT)
 */
public record FreezeConfig(
        @JsonProperty(value = "encoder", defaultValue = "false")
        boolean encoder,

        @JsonProperty(value = "embeddings", defaultValue = "false")
        boolean embeddings,

        @JsonProperty(value = "layers", defaultValue = "0") int layers,
        @JsonProperty(value = "heads", defaultValue = "[]") List<String> heads,

        @JsonProperty(value = "gradual_unfreeze", defaultValue = "false")
        boolean gradualUnfreeze) {

    /** The deepest BERT we expect (BERT-large has 24); a larger number is a typo, not a model. */
    public static final int MAX_LAYERS = 48;

    public FreezeConfig {
        if (layers < 0 || layers > MAX_LAYERS) {
            throw new SettingException("layers", "must be in [0, " + MAX_LAYERS + "], got " + layers);
        }
        heads = heads == null ? List.of() : List.copyOf(heads);
    }
}
