package dev.mtl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.config.EmbeddingConfig;
import dev.mtl.tokenize.Windows;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A text longer than the maximum is windowed (token-weighted mean of windows), or truncated on request. */
class LongInputTest {

    @TempDir
    Path tmp;

    private static final String LONG = "the music play new york the music play new york . the music ! new york , play";

    @Test
    void windowedEmbeddingIsTheTokenWeightedMeanOfTheWindows() throws Exception {
        try (Backbone b = TestModels.tinyBackbone(tmp);
                SentenceEncoder enc = new SentenceEncoder(
                        b, EmbeddingConfig.sentenceTransformers(), new InferenceOptions(4, 10, false, 3))) {
            long[] ids = b.tokenizer().encode(LONG).getIds();
            assertTrue(ids.length > 10, "fixture must exceed the maximum: " + ids.length);
            List<Windows.Window> windows = Windows.split(
                    ids, 10, 3, b.tokenizer().clsId(), b.tokenizer().sepId());
            assertTrue(windows.size() >= 2);
            List<long[]> seqs = new ArrayList<>();
            windows.forEach(w -> seqs.add(w.ids()));
            float[][][] hidden = enc.lastHiddenStates(seqs);
            float[] expected = new float[32];
            float weight = 0;
            for (float[][] window : hidden) {
                for (float[] token : window) { // mean of the window times its token count = sum of its tokens
                    for (int h = 0; h < 32; h++) {
                        expected[h] += token[h];
                    }
                }
                weight += window.length;
            }
            double norm = 0;
            for (int h = 0; h < 32; h++) {
                expected[h] /= weight;
                norm += expected[h] * expected[h];
            }
            for (int h = 0; h < 32; h++) {
                expected[h] /= (float) Math.sqrt(norm);
            }
            float[] actual = enc.embed(List.of(LONG))[0];
            assertArrayEquals(expected, actual, 1e-5f);

            float[] truncated =
                    enc.withOptions(enc.options().withTruncate(true)).embed(List.of(LONG))[0];
            float[][][] firstWindow =
                    enc.lastHiddenStates(List.of(Windows.truncate(ids, 10, ids[0], ids[ids.length - 1])));
            assertEquals(32, truncated.length);
            assertTrue(Math.abs(truncated[0] - actual[0]) > 1e-6, "truncation must differ from windowing");
            float[] mean = new float[32];
            for (float[] token : firstWindow[0]) {
                for (int h = 0; h < 32; h++) {
                    mean[h] += token[h] / firstWindow[0].length;
                }
            }
            double n = 0;
            for (float v : mean) {
                n += v * v;
            }
            assertEquals(mean[0] / Math.sqrt(n), truncated[0], 1e-5, "truncation keeps the first window only");
        }
    }

    @Test
    void resultsComeBackInInputOrderWhateverTheBatching() throws Exception {
        try (Backbone b = TestModels.tinyBackbone(tmp);
                SentenceEncoder enc = new SentenceEncoder(
                        b,
                        EmbeddingConfig.sentenceTransformers(),
                        InferenceOptions.defaults(64).withBatchSize(3))) {
            List<String> texts = List.of("play", "the music play new york", "", "new", "york the music", "a b c d e f");
            float[][] all = enc.embed(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(enc.embed(List.of(texts.get(i)))[0], all[i], 1e-5f, texts.get(i));
            }
        }
    }
}
