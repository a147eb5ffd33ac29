package dev.mtl.bench;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.util.ArrayList;
import java.util.List;

/**
 * langchain4j's in-process all-MiniLM-L6-v2 as users run it: {@code embedAll} with its own default
 * thread pool (one text per ONNX Runtime call, no batching) and ONNX Runtime's default session options.
 * We do not tune it: that is the peer people actually compare against.
 */
final class Langchain4jSystem implements EmbedSystem {

    private final EmbeddingModel model;
    private final String name;

    /** @param int8 langchain4j's quantized all-MiniLM-L6-v2 instead of the FP32 one */
    Langchain4jSystem(boolean int8) {
        this.model = int8 ? new AllMiniLmL6V2QuantizedEmbeddingModel() : new AllMiniLmL6V2EmbeddingModel();
        this.name = int8 ? "langchain4j-int8" : "langchain4j";
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public float[][] embed(List<String> texts) {
        List<TextSegment> segments = new ArrayList<>(texts.size());
        for (String t : texts) {
            segments.add(TextSegment.from(t));
        }
        List<Embedding> embeddings = model.embedAll(segments).content();
        float[][] out = new float[embeddings.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = embeddings.get(i).vector();
        }
        return out;
    }

    @Override
    public void close() {
        // The model holds its ONNX session for the life of the JVM; nothing to release.
    }
}
