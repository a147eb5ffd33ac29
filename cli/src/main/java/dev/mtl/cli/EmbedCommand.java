package dev.mtl.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.mtl.InferenceOptions;
import dev.mtl.SentenceEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.LongConsumer;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mtl embed}: one UTF-8 text per input line → one {@code {"embedding":[...]}} per output line. */
@Command(name = "embed", description = "Sentence embeddings, one JSON object per input line, in input order.")
public final class EmbedCommand implements Callable<Integer> {

    /** Texts read, embedded and written at a time: bounds memory for inputs of any size. */
    static final int CHUNK = 8192;

    private static final JsonFactory JSON = new JsonFactory();

    @Option(names = "--input", required = true, description = "Input file, one text per line (- for stdin).")
    String input;

    @Option(names = "--output", required = true, description = "Output JSONL file (- for stdout).")
    String output;

    @Option(names = "--model", description = "Hugging Face BERT directory (default: embedded all-MiniLM-L6-v2).")
    Path model;

    @Option(
            names = "--batch-size",
            defaultValue = "32",
            description = "Sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--max-length", description = "Longest window in tokens (default: the model's maximum).")
    Integer maxLength;

    @Option(
            names = "--truncate",
            description = "Cut texts longer than the maximum (with a warning) instead of windowing them.")
    boolean truncate;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        }
        InputStream in = input.equals("-") ? System.in : openInput(Path.of(input));
        String inName = input.equals("-") ? "<stdin>" : input;
        try (TextLines lines = new TextLines(in, inName);
                SentenceEncoder base = model == null ? SentenceEncoder.loadDefault() : SentenceEncoder.load(model);
                Outputs out = Outputs.open(output)) {
            InferenceOptions o = base.options().withBatchSize(batchSize).withTruncate(truncate);
            if (maxLength != null) {
                o = o.withMaxLength(maxLength);
            }
            SentenceEncoder enc = base.withOptions(o);
            long total;
            try (ProgressBar bar = Progress.bar("embed", System.console() != null)) {
                total = writeJsonl(lines, enc, out.stream(), n -> {
                    if (bar != null) bar.stepTo(n);
                });
            }
            out.commit();
            System.err.println("embedded " + total + " texts → " + (output.equals("-") ? "stdout" : output));
        }
        return 0;
    }

    /**
     * What {@code mtl embed} does between its input and output files: reads every line, embeds them
     * {@link #CHUNK} at a time and writes one {@code {"embedding":[...]}} line per text, in input order
     * (also what {@code serve-bench} times as the offline peer). Floats are written in Java's shortest
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

    static InputStream openInput(Path p) throws java.io.IOException {
        if (Files.isDirectory(p)) {
            throw new java.io.IOException(p + ": is a directory, expected a text file");
        }
        if (!Files.exists(p)) {
            throw new java.nio.file.NoSuchFileException(p + ": no such file");
        }
        if (!Files.isReadable(p)) {
            throw new java.nio.file.AccessDeniedException(p + ": not readable");
        }
        return Files.newInputStream(p);
    }
}
