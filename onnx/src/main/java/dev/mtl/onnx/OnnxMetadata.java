package dev.mtl.onnx;

import dev.mtl.MultiTaskModel;
import dev.mtl.heads.ClassificationHead;
import dev.mtl.heads.CrfHead;
import dev.mtl.heads.Head;
import dev.mtl.heads.TokenClassificationHead;
import dev.mtl.weights.Tensor;
import java.util.Locale;
import java.util.Map;

/**
 * The graph's metadata_props: what a runtime other than mtl needs to turn the outputs into mtl's
 * results. Keys: {@code mtl.format_version}; {@code mtl.config} (the {@code mtl} section of
 * config.json: tasks, labels, embedding head); {@code mtl.encoder} (the BERT config);
 * {@code mtl.quantization} ({@code none} or {@code int8}); per task {@code mtl.task.<name>.output}
 * (the graph output), {@code .labels} (JSON list, in output order) and, for a CRF tagger,
 * {@code .crf.transitions} (L × L, from row tag to column tag), {@code .crf.start_transitions} and
 * {@code .crf.end_transitions} (L each), all JSON. Decoding is constrained BIO Viterbi over the words'
 * first sub-tokens, on the emissions (CRF) or their log-softmax (plain tagger).
 */
final class OnnxMetadata {

    static final String FORMAT_VERSION = "1";
    static final String PREFIX = "mtl.";
    /** {@code none} or {@code int8}: how the export quantized the graph. */
    static final String QUANTIZATION = PREFIX + "quantization";

    private OnnxMetadata() {}

    static void write(OnnxGraph g, MultiTaskModel model, Map<String, Tensor> w, ExportOptions options) {
        g.metadata(PREFIX + "format_version", FORMAT_VERSION);
        g.metadata(PREFIX + "config", OnnxExport.json(model.config()));
        g.metadata(PREFIX + "encoder", OnnxExport.json(model.backbone().config()));
        g.metadata(QUANTIZATION, options.quantization().name().toLowerCase(Locale.ROOT));
        for (Head<?, ?> h : model.heads().values()) {
            String key = taskKey(h.name());
            g.metadata(key + "output", OnnxExport.outputName(h));
            if (h instanceof ClassificationHead c) {
                g.metadata(key + "labels", OnnxExport.json(c.labels()));
            } else if (h instanceof TokenClassificationHead t) {
                g.metadata(key + "labels", OnnxExport.json(t.tags().labels()));
            }
            if (h instanceof CrfHead) {
                String p = MultiTaskModel.HEADS_PREFIX + h.name() + ".crf.";
                Tensor tr = w.get(p + "transitions");
                int l = (int) tr.shape()[0];
                float[][] rows = new float[l][];
                for (int i = 0; i < l; i++) {
                    rows[i] = java.util.Arrays.copyOfRange(tr.data(), i * l, (i + 1) * l);
                }
                g.metadata(key + "crf.transitions", OnnxExport.json(rows));
                g.metadata(
                        key + "crf.start_transitions",
                        OnnxExport.json(w.get(p + "start_transitions").data()));
                g.metadata(
                        key + "crf.end_transitions",
                        OnnxExport.json(w.get(p + "end_transitions").data()));
            }
        }
    }

    static String taskKey(String task) {
        return PREFIX + "task." + task + ".";
    }
}
