package dev.mtl.onnx;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How a model is exported to ONNX.
 *
 * @param quantization NONE (FP32 throughout) or INT8 (the encoder's MatMul weights)
 * @param reduceRange quantize weights to 7 bits instead of 8 ({@link Int8Weights#QMAX_7BIT} says why)
 * @param keepFloat MatMuls left in FP32 under INT8: a weight whose key (such as {@code
 *     encoder.layer.5.output.dense}, or {@code ...attention.self.qkv} for the packed projection) any
 *     of these patterns finds
 * @param calibration under INT8, texts whose FFN activations pick the channels kept in FP32 ({@link
 *     WideChannels}); none: every channel is quantized
 */
public record ExportOptions(
        Quantization quantization, boolean reduceRange, List<Pattern> keepFloat, List<String> calibration) {

    /** Whether and how weights are quantized. */
    public enum Quantization {
        NONE,
        INT8;

        /** Parses {@code none} or {@code int8}; an unknown name lists the valid ones. */
        public static Quantization parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("quantization '" + name + "' is not one of none, int8");
            }
        }
    }

    public ExportOptions {
        keepFloat = List.copyOf(keepFloat);
        calibration = List.copyOf(calibration);
    }

    public static ExportOptions fp32() {
        return new ExportOptions(Quantization.NONE, false, List.of(), List.of());
    }

    /**
     * The int8 export as {@code mtl export --quantize int8} writes it: every encoder MatMul in 8-bit
     * weights, the FFN's widest channels in FP32, found on the texts shipped for calibration.
     */
    public static ExportOptions int8() {
        return int8(defaultCalibration(), false);
    }

    /** The calibration texts shipped with mtl: 96 short English sentences of mixed kinds. */
    public static List<String> defaultCalibration() {
        return WideChannels.defaultTexts();
    }

    /** int8 calibrated on {@code texts}; {@code reduceRange}: 7-bit weights. */
    public static ExportOptions int8(List<String> texts, boolean reduceRange) {
        return new ExportOptions(Quantization.INT8, reduceRange, List.of(), texts);
    }

    boolean quantizes(String key) {
        return quantization == Quantization.INT8
                && keepFloat.stream().noneMatch(p -> p.matcher(key).find());
    }

    int qmax() {
        return reduceRange ? Int8Weights.QMAX_7BIT : Int8Weights.QMAX_8BIT;
    }
}
