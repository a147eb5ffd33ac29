package dev.mtl.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.EngineKind;
import dev.mtl.MultiTaskModel;
import dev.mtl.Prediction;
import dev.mtl.TaskTowerTest;
import dev.mtl.TestModels;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.Output;
import dev.mtl.config.TaskConfig;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A loaded model on ONNX Runtime: chosen by default here, same results as PyTorch, its model.onnx read. */
class OrtEngineTest {

    static final List<String> TEXTS = List.of(
            "play the music in new york",
            "",
            "new york new york the music play the new music in new york , the music ! play new music in york",
            "a");

    @TempDir
    Path tmp;

    @Test
    void predictionsMatchPyTorchWithWindowsAndEveryOutput() throws Exception {
        Path dir = TestModels.writeTwoHeadModel(tmp);
        try (MultiTaskModel ort = MultiTaskModel.load(dir);
                MultiTaskModel pt = MultiTaskModel.load(dir)) {
            assertEquals(EngineKind.ONNXRUNTIME, ort.engineKind(), "the default with mtl-onnx on the class path");
            pt.useEngine(EngineKind.PYTORCH);
            var options = ort.defaultOptions().withMaxLength(8).withBatchSize(3); // long texts span windows
            long before = ort.forwardCount();
            List<Prediction> a = ort.predict(TEXTS, EnumSet.allOf(Output.class), options, n -> {});
            assertTrue(ort.forwardCount() > before, "ONNX Runtime passes are counted");
            List<Prediction> b = pt.predict(TEXTS, EnumSet.allOf(Output.class), options, n -> {});
            for (int i = 0; i < TEXTS.size(); i++) {
                for (int d = 0; d < a.get(i).embedding().length; d++) {
                    assertEquals(b.get(i).embedding()[d], a.get(i).embedding()[d], 1e-4);
                }
                assertEquals(
                        b.get(i).classification().get("intent").label(),
                        a.get(i).classification().get("intent").label());
                assertEquals(
                        b.get(i).ner().get("slots").tags(),
                        a.get(i).ner().get("slots").tags());
                assertEquals(
                        b.get(i).ner().get("slots").entities().size(),
                        a.get(i).ner().get("slots").entities().size());
            }
        }
    }

    /** Classification and NER read the task tower on both engines, also when windows are combined. */
    @Test
    void aModelWithATaskTowerMatchesPyTorchWithWindows() throws Exception {
        Path dir = tmp.resolve("tower");
        try (MultiTaskModel m = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp.resolve("vocab")),
                EmbeddingConfig.sentenceTransformers(),
                TaskTowerTest.TASKS,
                64,
                1)) {
            TestModels.redrawAtTrainedScale(m, 3);
            m.save(dir);
        }
        try (MultiTaskModel ort = MultiTaskModel.load(dir);
                MultiTaskModel pt = MultiTaskModel.load(dir)) {
            pt.useEngine(EngineKind.PYTORCH);
            var options = ort.defaultOptions().withMaxLength(8).withBatchSize(3);
            List<Prediction> a = ort.predict(TEXTS, EnumSet.allOf(Output.class), options, n -> {});
            assertEquals(EngineKind.ONNXRUNTIME, ort.engineKind());
            List<Prediction> b = pt.predict(TEXTS, EnumSet.allOf(Output.class), options, n -> {});
            for (int i = 0; i < TEXTS.size(); i++) {
                assertArrayEquals(b.get(i).embedding(), a.get(i).embedding(), 1e-4f);
                var want = b.get(i).classification().get("intent").scores();
                var got = a.get(i).classification().get("intent").scores();
                for (String label : want.keySet()) {
                    assertEquals(want.get(label), got.get(label), 1e-4f, "text " + i + ", " + label);
                }
                assertEquals(
                        b.get(i).ner().get("slots").tags(),
                        a.get(i).ner().get("slots").tags());
            }
            // Embedding alone runs only the part of the graph below the tower on ONNX Runtime.
            try (OrtEngine e = OrtEngine.open(ort, dir)) {
                assertTrue(e.runsTasksApart());
            }
            float[][] ortEmbedding = ort.embed(TEXTS, options, n -> {});
            float[][] ptEmbedding = pt.embed(TEXTS, options, n -> {});
            for (int i = 0; i < TEXTS.size(); i++) {
                assertArrayEquals(ptEmbedding[i], ortEmbedding[i], 1e-4f, "text " + i);
                assertArrayEquals(a.get(i).embedding(), ortEmbedding[i], 1e-6f, "text " + i);
            }
        }
    }

    @Test
    void passesRunAtOnceGiveTheSameResultsInInputOrder() throws Exception {
        Path dir = TestModels.writeTwoHeadModel(tmp);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            for (String t : TEXTS) {
                texts.add(t + " new".repeat(i));
            }
        }
        List<Prediction> one = predictInBatchesOfTwo(dir, texts);
        List<Prediction> three;
        System.setProperty(OrtEngine.CONCURRENCY_PROPERTY, "3");
        try {
            // Batches of 2 from 20 texts and their windows: many passes, three in flight at a time.
            three = predictInBatchesOfTwo(dir, texts);
        } finally {
            System.clearProperty(OrtEngine.CONCURRENCY_PROPERTY);
        }
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(one.get(i).embedding(), three.get(i).embedding(), texts.get(i));
            assertEquals(one.get(i).classification(), three.get(i).classification(), texts.get(i));
            assertEquals(one.get(i).ner(), three.get(i).ner(), texts.get(i));
        }
    }

    private static List<Prediction> predictInBatchesOfTwo(Path dir, List<String> texts) throws Exception {
        try (MultiTaskModel m = MultiTaskModel.load(dir)) {
            return m.predict(
                    texts,
                    EnumSet.allOf(Output.class),
                    m.defaultOptions().withMaxLength(8).withBatchSize(2),
                    n -> {});
        }
    }

    @Test
    void anInt8GraphRunsOnePassPerCoreAndFp32One() throws Exception {
        try (MultiTaskModel m = MultiTaskModel.load(TestModels.writeTwoHeadModel(tmp));
                OrtEngine fp32 = new OrtEngine(OnnxExport.toBytes(m, ExportOptions.fp32()), "fp32");
                OrtEngine int8 = new OrtEngine(OnnxExport.toBytes(m, ExportOptions.int8()), "int8")) {
            assertEquals(1, fp32.concurrency());
            assertEquals(Runtime.getRuntime().availableProcessors(), int8.concurrency());
        }
    }

    @Test
    void aModelDirectorysGraphIsTheOneThatRuns() throws Exception {
        Path dir = TestModels.writeTwoHeadModel(tmp);
        try (MultiTaskModel other = MultiTaskModel.create(
                TestModels.tinyBackbone(tmp.resolve("other")),
                EmbeddingConfig.sentenceTransformers(),
                List.of(TaskConfig.classification("topic", List.of("a", "b"))),
                64)) {
            OnnxExport.write(other, ExportOptions.fp32(), dir.resolve(OnnxExport.FILE));
        }
        try (MultiTaskModel m = MultiTaskModel.load(dir)) {
            UncheckedIOException e = assertThrows(
                    UncheckedIOException.class, () -> m.predict(List.of("play"), EnumSet.of(Output.EMBEDDING)));
            assertEquals(
                    dir.resolve(OnnxExport.FILE) + ": the graph has no output 'intent.logits' for task 'intent'; "
                            + "export the model again (mtl export --format onnx)",
                    e.getCause().getMessage());
        }
    }

    @Test
    void thePropertyChoosesPyTorch() throws Exception {
        Path dir = TestModels.writeTwoHeadModel(tmp);
        System.setProperty(EngineKind.PROPERTY, "pytorch");
        try (MultiTaskModel m = MultiTaskModel.load(dir)) {
            assertEquals(EngineKind.PYTORCH, m.engineKind());
        } finally {
            System.clearProperty(EngineKind.PROPERTY);
        }
        System.setProperty(EngineKind.PROPERTY, "tensorflow");
        try (MultiTaskModel m = MultiTaskModel.load(dir)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, m::engineKind);
            assertEquals("engine 'tensorflow' is not one of pytorch, onnxruntime", e.getMessage());
        } finally {
            System.clearProperty(EngineKind.PROPERTY);
        }
    }
}
