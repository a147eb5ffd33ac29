package dev.mtl.cli;

import dev.mtl.MultiTaskModel;
import dev.mtl.interop.ExportFormat;
import dev.mtl.onnx.ExportOptions;
import dev.mtl.onnx.OnnxExport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code mtl export}: one task of a model, in the directory layout another library loads; or the whole
 * model as one ONNX graph (optionally int8) beside its own files.
 */
@Command(
        name = "export",
        description = "Write one task of a model as a directory that transformers or sentence-transformers loads,"
                + " or the whole model as one ONNX graph (--format onnx) in a model directory.")
final class ExportCommand implements Callable<Integer> {

    @Mixin
    ModelOption model;

    @Option(
            names = "--task",
            paramLabel = "NAME",
            description = "The task to export (required for the hf-* formats; for sentence-transformers, "
                    + "an embedding task or none).")
    String task;

    @Option(
            names = "--format",
            required = true,
            paramLabel = "FORMAT",
            converter = FormatConverter.class,
            completionCandidates = Formats.class,
            description = "One of: ${COMPLETION-CANDIDATES}.")
    ExportFormat format;

    @Option(
            names = "--output",
            required = true,
            paramLabel = "DIR",
            description = "The directory to write (new, empty, or an earlier export, which is replaced).")
    Path output;

    @Option(
            names = "--quantize",
            paramLabel = "none|int8",
            converter = QuantizeConverter.class,
            description = "With --format onnx: int8 quantizes the encoder's MatMul weights (default: none).")
    ExportOptions.Quantization quantize = ExportOptions.Quantization.NONE;

    @Option(
            names = "--calibration",
            paramLabel = "FILE",
            description = "With --quantize int8: texts, one per line, whose activations pick the few FFN channels"
                    + " kept in FP32 (default: 96 sentences shipped with mtl). Texts like the model's inputs"
                    + " suit best.")
    Path calibration;

    @Option(
            names = "--reduce-range",
            description = "With --quantize int8: 7-bit weights instead of 8, for x86 CPUs without VNNI, where"
                    + " 8-bit products can saturate.")
    boolean reduceRange;

    @Option(
            names = "--force",
            description = "Export a head that does not map exactly as its closest equivalent, naming what is lost.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        checkOutput(); // before loading a model
        if (format == ExportFormat.ONNX) {
            return exportOnnx();
        }
        if (quantize != ExportOptions.Quantization.NONE) {
            throw new IllegalArgumentException("--quantize applies to --format onnx only");
        }
        checkInt8Options();
        try (MultiTaskModel m = model.load()) {
            List<String> lost = m.export(format, task, force, output);
            for (String l : lost) {
                System.err.println("mtl export: not carried over: " + l);
            }
            System.err.println("mtl export: " + (task == null ? "the sentence embedding" : "task '" + task + "'")
                    + " as " + format + " → " + output);
        }
        return 0;
    }

    /** The model's own files and model.onnx: a model directory that runs on ONNX Runtime. */
    private int exportOnnx() throws IOException {
        if (task != null) {
            throw new IllegalArgumentException("--task is not used by --format onnx: the graph carries every task");
        }
        ExportOptions options = exportOptions();
        try (MultiTaskModel m = model.load()) {
            m.save(output);
            OnnxExport.write(m, options, output.resolve(OnnxExport.FILE));
        }
        System.err.println("mtl export: the whole model as ONNX"
                + (quantize == ExportOptions.Quantization.INT8 ? " (int8)" : "") + " → "
                + output.resolve(OnnxExport.FILE));
        return 0;
    }

    private void checkInt8Options() {
        if (calibration != null || reduceRange) {
            throw new IllegalArgumentException(
                    (calibration != null ? "--calibration" : "--reduce-range") + " applies to --quantize int8 only");
        }
    }

    /** The options, with the calibration file read (and checked) before any model is loaded. */
    private ExportOptions exportOptions() throws IOException {
        if (quantize != ExportOptions.Quantization.INT8) {
            checkInt8Options();
            return ExportOptions.fp32();
        }
        if (calibration == null) {
            return ExportOptions.int8(ExportOptions.defaultCalibration(), reduceRange);
        }
        List<String> texts = new ArrayList<>();
        try (TextLines lines = new TextLines(LineFiles.open(calibration), calibration.toString())) {
            for (List<String> part = lines.next(1024); !part.isEmpty(); part = lines.next(1024)) {
                part.stream().filter(l -> !l.isBlank()).forEach(texts::add);
            }
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException(calibration + ": no texts (one per line)");
        }
        return ExportOptions.int8(texts, reduceRange);
    }

    /** {@code --quantize} values, with the valid ones listed on a bad one. */
    static final class QuantizeConverter implements ITypeConverter<ExportOptions.Quantization> {
        @Override
        public ExportOptions.Quantization convert(String value) {
            try {
                return ExportOptions.Quantization.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Refuses an output that is a file, the model itself, or a directory holding something other than a model. */
    private void checkOutput() throws IOException {
        if (!Files.exists(output)) {
            return;
        }
        if (!Files.isDirectory(output)) {
            throw new IOException("--output " + output + ": exists and is not a directory");
        }
        if (!model.embedded() && Files.exists(Path.of(model.model)) && Files.isSameFile(output, Path.of(model.model))) {
            throw new IOException("--output " + output + ": is the --model directory; give another");
        }
        boolean empty;
        try (Stream<Path> s = Files.list(output)) {
            empty = s.findAny().isEmpty();
        }
        if (!empty && !Files.isRegularFile(output.resolve("config.json"))) {
            throw new IOException("--output " + output + ": a non-empty directory that is not a model directory;"
                    + " give a new or empty one");
        }
    }

    /** {@code --format} values by their names, with the valid ones listed on a bad one. */
    static final class FormatConverter implements ITypeConverter<ExportFormat> {
        @Override
        public ExportFormat convert(String value) {
            try {
                return ExportFormat.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not one of " + names());
            }
        }
    }

    /** The format names, for the help text. */
    static final class Formats implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return names().iterator();
        }
    }

    private static List<String> names() {
        return Arrays.stream(ExportFormat.values()).map(ExportFormat::key).toList();
    }
}
