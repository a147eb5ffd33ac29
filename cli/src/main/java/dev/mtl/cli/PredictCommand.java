package dev.mtl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.InferenceOptions;
import dev.mtl.MultiTaskModel;
import dev.mtl.Prediction;
import dev.mtl.PredictionJson;
import dev.mtl.config.Output;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mtl predict}: any subset of embedding, classification and NER, one JSON object per input line. */
@Command(name = "predict", description = "Run the model's heads on one text per line; JSONL out, in input order.")
final class PredictCommand implements Callable<Integer> {

    @Mixin
    LineFiles files;

    @Mixin
    ModelOption model;

    @Mixin
    InferenceFlags inference;

    @Option(
            names = {"--outputs", "--tasks"},
            paramLabel = "LIST",
            description = "Comma-separated subset of embedding,classification,ner (default: all the model has).")
    String tasks;

    @Option(
            names = "--pretokenized",
            description = "Input lines are whitespace-separated words; tags come back one per word.")
    boolean pretokenized;

    @Override
    public Integer call() throws Exception {
        inference.validate();
        try (TextLines lines = files.openInput();
                MultiTaskModel m = model.load();
                Outputs out = files.openOutput()) {
            Set<Output> requested = tasks == null ? m.availableOutputs() : Output.parseList(tasks);
            InferenceOptions options =
                    inference.apply(m.defaultOptions(), m.backbone().config().maxPositionEmbeddings());
            ObjectMapper json = new ObjectMapper();
            long total = 0;
            try (ProgressBar bar = files.progressBar("predict")) {
                List<String> chunk;
                while (!(chunk = lines.next(EmbedCommand.CHUNK)).isEmpty()) {
                    long before = total;
                    List<Prediction> preds;
                    if (pretokenized) {
                        preds = m.predictWords(words(chunk), requested, options);
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
            System.err.println("predicted " + total + " inputs → " + files.outputName());
        }
        return 0;
    }

    private static List<List<String>> words(List<String> lines) {
        List<List<String>> out = new ArrayList<>(lines.size());
        for (String line : lines) {
            out.add(line.isBlank() ? List.of() : Arrays.asList(line.strip().split("\\s+")));
        }
        return out;
    }
}
