package dev.mtl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.Backbone;
import dev.mtl.TestModels;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.EmbeddingLoss;
import dev.mtl.config.Pooling;
import dev.mtl.config.TaskConfig;
import dev.mtl.data.Example;
import dev.mtl.data.Field;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainConfigTest {
    /** The repository root, relative to the core module (Maven's working directory). */
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** The smallest valid config: two tasks fed by one JointBERT directory. */
    static final String MINIMAL = """
      tasks:
        - {name: intent, kind: classification}
        - {name: slots, kind: ner}
      datasets:
        - name: snips
          format: jointbert
          train: data/train
          feeds: {intent: label, slots: tags}
      """;

    @TempDir
    Path dir;

    @Test
    void snipsExampleLoadsAndReads() throws IOException {
        TrainConfig c = TrainConfig.load(ROOT.resolve("examples/snips-joint.yaml"));
        assertTrue(c.defaultBackbone());
        assertEquals(List.of(64, 32, 1), List.of(c.maxLength(), c.batchSize(), c.epochs()));
        assertEquals(List.of(TaskSpec.classification("intent"), TaskSpec.ner("slots", false)), c.tasks());
        assertEquals(1e-4, c.optimizer().lr());
        assertEquals(1e-3, c.optimizer().headLr());
        assertEquals(new ScheduleConfig(ScheduleKind.LINEAR, 0.1), c.schedule());
        assertTrue(c.eval().every().atEpochEnd());
        assertTrue(c.eval().metric().isMean());
        DatasetSpec snips = c.datasets().get(0);
        assertEquals(ROOT.resolve("data/snips/train"), snips.train()); // relative to examples/, resolved
        assertEquals(Map.of("intent", Field.LABEL, "slots", Field.TAGS), snips.feeds());
        DatasetSpec.Splits s = snips.read(Path.of("/unused")); // already absolute after load
        assertEquals(
                List.of(13_084, 700, 700),
                List.of(s.train().size(), s.dev().size(), s.test().size()));
        Example first = s.train().get(0);
        assertEquals(first.tokens().size(), first.tags().size());
        assertEquals(1, first.labels().size());
        assertEquals(700, snips.read(Split.DEV).size());
    }

    @Test
    void trecWnutExampleLoadsAndReads() throws IOException {
        TrainConfig c = TrainConfig.load(ROOT.resolve("examples/trec-wnut.yaml"));
        DatasetSpec trec = c.datasets().get(0);
        DatasetSpec wnut = c.datasets().get(1);
        assertEquals(DatasetSpec.Format.LABEL_PREFIX, trec.format());
        assertEquals(StandardCharsets.ISO_8859_1, trec.charset());
        assertEquals(Optional.empty(), trec.path(Split.DEV));
        assertEquals(List.of(), trec.read(Split.DEV));
        assertEquals(5_452, trec.read(Split.TRAIN).size());
        assertEquals(500, trec.read(Split.TEST).size());
        assertEquals("DESC", trec.read(Split.TRAIN).get(0).labels().get(0)); // coarse level
        assertEquals(ROOT.resolve("data/wnut17/emerging.dev.conll"), wnut.dev());
        assertEquals(
                List.of(3_394, 1_009, 1_287),
                List.of(
                        wnut.read(Split.TRAIN).size(),
                        wnut.read(Split.DEV).size(),
                        wnut.read(Split.TEST).size()));
        assertEquals(
                new EvalConfig.Metric("entities", EvalConfig.Measure.F1),
                c.eval().metric());
    }

    @Test
    void absentKeysTakeTheDocumentedDefaults() throws IOException {
        TrainConfig c = TrainConfig.load(write("train.yaml", MINIMAL));
        assertEquals("default", c.backbone());
        assertEquals(List.of(128, 32, 5), List.of(c.maxLength(), c.batchSize(), c.epochs()));
        assertEquals(42L, c.seed());
        assertEquals(new EmbeddingConfig(Pooling.MEAN, 0, false, true), c.embedding());
        assertEquals(new SamplingConfig(SamplingStrategy.TEMPERATURE, 2.0), c.sampling());
        assertEquals(new LossConfig(Map.of(), false, LossConfig.ClassWeights.NONE), c.loss());
        assertEquals(1.0, c.loss().weight("slots"));
        assertEquals(
                new OptimizerConfig(5e-5, 1e-3, 0.01, List.of(0.9, 0.999), 1e-8, 1.0, 1.0, 1, false), c.optimizer());
        assertEquals(new ScheduleConfig(ScheduleKind.LINEAR, 0.1), c.schedule());
        assertEquals(new FreezeConfig(false, false, 0, List.of(), false), c.freeze());
        assertEquals(new EvalConfig(new EvalConfig.Every(0), new EvalConfig.Metric(null, null), 0, null), c.eval());
        assertEquals(new CheckpointConfig(200), c.checkpoint());
        assertEquals(new PreserveConfig(PreserveConfig.Method.DISTILL, 1.0, 0), c.preserve(), "no task tower");
        assertEquals(
                new PreserveConfig(PreserveConfig.Method.NONE, 1.0, 1),
                TrainConfig.load(write("none.yaml", MINIMAL + "preserve: {method: none, task_layers: 1}\n"))
                        .preserve(),
                "a task tower without distillation when asked for");
        PreserveConfig falling = preserve("{weight: 2, final_weight: 0.5}");
        assertEquals(
                List.of(2.0, 1.25, 0.5),
                List.of(falling.weightAt(0), falling.weightAt(0.5), falling.weightAt(1)),
                "the weight falls linearly from weight to final_weight");
        assertEquals(1.0, c.preserve().weightAt(0.7), "without final_weight the weight stays");
        PreserveConfig sampled = preserve("{task_layers: 2, sample: 0.25}");
        assertEquals(
                List.of(8, 1, 4),
                List.of(sampled.sampled(32), sampled.sampled(2), sampled.sampled(15)),
                "a quarter of a batch's texts, at least one, rounded");
        assertEquals(32, c.preserve().sampled(32), "every text by default");
        assertEquals(1.0, c.preserve().sharedPull(), "distillation holds the layers below a tower by default");
        assertEquals(0.25, preserve("{task_layers: 2, shared_pull: 0.25}").sharedPull());
        assertTrue(
                new PreserveConfig(PreserveConfig.Method.DISTILL, 0, 0, 1.0, 1.0, 1.0).distill(),
                "a weight that rises");
        assertFalse(
                new PreserveConfig(PreserveConfig.Method.DISTILL, 0, 0, 0.0, 1.0, 1.0).distill(),
                "weight 0 throughout");
        assertNull(c.task("intent").labels());
        TaskConfig intent = c.task("intent").toTaskConfig(List.of("a", "b"));
        assertEquals(
                List.of(0, "gelu", 0.1, false, 0.5, false),
                List.of(
                        intent.hiddenSize(),
                        intent.activation(),
                        intent.dropout(),
                        intent.multiLabel(),
                        intent.threshold(),
                        intent.crf()));
        DatasetSpec d = c.datasets().get(0);
        assertEquals(List.of("UTF-8", Map.of()), List.of(d.encoding(), d.options()));
        assertNull(d.dev());
    }

    @Test
    void theTaskTowerNeedsTaskHeadsAndNoMoreLayersThanTheEncoderHas() throws IOException {
        TrainConfig c = TrainConfig.load(write("train.yaml", MINIMAL + "preserve: {task_layers: 2}\n"));
        List<TaskConfig> tasks = List.of(
                TaskConfig.classification("intent", List.of("a", "b")), TaskConfig.ner("slots", List.of("O"), false));
        List<TaskConfig> embeddingOnly = List.of(TaskConfig.embedding("sts", EmbeddingLoss.COSENT, List.of()));
        try (Backbone b = TestModels.tinyBackbone(dir.resolve("vocab"))) { // 2 layers
            assertEquals(2, Trainer.taskLayers(c, tasks, b));
            assertEquals(0, Trainer.taskLayers(c, embeddingOnly, b), "no head would read it");
            TrainConfig three = TrainConfig.load(write("three.yaml", MINIMAL + "preserve: {task_layers: 3}\n"));
            SettingException e = assertThrows(SettingException.class, () -> Trainer.taskLayers(three, tasks, b));
            assertEquals("preserve.task_layers: must be at most the encoder's 2 layers, got 3", e.getMessage());
        }
    }

    @Test
    void aPartialSectionKeepsTheOtherDefaults() throws IOException {
        String withDev = MINIMAL.replace("    train: data/train\n", "    train: data/train\n    dev: data/train\n");
        TrainConfig c = TrainConfig.load(write("train.yaml", withDev + """
        optimizer: {lr: 1e-4, betas: [0.9, 0.98]}
        embedding: {pooling: cls}
        eval: {every: 500, metric: intent.macro_f1, patience: 3}
        freeze: {layers: 2, heads: [slots]}
        loss: {weights: {slots: 0.5}, class_weights: balanced}
        """));
        assertEquals(1e-4, c.optimizer().lr()); // YAML 1.1 reads 1e-4 as a string; taken as the number meant
        assertEquals(1e-3, c.optimizer().headLr());
        assertEquals(0.98, c.optimizer().beta2());
        assertEquals(new EmbeddingConfig(Pooling.CLS, 0, false, true), c.embedding());
        assertEquals(500, c.eval().every().steps());
        assertEquals("intent.macro_f1", c.eval().metric().toString());
        assertEquals(3, c.eval().patience());
        assertEquals(new FreezeConfig(false, false, 2, List.of("slots"), false), c.freeze());
        assertEquals(0.5, c.loss().weight("slots"));
        assertEquals(1.0, c.loss().weight("intent"));
        assertEquals(LossConfig.ClassWeights.BALANCED, c.loss().classWeights());
    }

    @Test
    void jsonGivesTheSameConfigAsYaml() throws IOException {
        TrainConfig yaml = TrainConfig.load(write("train.yaml", MINIMAL + "epochs: 2\n"));
        TrainConfig json = TrainConfig.load(write("train.json", """
        {"epochs": 2,
         "tasks": [{"name": "intent", "kind": "classification"}, {"name": "slots", "kind": "ner"}],
         "datasets": [{"name": "snips", "format": "jointbert", "train": "data/train",
                       "feeds": {"intent": "label", "slots": "tags"}}]}
        """));
        assertEquals(yaml, json);
    }

    @Test
    void csvOptionsPickColumnsAndDeclaredLabelsWin() throws IOException {
        write("data/q.tsv", "x\tWhat is a cat ?\tDESC\ny\tWho was Kant ?\tHUM\n");
        TrainConfig c = TrainConfig.load(write("train.yaml", """
        tasks: [{name: q, kind: classification, labels: [HUM, DESC]}]
        datasets:
          - {name: q, format: tsv, train: data/q.tsv, feeds: {q: label}, options: {text_column: 1, label_column: 2}}
        """));
        List<Example> train = c.datasets().get(0).read(Split.TRAIN);
        assertEquals(
                List.of("What is a cat ?", "Who was Kant ?"),
                train.stream().map(Example::text).toList());
        assertEquals(List.of("HUM"), train.get(1).labels());
        TaskConfig head = c.task("q").toTaskConfig(List.of("UNK", "DESC", "HUM"));
        assertEquals(List.of("HUM", "DESC"), head.labels());
        assertEquals(
                List.of("UNK", "B-X"),
                TaskSpec.ner("n", true).toTaskConfig(List.of("UNK", "B-X")).labels());
        assertFalse(head.multiLabel());
    }

    /** The {@code preserve} settings of a minimal config with {@code preserve: <flow>}. */
    private PreserveConfig preserve(String flow) throws IOException {
        return TrainConfig.load(write("preserve.yaml", MINIMAL + "preserve: " + flow + "\n"))
                .preserve();
    }

    Path write(String name, String content) throws IOException {
        Path jointBert = dir.resolve("data/train");
        Files.createDirectories(jointBert);
        Files.writeString(jointBert.resolve("seq.in"), "play jazz\n");
        Files.writeString(jointBert.resolve("seq.out"), "O B-genre\n");
        Files.writeString(jointBert.resolve("label"), "PlayMusic\n");
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        return file;
    }
}
