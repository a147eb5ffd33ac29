package dev.mtl.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/**
 * The training objective of an embedding task, and the kind of data it learns from: scored pairs
 * (CoSENT, cosine-similarity MSE), positive pairs with in-batch negatives (multiple-negatives
 * ranking), or texts with labels (supervised contrastive, batch-hard triplet).
 */
public enum EmbeddingLoss {
    @JsonProperty("cosent")
    COSENT(Data.SCORED_PAIRS, 20),
    @JsonProperty("cosine_mse")
    COSINE_MSE(Data.SCORED_PAIRS, 0),
    @JsonProperty("mnrl")
    MNRL(Data.POSITIVE_PAIRS, 20),
    @JsonProperty("supcon")
    SUPCON(Data.LABELLED_TEXTS, 10),
    @JsonProperty("triplet")
    TRIPLET(Data.LABELLED_TEXTS, 0);

    /** What an objective learns from. */
    public enum Data {
        SCORED_PAIRS,
        POSITIVE_PAIRS,
        LABELLED_TEXTS
    }

    private final Data data;
    private final double defaultScale;

    EmbeddingLoss(Data data, double defaultScale) {
        this.data = data;
        this.defaultScale = defaultScale;
    }

    public Data data() {
        return data;
    }

    /**
     * The similarity scale (inverse temperature) by default: sentence-transformers' 20 for CoSENT and
     * multiple-negatives ranking, 10 (temperature 0.1) for supervised contrastive; 0 where unused.
     */
    public double defaultScale() {
        return defaultScale;
    }

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
