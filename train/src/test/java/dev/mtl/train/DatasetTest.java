package dev.mtl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mtl.config.TaskConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data that lacks the field its task is fed from is one line naming the file and line, in every split. */
class DatasetTest {

    @TempDir
    Path dir;

    private static final String COSENT = """
      tasks: [{name: sim, kind: embedding, loss: cosent}]
      datasets:
        - {name: sts, format: jsonl, train: train.jsonl, feeds: {sim: score}}
      """;

    private static final String MNRL = """
      tasks: [{name: para, kind: embedding, loss: mnrl}]
      datasets:
        - {name: para, format: jsonl, train: train.jsonl, feeds: {para: pair}}
      """;

    @Test
    void aPairWithoutAScoreIsNamedByFileAndLine() throws IOException {
        write("train.jsonl", """
            {"text": "a cat sits", "text_pair": "a cat is sitting", "score": 0.9}
            {"text": "a dog runs", "text_pair": "the market fell"}
            """);
        assertEquals(dir.resolve("train.jsonl") + ":2: no score for task 'sim'", error(COSENT));
    }

    @Test
    void csvPairsWithoutAScoreColumnSayWhereTheScoreComesFrom() throws IOException {
        write("train.csv", "text,text_pair\na cat sits,a cat is sitting\n");
        String yaml = """
          tasks: [{name: sim, kind: embedding, loss: cosine_mse}]
          datasets:
            - {name: sts, format: csv, train: train.csv, feeds: {sim: score}, options: {text_pair_column: text_pair}}
          """;
        assertEquals(
                dir.resolve("train.csv") + ":2: no score for task 'sim' (csv and tsv pairs take it from "
                        + "options.score_column)",
                error(yaml));
    }

    @Test
    void aSingleTextWhereAPairIsNeededIsNamed() throws IOException {
        write("train.jsonl", """
            {"anchor": "how old is the moon", "positive": "the age of the moon"}

            {"text": "play some jazz", "label": "PlayMusic"}
            """);
        assertEquals(dir.resolve("train.jsonl") + ":3: no sentence pair for task 'para'", error(MNRL));
    }

    @Test
    void devAndTestSplitsAreCheckedToo() throws IOException {
        write("train.jsonl", "{\"text\": \"a\", \"text_pair\": \"b\", \"score\": 1}\n");
        write("dev.jsonl", "{\"text\": \"a\", \"text_pair\": \"b\"}\n");
        assertEquals(
                dir.resolve("dev.jsonl") + ":1: no score for task 'sim'",
                error(COSENT.replace("train: train.jsonl,", "train: train.jsonl, dev: dev.jsonl,")));
    }

    @Test
    void anExampleWithItsOwnIdIsNamedByItsPlaceAndText() throws IOException {
        write("train.jsonl", """
            {"anchor": "how old is the moon", "positive": "the age of the moon"}
            {"id": "q7", "text": "play some jazz by a band that nobody has heard of yet", "label": "PlayMusic"}
            """);
        assertEquals(
                dir.resolve("train.jsonl")
                        + ": example 2 (id q7, \"play some jazz by a band that nobody has…\"): no sentence pair for task 'para'",
                error(MNRL));
    }

    @Test
    void anEmbeddingTaskTakesItsLabelsAsTheyAreAndPairsGiveNone() throws IOException {
        write("train.jsonl", """
            {"text": "play some jazz", "label": "PlayMusic"}
            {"text": "is it sunny", "label": "GetWeather"}
            """);
        write("pairs.jsonl", "{\"text\": \"a\", \"text_pair\": \"b\", \"score\": 1}\n");
        TrainConfig cfg = TrainConfig.load(write("train.yaml", """
          tasks: [{name: topic, kind: embedding, loss: supcon}, {name: sim, kind: embedding, loss: cosent}]
          datasets:
            - {name: topics, format: jsonl, train: train.jsonl, feeds: {topic: label}}
            - {name: sts, format: jsonl, train: pairs.jsonl, feeds: {sim: score}}
          """));
        List<TaskConfig> tasks = Dataset.resolveTasks(cfg, Dataset.readAll(cfg));
        assertEquals(List.of("GetWeather", "PlayMusic"), tasks.get(0).labels());
        assertEquals(List.of(), tasks.get(1).labels());
    }

    private String error(String yaml) throws IOException {
        TrainConfig cfg = TrainConfig.load(write("train.yaml", yaml));
        return assertThrows(IllegalArgumentException.class, () -> Dataset.readAll(cfg))
                .getMessage();
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }
}
