package dev.mtl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.mtl.Backbone;
import dev.mtl.TestModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tier 2: shapes, names and masking on a tiny random config. */
class BertModelTest {

    @TempDir
    Path tmp;

    @Test
    void parameterKeysFollowHuggingFaceNaming() throws Exception {
        try (Backbone b = TestModels.tinyBackbone(tmp)) {
            var keys = b.parameters().params().keySet();
            assertEquals(5 + 2 * 16, keys.size());
            for (String k : List.of(
                    "embeddings.word_embeddings.weight",
                    "embeddings.LayerNorm.weight",
                    "encoder.layer.1.attention.self.query.weight",
                    "encoder.layer.1.attention.output.LayerNorm.bias",
                    "encoder.layer.0.intermediate.dense.weight",
                    "encoder.layer.0.output.dense.bias")) {
                org.junit.jupiter.api.Assertions.assertTrue(keys.contains(k), k);
            }
            assertArrayEquals(
                    new long[] {64, 32},
                    b.parameters()
                            .params()
                            .get("encoder.layer.0.intermediate.dense.weight")
                            .shape()
                            .getShape());
        }
    }

    @Test
    void paddingDoesNotChangeTheRealPositions() throws Exception {
        try (Backbone b = TestModels.tinyBackbone(tmp);
                dev.mtl.SentenceEncoder enc = new dev.mtl.SentenceEncoder(
                        b,
                        dev.mtl.config.EmbeddingConfig.sentenceTransformers(),
                        dev.mtl.InferenceOptions.defaults(64))) {
            long[] shortSeq = {2, 40, 41, 3};
            long[] longSeq = {2, 40, 41, 42, 43, 44, 45, 3};
            float[][][] alone = enc.lastHiddenStates(List.of(shortSeq));
            float[][][] padded = enc.lastHiddenStates(List.of(longSeq, shortSeq));
            assertEquals(4, padded[1].length);
            assertEquals(32, padded[1][0].length);
            for (int t = 0; t < 4; t++) {
                assertArrayEquals(alone[0][t], padded[1][t], 1e-5f, "position " + t);
            }
            // And the context matters: the same token in a different sentence gets another vector.
            assertNotEquals(alone[0][1][0], padded[0][1][0]);
        }
    }

    @Test
    void forwardCountsOnePassPerBatch() throws Exception {
        try (Backbone b = TestModels.tinyBackbone(tmp);
                dev.mtl.SentenceEncoder enc = new dev.mtl.SentenceEncoder(
                        b,
                        dev.mtl.config.EmbeddingConfig.sentenceTransformers(),
                        dev.mtl.InferenceOptions.defaults(64).withBatchSize(4))) {
            long before = b.model().forwardCount();
            float[][] e = enc.embed(List.of("a", "the music", "new york", "b c", "play", "d", "e", "f", "g"));
            assertEquals(9, e.length);
            assertEquals(3, b.model().forwardCount() - before); // ceil(9 / 4)
        }
    }
}
