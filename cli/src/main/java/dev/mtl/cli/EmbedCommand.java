package dev.mtl.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.mtl.SentenceEncoder;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.LongConsumer;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code mtl embed}: one UTF-8 text per input line → one {@code {"embedding":[...]}} per output line. */
@Command(name = "embed", description = "Sentence embeddings, one JSON object per input line, in input order.")
public final class EmbedCommand implements Callable<Integer> {

    /** Texts read, embedded and written at a time: bounds memory for inputs of any size. */
    static final int CHUNK = 8192;

    private static final JsonFactory JSON = new JsonFactory();

    @Mixin
    LineFiles files;

    @Mixin
    ModelOption model;

    @Mixin
    InferenceFlags inference;

    @Override
    public Integer call() throws Exception {
        inference.validate();
        try (TextLines lines = files.openInput();
                SentenceEncoder base = model.loadEncoder();
                Outputs out = files.openOutput()) {
            SentenceEncoder enc = base.withOptions(
                    inference.apply(base.options(), base.backbone().config().maxPositionEmbeddings()));
            long total;
            try (ProgressBar bar = files.progressBar("embed")) {
                total = writeJsonl(lines, enc, out.stream(), n -> {
                    if (bar != null) bar.stepTo(n);
                });
            }
            out.commit();
            System.err.println("embedded " + total + " texts → " + files.outputName());
        }
        return 0;
    }

    /**
     * What {@code mtl embed} does between its input and output files: reads every line, embeds them
     * {@link #CHUNK} at a time and writes one {@code {"embedding":[...]}} line per text, in input order
     * (also what {@code mtl bench serve} times as the offline peer). Floats are written in Java's shortest
     * decimal form ({@link Float#toString}), which parses back to the same float.
     *
     * @param progress texts embedded so far
     * @return the number of texts
     */
    public static long writeJsonl(TextLines lines, SentenceEncoder enc, OutputStream out, LongConsumer progress)
            throws IOException {
        JsonGenerator json = JSON.createGenerator(out);
        json.setRootValueSeparator(null);
        long total = 0;
        List<String> chunk;
        while (!(chunk = lines.next(CHUNK)).isEmpty()) {
            long before = total;
            float[][] vectors = enc.embed(chunk, n -> progress.accept(before + n));
            for (float[] v : vectors) {
                json.writeStartObject();
                json.writeArrayFieldStart("embedding");
                for (float x : v) {
                    json.writeNumber(x);
                }
                json.writeEndArray();
                json.writeEndObject();
                json.writeRaw('\n');
            }
            total += chunk.size();
        }
        json.flush();
        return total;
    }
}
