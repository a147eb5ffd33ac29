package dev.mtl.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.Backbone;
import dev.mtl.MultiTaskModel;
import dev.mtl.SentenceEncoder;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.Pooling;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sentence-transformers module chain written beside a model, computed from the files alone (see
 * {@link SentenceTransformersChain}) on the encoder's token vectors, reproduces what {@code mtl embed}
 * gives for the same directory.
 */
class SentenceTransformersChainTest {

    @TempDir
    Path tmp;

    /** Token vectors of each text's real tokens, the texts encoded together in one padded batch. */
    private static float[][] chain(SentenceEncoder enc, SentenceTransformersChain chain, List<String> texts) {
        float[][][] hidden = enc.lastHiddenStates(texts.stream()
                .map(t -> enc.backbone().tokenizer().encode(t).getIds())
                .toList());
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = chain.apply(hidden[i]);
        }
        return out;
    }

    @Test
    void everyPoolingModeWithProjectionAndLayerNormMatchesMtlEmbed() throws Exception {
        EmbeddingConfig[] configs = {
            new EmbeddingConfig(Pooling.MEAN, 0, false, true),
            new EmbeddingConfig(Pooling.CLS, 16, false, true),
            new EmbeddingConfig(Pooling.MAX, 0, true, true),
            new EmbeddingConfig(Pooling.MEAN, 24, true, true),
            new EmbeddingConfig(Pooling.MEAN, 24, true, false),
        };
        for (int c = 0; c < configs.length; c++) {
            Path dir = tmp.resolve("m" + c);
            try (MultiTaskModel m = InteropModels.create(tmp.resolve("v" + c), configs[c], List.of())) {
                m.save(dir);
            }
            try (SentenceEncoder enc = SentenceEncoder.load(dir)) {
                float eps = (float) enc.backbone().config().layerNormEps().doubleValue();
                SentenceTransformersChain chain = SentenceTransformersChain.read(dir, eps);
                float[][] mtl = enc.embed(InteropModels.TEXTS);
                double diff = SentenceTransformersChain.maxAbsDiff(chain(enc, chain, InteropModels.TEXTS), mtl);
                System.out.printf("%s: modules %s, max |Δ| %.2e%n", configs[c], chain.types(), diff);
                assertEquals(enc.dimension(), mtl[0].length);
                assertTrue(diff < 1e-5, configs[c] + ": max abs diff " + diff);
            }
        }
    }

    /**
     * On the real all-MiniLM-L6-v2 encoder: the chain with our LayerNorm epsilon matches mtl embed to
     * float rounding; with torch's 1e-5, which sentence-transformers' LayerNorm module cannot change,
     * the difference is what docs/interop.md reports. With LayerNorm at its initial ones and zeros the
     * epsilon only rescales the vector, which L2 normalization undoes; trained (here: random) weights
     * and bias show the real effect.
     */
    @Test
    void onMiniLmTheLayerNormEpsilonIsTheOnlyDifference() throws Exception {
        List<String> texts = List.of(
                "A man is playing a guitar.",
                "play adele on spotify",
                "What will the weather be like in New York tomorrow afternoon, and should I take an umbrella?",
                "ok");
        EmbeddingConfig[] configs = {
            new EmbeddingConfig(Pooling.MEAN, 0, true, true),
            new EmbeddingConfig(Pooling.MEAN, 256, true, true),
            new EmbeddingConfig(Pooling.MEAN, 0, true, false),
        };
        double[] torchDiffs = new double[configs.length];
        for (int c = 0; c < configs.length; c++) {
            Path dir = tmp.resolve("minilm-" + c);
            // The projection as initialised (N(0, 0.02)); the LayerNorm's weight and bias random N(0, 0.5).
            try (MultiTaskModel m = MultiTaskModel.create(Backbone.loadDefault(), configs[c], List.of(), 256)) {
                InteropModels.randomize(m, 11, "LayerNorm");
                m.save(dir);
            }
            try (SentenceEncoder enc = SentenceEncoder.load(dir)) {
                float[][] mtl = enc.embed(texts);
                double ours = SentenceTransformersChain.maxAbsDiff(
                        chain(enc, SentenceTransformersChain.read(dir, 1e-12f), texts), mtl);
                torchDiffs[c] = SentenceTransformersChain.maxAbsDiff(
                        chain(
                                enc,
                                SentenceTransformersChain.read(dir, SentenceTransformersChain.TORCH_LAYER_NORM_EPS),
                                texts),
                        mtl);
                System.out.printf(
                        "all-MiniLM-L6-v2, %s: max |Δ| %.2e with eps 1e-12, %.2e with torch's 1e-5%n",
                        configs[c], ours, torchDiffs[c]);
                assertTrue(ours < 1e-5, "eps 1e-12: " + ours);
            }
        }
        assertTrue(torchDiffs[0] > 1e-6, "torch's epsilon changes the pooled vector's LayerNorm: " + torchDiffs[0]);
    }
}
