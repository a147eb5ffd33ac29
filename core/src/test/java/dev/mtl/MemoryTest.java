package dev.mtl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.config.EmbeddingConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Native memory stays flat: embedding 20,000 sentences leaves no NDArray behind. */
class MemoryTest {

    @TempDir
    Path tmp;

    @Test
    void liveArrayCountIsFlatOverTwentyThousandSentences() throws Exception {
        String[] words = {"the", "music", "play", "new", "york", "a", "b", "zq", "xy", "playing", "!"};
        Random rnd = new Random(7);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + rnd.nextInt(20); // mixed lengths, so batches pad
            for (int j = 0; j < n; j++) {
                sb.append(words[rnd.nextInt(words.length)]).append(' ');
            }
            texts.add(sb.toString());
        }
        try (Backbone b = TestModels.tinyBackbone(tmp);
                SentenceEncoder enc =
                        new SentenceEncoder(b, EmbeddingConfig.sentenceTransformers(), InferenceOptions.defaults(64))) {
            enc.embed(texts.subList(0, 100)); // warm-up
            int before = b.manager().getManagedArrays().size();
            float[][] out = enc.embed(texts);
            int after = b.manager().getManagedArrays().size();
            assertEquals(20_000, out.length);
            assertEquals(before, after, "live NDArrays before " + before + ", after " + after);
            assertTrue(before >= b.parameters().params().size(), "the parameters themselves are counted");
        }
    }
}
