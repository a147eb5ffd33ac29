package dev.mtl.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mtl.Engines;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.Output;
import dev.mtl.config.Pooling;
import dev.mtl.config.TaskConfig;
import dev.mtl.embedding.EmbeddingHead;
import dev.mtl.model.ParameterTable;
import dev.mtl.tokenize.Alignment;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every head kind: what it reads, its parameters, its loss against hand-computed values, its targets. */
class HeadContractTest {

    NDManager m;

    @BeforeEach
    void open() {
        m = Engines.newManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    @Test
    void theRegistryPicksTheHeadOfEachKind() {
        Head<?, ?> cls = dev.mtl.Heads.create(TaskConfig.classification("intent", List.of("a", "b")), 8, null);
        Head<?, ?> tok = dev.mtl.Heads.create(TaskConfig.ner("slots", List.of("O", "B-x", "I-x"), false), 8, null);
        Head<?, ?> crf = dev.mtl.Heads.create(TaskConfig.ner("slots", List.of("O", "B-x", "I-x"), true), 8, null);
        assertInstanceOf(ClassificationHead.class, cls);
        assertInstanceOf(TokenClassificationHead.class, tok);
        assertInstanceOf(CrfHead.class, crf);
        assertEquals(
                List.of(Head.Input.SENTENCE, Head.Input.TOKENS, Head.Input.TOKENS),
                List.of(cls.input(), tok.input(), crf.input()));
        assertEquals(
                List.of(Output.CLASSIFICATION, Output.NER, Output.NER),
                List.of(cls.output(), tok.output(), crf.output()));
        // Saved models keep their keys: these are the names model.safetensors has always used.
        assertEquals(
                List.of("dense.weight", "dense.bias", "out_proj.weight", "out_proj.bias"),
                List.copyOf(ParameterTable.of(cls, "").params().keySet()));
        assertEquals(
                List.of(
                        "classifier.weight",
                        "classifier.bias",
                        "crf.transitions",
                        "crf.start_transitions",
                        "crf.end_transitions"),
                List.copyOf(ParameterTable.of(crf, "").params().keySet()));
    }

    @Test
    void classificationLossIsCrossEntropyOptionallyClassWeighted() {
        ClassificationHead h = new ClassificationHead(TaskConfig.classification("t", List.of("a", "b", "c")), 4);
        NDArray logits = m.create(new float[] {1, 2, 3, 0, 0, 0}, new Shape(2, 3));
        List<int[]> y = List.of(new int[] {2}, new int[] {0});
        double nll0 = -Math.log(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3)));
        double nll1 = -Math.log(1 / 3.0);
        assertEquals((nll0 + nll1) / 2, h.loss(logits, y).getFloat(), 1e-6);
        h.setClassWeights(new float[] {2f, 1f, 0.5f});
        assertEquals((0.5 * nll0 + 2 * nll1) / 2.5, h.loss(logits, y).getFloat(), 1e-6);
    }

    @Test
    void multiLabelLossIsBinaryCrossEntropyPerLabel() {
        ClassificationHead h = new ClassificationHead(
                TaskConfig.classification("t", List.of("a", "b")).withMultiLabel(true), 4);
        NDArray logits = m.create(new float[] {2, -1}, new Shape(1, 2));
        double expected = (-Math.log(1 / (1 + Math.exp(-2))) - Math.log(1 - 1 / (1 + Math.exp(1)))) / 2;
        assertEquals(expected, h.loss(logits, List.of(new int[] {0})).getFloat(), 1e-6);
    }

    @Test
    void tokenLossCountsOnlyLabelledSubTokens() {
        TokenClassificationHead h = new TokenClassificationHead(TaskConfig.ner("t", List.of("O", "B-x"), false), 4);
        // One sequence of 4 positions, 2 labels; positions 0 and 2 (special tokens, continuations) are ignored.
        NDArray emissions = m.create(new float[] {9, -9, 0, 1, 9, -9, 2, 0}, new Shape(1, 4, 2));
        int ig = Alignment.IGNORE;
        double p1 = Math.exp(1) / (1 + Math.exp(1));
        double p3 = Math.exp(2) / (Math.exp(2) + 1);
        double expected = (-Math.log(p1) - Math.log(p3)) / 2;
        assertEquals(
                expected, h.loss(emissions, List.of(new int[] {ig, 1, ig, 0})).getFloat(), 1e-6);
    }

    @Test
    void embeddingLossIsTheMeanCosineDistanceToTheTargets() {
        EmbeddingHead h = new EmbeddingHead(new EmbeddingConfig(Pooling.MEAN, 0, false, true), 2, 1e-12);
        NDArray e = h.forward(m.create(new float[] {3, 0, 0, 2}, new Shape(2, 2)), false);
        float loss = h.loss(e, List.of(new float[] {1, 0}, new float[] {1, 1})).getFloat();
        assertEquals((0 + (1 - 1 / Math.sqrt(2))) / 2, loss, 1e-6);
    }

    @Test
    void targetsComeFromGoldStringsAndNameWhatDoesNotFit() {
        ClassificationHead single = new ClassificationHead(TaskConfig.classification("t", List.of("a", "b")), 4);
        assertArrayEquals(new int[] {1}, single.target(List.of("b"), null));
        assertEquals(
                "2 labels [a, b] for single-label task 't' (set multi_label: true)",
                assertThrows(IllegalArgumentException.class, () -> single.target(List.of("a", "b"), null))
                        .getMessage());
        assertEquals(
                "label 'z' is not one of task 't' labels",
                assertThrows(IllegalArgumentException.class, () -> single.target(List.of("z"), null))
                        .getMessage());
        TokenClassificationHead tagger =
                new TokenClassificationHead(TaskConfig.ner("s", List.of("O", "B-x", "I-x"), false), 4);
        // ids [CLS] new york ##er [SEP]: two words, the second in two pieces.
        Alignment a = new Alignment(
                "new yorker", new long[] {2, 10, 11, 12, 3}, List.of("new", "yorker"), new int[] {1, 2}, null, null);
        int ig = Alignment.IGNORE;
        assertArrayEquals(new int[] {ig, 1, 2, ig, ig}, tagger.target(List.of("B-x", "I-x"), a));
        assertEquals(
                "1 tags for 2 words (task 's')",
                assertThrows(IllegalArgumentException.class, () -> tagger.target(List.of("O"), a))
                        .getMessage());
    }

    @Test
    void anEmbeddingTaskReadsPairsLaidOutByTextAndTrainsTheSharedHead() {
        EmbeddingHead shared = new EmbeddingHead(new EmbeddingConfig(Pooling.MEAN, 0, false, true), 2, 1e-12);
        var cosent = new dev.mtl.embedding.EmbeddingTaskHead(
                TaskConfig.embedding("sim", dev.mtl.config.EmbeddingLoss.COSENT, List.of()), shared);
        assertEquals(
                List.of(), List.copyOf(ParameterTable.of(cosent, "").params().keySet()), "no parameters");
        assertEquals(Output.EMBEDDING, cosent.output());
        // Rows: the first texts of two pairs, then their second texts.
        NDArray rows = m.create(new float[] {1, 0, 0, 1, 1, 0.2f, 1, 1}, new Shape(4, 2));
        NDArray e = cosent.forward(rows, true);
        float[] scores = {0.9f, 0.1f};
        float expected = dev.mtl.embedding.EmbeddingLosses.cosent(e.get("0:2"), e.get("2:4"), scores, 20f)
                .getFloat();
        assertEquals(expected, cosent.loss(e, List.of(0.9f, 0.1f)).getFloat(), 1e-6);
        assertEquals(0.9f, (Float) cosent.target(List.of("0.9"), null), 0);
        var mse = new dev.mtl.embedding.EmbeddingTaskHead(
                TaskConfig.embedding("sim", dev.mtl.config.EmbeddingLoss.COSINE_MSE, List.of()), shared);
        assertEquals(
                "score 3.8 is outside [-1, 1], the range of a cosine (cosine_mse compares them; scale the scores, "
                        + "or use cosent)",
                assertThrows(IllegalArgumentException.class, () -> mse.target(List.of("3.8"), null))
                        .getMessage());
        var supcon = new dev.mtl.embedding.EmbeddingTaskHead(
                TaskConfig.embedding("topic", dev.mtl.config.EmbeddingLoss.SUPCON, List.of("a", "b")), shared);
        assertEquals(1, supcon.target(List.of("b"), null));
        float sc = dev.mtl.embedding.EmbeddingLosses.supervisedContrastive(e, new int[] {0, 1, 0, 1}, 0.1f)
                .getFloat();
        assertEquals(sc, supcon.loss(e, List.of(0, 1, 0, 1)).getFloat(), 1e-6);
    }
}
