package dev.mtl;

import dev.mtl.config.Output;
import dev.mtl.heads.ClassPrediction;
import dev.mtl.heads.Head;
import dev.mtl.heads.NerResult;
import dev.mtl.tokenize.Alignment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

/** From requested outputs to {@link Prediction}s: which heads answer them, one pass, one result per input. */
final class Predictions {

    private Predictions() {}

    static List<Prediction> of(
            MultiTaskModel model,
            List<Alignment> inputs,
            Set<Output> requested,
            InferenceOptions options,
            IntConsumer progress) {
        List<Head<?, ?>> asked = headsFor(model, requested);
        Map<Head<?, ?>, Object[]> results = Inference.run(model, inputs, asked, options, progress);
        List<Prediction> out = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            float[] embedding = null;
            Map<String, ClassPrediction> cls = requested.contains(Output.CLASSIFICATION) ? new LinkedHashMap<>() : null;
            Map<String, NerResult> ner = requested.contains(Output.NER) ? new LinkedHashMap<>() : null;
            for (Head<?, ?> h : asked) {
                Object r = results.get(h)[i];
                switch (h.output()) {
                    case EMBEDDING -> embedding = (float[]) r;
                    case CLASSIFICATION -> cls.put(h.name(), (ClassPrediction) r);
                    case NER -> ner.put(h.name(), (NerResult) r);
                }
            }
            Alignment a = inputs.get(i);
            out.add(new Prediction(a.text(), a.words(), embedding, cls, ner));
        }
        return out;
    }

    /** The heads that answer the requested outputs, in a fixed order: embedding, then the tasks. */
    private static List<Head<?, ?>> headsFor(MultiTaskModel model, Set<Output> requested) {
        Set<Output> available = model.availableOutputs();
        for (Output o : requested) {
            if (!available.contains(o)) {
                throw new IllegalArgumentException("this model has no " + o.jsonName() + " head; available outputs: "
                        + available.stream().map(Output::jsonName).toList());
            }
        }
        List<Head<?, ?>> out = new ArrayList<>();
        if (requested.contains(Output.EMBEDDING)) {
            out.add(model.embeddingHead());
        }
        model.heads().values().stream()
                .filter(h -> h.output() != Output.EMBEDDING && requested.contains(h.output()))
                .forEach(out::add); // an embedding task's output is the embedding head's
        return out;
    }
}
