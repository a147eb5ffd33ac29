package dev.mtl.interop;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a training run recorded about the model it produced, kept as {@code training.json} in the model
 * directory so the model card can say what the model was trained on and how it scored.
 *
 * @param base the model training started from
 * @param steps optimizer steps taken
 * @param datasets the data, one entry per dataset of the run
 * @param test test scores: dataset → task → metric → value (fractions, as the metrics files)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TrainingRecord(
        @JsonProperty("base") String base,
        @JsonProperty("steps") long steps,
        @JsonProperty("datasets") List<Data> datasets,
        @JsonProperty("test") Map<String, Map<String, Map<String, Double>>> test) {

    /** The file's name in a model directory. */
    public static final String FILE = "training.json";

    /**
     * One dataset of the run.
     *
     * @param files split (train, dev, test) → the file or directory as the config gave it
     * @param examples split → number of examples read
     * @param tasks the tasks it fed
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Data(
            @JsonProperty("name") String name,
            @JsonProperty("format") String format,
            @JsonProperty("files") Map<String, String> files,
            @JsonProperty("examples") Map<String, Integer> examples,
            @JsonProperty("tasks") List<String> tasks) {

        public Data {
            files = files == null ? Map.of() : files;
            examples = examples == null ? Map.of() : examples;
            tasks = tasks == null ? List.of() : List.copyOf(tasks);
        }
    }

    public TrainingRecord {
        datasets = datasets == null ? List.of() : List.copyOf(datasets);
        test = test == null ? Map.of() : test;
    }

    /** The record in {@code dir}, or null when there is none. */
    public static TrainingRecord read(Path dir) throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            return JsonFiles.JSON.readValue(f.toFile(), TrainingRecord.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(f + ": not a valid training record (" + e.getOriginalMessage() + ")");
        }
    }

    public void write(Path dir) throws IOException {
        JsonFiles.write(dir.resolve(FILE), this);
    }
}
