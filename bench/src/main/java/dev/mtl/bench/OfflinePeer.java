package dev.mtl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.MultiTaskModel;
import dev.mtl.SentenceEncoder;
import dev.mtl.cli.EmbedCommand;
import dev.mtl.cli.Outputs;
import dev.mtl.cli.TextLines;
import dev.mtl.config.Output;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The peers {@code mtl bench serve} holds the server against: the same model on the same texts with
 * no server, in the benchmark's JVM. Two of them: {@code mtl embed}'s own code (a file of lines to a
 * JSONL file, for an embedding model) and one in-memory call, the stricter peer with no I/O at all.
 */
final class OfflinePeer {

    private final ObjectMapper json = new ObjectMapper();
    private final MultiTaskModel model;
    private final Set<Output> tasks;
    private final SentenceEncoder encoder;

    OfflinePeer(MultiTaskModel model) {
        this.model = model;
        this.tasks = model.availableOutputs();
        this.encoder = new SentenceEncoder(model, model.defaultOptions());
    }

    /** True for a model with only the embedding head: served by /v1/embeddings, and by mtl embed. */
    boolean embedOnly() {
        return tasks.equals(Set.of(Output.EMBEDDING));
    }

    Set<Output> tasks() {
        return tasks;
    }

    /** What the server computes for these texts, in one call: the embeddings, or a full prediction. */
    float[][] inMemory(List<String> texts) {
        if (embedOnly()) {
            return model.embed(texts, model.defaultOptions(), n -> {});
        }
        return model.predict(texts, tasks, model.defaultOptions(), n -> {}).stream()
                .map(p -> p.embedding())
                .toArray(float[][]::new);
    }

    /**
     * Times {@code mtl embed}'s own code ({@link EmbedCommand#writeJsonl}) on {@code texts}: from a
     * UTF-8 file of one text per line to a JSONL file, as the command writes it. The files are made
     * and read back outside the timed part; the vectors read back go to {@code into}.
     *
     * @return texts per second
     */
    double timeEmbedCommand(List<String> texts, float[][] into) throws IOException {
        Path in = Files.createTempFile("mtl-serve-bench-", ".txt");
        Path out = Files.createTempFile("mtl-serve-bench-", ".jsonl");
        try {
            Files.write(in, texts, StandardCharsets.UTF_8);
            long t0 = System.nanoTime();
            try (TextLines lines = new TextLines(Files.newInputStream(in), in.toString());
                    Outputs o = Outputs.open(out.toString())) {
                EmbedCommand.writeJsonl(lines, encoder, o.stream(), n -> {});
                o.commit();
            }
            double rate = texts.size() / ((System.nanoTime() - t0) / 1e9);
            List<String> written = Files.readAllLines(out, StandardCharsets.UTF_8);
            if (written.size() != texts.size()) {
                throw new IllegalStateException(
                        "mtl embed wrote " + written.size() + " lines for " + texts.size() + " texts");
            }
            for (int i = 0; i < into.length; i++) {
                into[i] = ServeLoad.vector(json.readTree(written.get(i)).get("embedding"));
            }
            return rate;
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }

    static double maxAbsDiff(float[][] a, float[][] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            for (int h = 0; h < a[i].length; h++) {
                max = Math.max(max, Math.abs(a[i][h] - b[i][h]));
            }
        }
        return max;
    }
}
