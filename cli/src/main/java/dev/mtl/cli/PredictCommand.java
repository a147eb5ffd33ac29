package dev.mtl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.InferenceOptions;
import dev.mtl.MultiTaskModel;
import dev.mtl.Prediction;
import dev.mtl.PredictionJson;
import dev.mtl.config.Output;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mtl predict}: any subset of embedding, classification and NER, one JSON object per input line. */
@Command(name = "predict", description = "Run the model's heads on one text per line; JSONL out, in input order.")
final class PredictCommand implements Callable<Integer> {

    @Option(
            names = "--model",
            description = "Model directory (default: the embedded all-MiniLM-L6-v2, embedding only).")
    Path model;

    @Option(names = "--input", required = true, description = "Input file, one text per line (- for stdin).")
    String input;

    @Option(names = "--output", required = true, description = "Output JSONL file (- for stdout).")
    String output;

    @Option(
            names = {"--outputs", "--tasks"},
            description = "Comma-separated subset of embedding,classification,ner (default: all the model has).")
    String tasks;

    @Option(
            names = "--pretokenized",
            description = "Input lines are whitespace-separated words; tags come back one per word.")
    boolean pretokenized;

    @Option(
            names = "--batch-size",
            defaultValue = "32",
            description = "Sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        }
        InputStream in = input.equals("-") ? System.in : EmbedCommand.openInput(Path.of(input));
        String inName = input.equals("-") ? "<stdin>" : input;
        try (TextLines lines = new TextLines(in, inName);
                MultiTaskModel m = model == null ? MultiTaskModel.loadDefault() : MultiTaskModel.load(model);
                Outputs out = Outputs.open(output)) {
            Set<Output> requested = tasks == null ? m.availableOutputs() : Output.parseList(tasks);
            InferenceOptions options = m.defaultOptions().withBatchSize(batchSize);
            ObjectMapper json = new ObjectMapper();
            long total = 0;
            try (ProgressBar bar = Progress.bar("predict", System.console() != null)) {
                List<String> chunk;
                while (!(chunk = lines.next(EmbedCommand.CHUNK)).isEmpty()) {
                    long before = total;
                    List<Prediction> preds;
                    if (pretokenized) {
                        List<List<String>> words = new ArrayList<>(chunk.size());
                        for (String line : chunk) {
                            words.add(
                                    line.isBlank()
                                            ? List.of()
                                            : Arrays.asList(line.strip().split("\\s+")));
                        }
                        preds = m.predictWords(words, requested, options);
                    } else {
                        preds = m.predict(chunk, requested, options, n -> {
                            if (bar != null) bar.stepTo(before + n);
                        });
                    }
                    for (Prediction p : preds) {
                        out.stream().write(json.writeValueAsBytes(PredictionJson.toJson(p)));
                        out.stream().write('\n');
                    }
                    total += chunk.size();
                    if (bar != null) {
                        bar.stepTo(total);
                    }
                }
            }
            out.commit();
            System.err.println("predicted " + total + " inputs → " + (output.equals("-") ? "stdout" : output));
        }
        return 0;
    }
}
