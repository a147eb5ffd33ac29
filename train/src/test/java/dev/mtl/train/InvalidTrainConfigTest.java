package dev.mtl.train;

import static dev.mtl.train.TrainConfigTest.MINIMAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of error in a training config, each with its exact one-line message (file prefix cut). */
class InvalidTrainConfigTest {
    @TempDir
    Path dir;

    @Test
    void unknownKeysNameWhereTheyAreAndWhatIsAllowed() {
        assertEquals(
                ":9: unknown key 'optimiser' at optimizer; allowed: lr, head_lr, weight_decay, betas, eps, "
                        + "layer_decay, clip_norm, grad_accum, lazy_embeddings",
                error(MINIMAL + "optimizer: {lr: 1.0e-4, optimiser: adam}\n"));
        assertEquals(
                ":9: unknown key 'optimiser' at top level; allowed: backbone, max_length, batch_size, epochs, seed, "
                        + "embedding, tasks, datasets, sampling, loss, optimizer, schedule, freeze, eval, checkpoint, preserve",
                error(MINIMAL + "optimiser: {lr: 1.0e-4}\n"));
        assertEquals(
                ":9: unknown key 'schema' at datasets[0].options; allowed: label_separator",
                error(MINIMAL + "    options: {schema: iob2}\n"));
    }

    @Test
    void wrongValuesNameKeyValueAndAllowedValues() {
        assertEquals(
                ":6: datasets[0].format: 'conl' is not one of jointbert, conll, csv, tsv, label_prefix, jsonl, stsb",
                error(MINIMAL.replace("format: jointbert", "format: conl")));
        assertEquals(":9: epochs: 'five' is not an integer", error(MINIMAL + "epochs: five\n"));
        assertEquals(":9: optimizer.lr: must be > 0, got -1.0", error(MINIMAL + "optimizer: {lr: -1}\n"));
        assertEquals(":9: freeze.layers: must be in [0, 48], got 49", error(MINIMAL + "freeze: {layers: 49}\n"));
        assertEquals(
                ":9: preserve.task_layers: must be >= 0, got -1", error(MINIMAL + "preserve: {task_layers: -1}\n"));
        assertEquals(
                ":9: preserve.final_weight: must be a finite number >= 0, got -1.0",
                error(MINIMAL + "preserve: {final_weight: -1}\n"));
        assertEquals(
                ":9: preserve.sample: must be a fraction in (0, 1], got 0.0",
                error(MINIMAL + "preserve: {sample: 0}\n"));
        assertEquals(
                ":9: preserve.sample: must be a fraction in (0, 1], got 1.5",
                error(MINIMAL + "preserve: {sample: 1.5}\n"));
        assertEquals(
                ":9: preserve.shared_pull: must be a fraction in [0, 1], got -0.5",
                error(MINIMAL + "preserve: {task_layers: 1, shared_pull: -0.5}\n"));
        assertEquals(
                ":9: preserve.shared_pull: below 1 needs a task tower (task_layers > 0)",
                error(MINIMAL + "preserve: {shared_pull: 0}\n"));
        assertEquals(
                ":9: eval.every: 'often' is not 'epoch' or a number of steps >= 1",
                error(MINIMAL + "eval: {every: often}\n"));
        assertEquals(
                ":9: sampling.strategy: 'uniform' is not one of proportional, round_robin, temperature",
                error(MINIMAL + "sampling: {strategy: uniform}\n"));
        assertEquals(
                ":2: tasks[0]: task 'intent': dropout must be in [0, 1), got 1.5",
                error(MINIMAL.replace("kind: classification}", "kind: classification, dropout: 1.5}")));
        assertEquals(":2: tasks[0]: missing key 'kind'", error(MINIMAL.replace(", kind: classification", "")));
        assertEquals(
                ":9: datasets[0].encoding: 'UTF-9' is not a charset this JVM supports (e.g. UTF-8, ISO-8859-1)",
                error(MINIMAL + "    encoding: UTF-9\n"));
    }

    @Test
    void embeddingTasksAreCheckedAgainstTheDataTheirLossNeeds() throws IOException {
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/sts.csv"), "");
        String sts = """
          tasks:
            - {name: sim, kind: embedding, loss: cosent}
          datasets:
            - {name: sts, format: stsb, train: data/sts.csv, feeds: {sim: score}}
          """;
        assertEquals(
                ":2: tasks[0]: task 'sim': an embedding task needs a loss: one of [cosent, cosine_mse, mnrl, supcon, "
                        + "triplet]",
                error(sts.replace(", loss: cosent", "")));
        assertEquals(
                ":4: datasets[0].feeds.sim: 'pair' cannot feed embedding task 'sim' (loss cosent); allowed: score",
                error(sts.replace("{sim: score}", "{sim: pair}")));
        assertEquals(
                ":2: tasks[0].loss: applies to embedding tasks only, not to classification task 'intent'",
                error(MINIMAL.replace("kind: classification}", "kind: classification, loss: cosent}")));
        assertEquals(
                ":4: datasets[0].feeds.sim: format stsb has no 'label' field; allowed: score, pair",
                error(sts.replace("loss: cosent", "loss: supcon").replace("{sim: score}", "{sim: label}")));
        assertEquals(
                ":5: eval.metric: 'sim.accuracy': embedding task 'sim' allows spearman, pearson",
                error(sts + "eval: {metric: sim.accuracy}\n"));
    }

    @Test
    void taskKeysThatTheKindOrTheLossDoesNotUseAreNamed() throws IOException {
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/sts.csv"), "");
        String sts = """
          tasks:
            - {name: sim, kind: embedding, loss: cosent}
          datasets:
            - {name: sts, format: stsb, train: data/sts.csv, feeds: {sim: score}}
          """;
        assertEquals(
                ":2: tasks[0].scale: must be > 0 for the cosent loss, got 0.0",
                error(sts.replace("cosent}", "cosent, scale: 0}")));
        assertEquals(
                ":2: tasks[0].scale: must be > 0 for the mnrl loss, got -1.0",
                error(sts.replace("cosent}", "mnrl, scale: -1}").replace("{sim: score}", "{sim: pair}")));
        assertEquals(
                ":2: tasks[0].margin: only the triplet loss uses a margin",
                error(sts.replace("cosent}", "cosent, margin: 0.3}")));
        assertEquals(
                ":2: tasks[0].scale: only the cosent, mnrl and supcon losses use a scale",
                error(sts.replace("cosent}", "cosine_mse, scale: 5}")));
        assertEquals(
                ":2: tasks[0].symmetric: only the mnrl loss uses symmetric",
                error(sts.replace("cosent}", "cosent, symmetric: true}")));
        for (String key :
                List.of("crf: true", "multi_label: false", "threshold: 0.3", "hidden_size: 64", "activation: relu")) {
            String name = key.substring(0, key.indexOf(':'));
            String kinds = name.equals("crf") ? "ner" : "classification";
            assertEquals(
                    ":2: tasks[0]." + name + ": applies to " + kinds + " tasks only, not to embedding task 'sim'",
                    error(sts.replace("cosent}", "cosent, " + key + "}")));
        }
        assertEquals(
                ":2: tasks[0].labels: applies to classification and ner tasks only, not to embedding task 'sim' "
                        + "(supcon and triplet take their labels from the data)",
                error(sts.replace("cosent}", "cosent, labels: [a, b]}")));
        assertEquals(
                ":2: tasks[0].dropout: applies to classification and ner tasks only, not to embedding task 'sim'",
                error(sts.replace("cosent}", "cosent, dropout: 0.2}")));
        assertEquals(
                ":2: tasks[0].margin: applies to embedding tasks only, not to classification task 'intent'",
                error(MINIMAL.replace("kind: classification}", "kind: classification, margin: 0.5}")));
        assertEquals(
                ":3: tasks[1].multi_label: applies to classification tasks only, not to ner task 'slots'",
                error(MINIMAL.replace("kind: ner}", "kind: ner, multi_label: true}")));
        assertEquals(
                ":2: tasks[0].hidden_size: 'wide' is not an integer",
                error(MINIMAL.replace("classification}", "classification, hidden_size: wide}")));
    }

    @Test
    void emptyFeedsListEveryField() {
        assertEquals(
                ":8: datasets[0].feeds: must map at least one task to a field (label, tags, score or pair)",
                error(MINIMAL.replace("{intent: label, slots: tags}", "{}")));
    }

    @Test
    void crossFieldChecks() {
        assertEquals(
                ":8: datasets[0].feeds.intnet: 'intnet' is not a declared task; tasks: intent, slots",
                error(MINIMAL.replace("{intent: label", "{intnet: label")));
        assertEquals(
                ":3: tasks[1]: task 'slots' is fed by no data set (add it to a data set's feeds)",
                error(MINIMAL.replace(", slots: tags}", "}")));
        assertEquals(
                ":8: datasets[0].feeds.intent: 'tags' cannot feed classification task 'intent'; allowed: label",
                error(MINIMAL.replace("{intent: label", "{intent: tags")));
        assertEquals(
                ":9: eval.metric: 'slots.accuracy': ner task 'slots' allows f1",
                error(MINIMAL + "eval: {metric: slots.accuracy}\n"));
        assertEquals(
                ":9: eval.metric: 'intnet.f1' names no declared task; tasks: intent, slots",
                error(MINIMAL + "eval: {metric: intnet.f1}\n"));
        assertEquals(
                ":9: eval.metric: 'best' is not 'mean' or <task>.<accuracy|macro_f1|f1|spearman|pearson|mrr@10|recall@1|recall@10|knn_accuracy>",
                error(MINIMAL + "eval: {metric: best}\n"));
        assertEquals(
                ":9: freeze.heads[1]: 'slot' is not a declared task; tasks: intent, slots",
                error(MINIMAL + "freeze: {heads: [intent, slot]}\n"));
        assertEquals(
                ":9: eval.patience: early stopping watches the dev score, and no data set has a dev split "
                        + "(give one, or patience 0)",
                error(MINIMAL + "eval: {patience: 2}\n"));
    }

    @Test
    void pathsAreCheckedRelativeToTheConfigFile() {
        String message = error(MINIMAL.replace("train: data/train", "train: data/trian"));
        assertEquals(
                ":7: datasets[0].train: 'data/trian' does not exist (resolved: " + dir.resolve("data/trian") + ")",
                message);
    }

    @Test
    void malformedFilesAreOneLine() throws IOException {
        assertEquals(
                ":3: malformed YAML: while parsing a flow sequence; expected ',' or ']', but got :",
                error("tasks: [a,\n  b\ndatasets: []\n"));
        Path json = write("train.json", "{\"tasks\": [}");
        String message = assertThrows(TrainConfigException.class, () -> TrainConfig.load(json))
                .getMessage();
        assertEquals(json + ":1: malformed JSON: Unexpected close marker '}': expected ']'", message);
        Path toml = write("train.toml", "epochs = 3");
        assertEquals(
                toml + ": unsupported file type; allowed: .yaml, .yml, .json",
                assertThrows(TrainConfigException.class, () -> TrainConfig.load(toml))
                        .getMessage());
    }

    /** The message of loading {@code yaml} as train.yaml, without the file's path. */
    private String error(String yaml) {
        try {
            Path file = write("train.yaml", yaml);
            Files.createDirectories(dir.resolve("data/train"));
            String message = assertThrows(TrainConfigException.class, () -> TrainConfig.load(file))
                    .getMessage();
            assertEquals(1, message.lines().count(), message);
            assertEquals(file.toString(), message.substring(0, file.toString().length()));
            return message.substring(file.toString().length());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }
}
