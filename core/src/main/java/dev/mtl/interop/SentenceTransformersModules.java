package dev.mtl.interop;

import dev.mtl.config.EmbeddingConfig;
import dev.mtl.config.Pooling;
import dev.mtl.weights.SafeTensors;
import dev.mtl.weights.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sentence-transformers view of the embedding head: {@code modules.json} chaining Transformer (the
 * directory itself) → Pooling → Dense (the projection) → LayerNorm → Normalize, each optional module
 * only when configured, with the configs and weight files those modules load. The root's config.json,
 * model.safetensors and tokenizer files are the Transformer module's.
 *
 * <p>sentence-transformers' LayerNorm module is {@code torch.nn.LayerNorm(dimension)}, whose epsilon is
 * 1e-5 and cannot be set from its config; ours uses the encoder's (BERT: 1e-12). The difference is
 * measured and documented in docs/interop.md.
 */
final class SentenceTransformersModules {

    static final String MODULES = "modules.json";
    static final String SENTENCE_BERT_CONFIG = "sentence_bert_config.json";
    static final String ST_CONFIG = "config_sentence_transformers.json";
    /** sentence-transformers' Dense with no activation stores this class name. */
    static final String IDENTITY = "torch.nn.modules.linear.Identity";

    private static final String PACKAGE = "sentence_transformers.models.";

    private SentenceTransformersModules() {}

    /** Writes the module files into {@code dir}; returns the module directories in chain order. */
    static List<String> write(ModelParts parts, Path dir) throws IOException {
        EmbeddingConfig emb = parts.mtl().embeddingConfig();
        int hidden = parts.bert().hiddenSize();
        int dim = parts.embeddingDimension();
        List<Map<String, Object>> modules = new ArrayList<>();
        modules.add(module(0, "", "Transformer"));
        String pooling = add(modules, "Pooling");
        JsonFiles.write(dir.resolve(pooling).resolve("config.json"), poolingConfig(emb.pooling(), hidden));
        if (emb.projectionDim() > 0) {
            String dense = add(modules, "Dense");
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("in_features", hidden);
            c.put("out_features", dim);
            c.put("bias", true);
            c.put("activation_function", IDENTITY);
            JsonFiles.write(dir.resolve(dense).resolve("config.json"), c);
            writeWeights(
                    dir.resolve(dense),
                    Map.of(
                            "linear.weight", parts.head(ModelParts.EMBEDDING_PREFIX, "projection.weight"),
                            "linear.bias", parts.head(ModelParts.EMBEDDING_PREFIX, "projection.bias")));
        }
        if (emb.layerNorm()) {
            String norm = add(modules, "LayerNorm");
            JsonFiles.write(dir.resolve(norm).resolve("config.json"), Map.of("dimension", dim));
            writeWeights(
                    dir.resolve(norm),
                    Map.of(
                            "norm.weight", parts.head(ModelParts.EMBEDDING_PREFIX, "LayerNorm.weight"),
                            "norm.bias", parts.head(ModelParts.EMBEDDING_PREFIX, "LayerNorm.bias")));
        }
        if (emb.normalize()) {
            Files.createDirectories(dir.resolve(add(modules, "Normalize"))); // Normalize has no files
        }
        JsonFiles.write(dir.resolve(MODULES), modules);
        Map<String, Object> sbert = new LinkedHashMap<>();
        sbert.put("max_seq_length", parts.mtl().maxLength());
        // The tokenizer lower-cases by itself where it should; this flag would lower-case again before it.
        sbert.put("do_lower_case", false);
        JsonFiles.write(dir.resolve(SENTENCE_BERT_CONFIG), sbert);
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("prompts", Map.of());
        st.put("default_prompt_name", null);
        st.put("similarity_fn_name", "cosine");
        JsonFiles.write(dir.resolve(ST_CONFIG), st);
        return modules.stream().skip(1).map(m -> (String) m.get("path")).toList();
    }

    /** The Pooling module's config: the mode flags every sentence-transformers version accepts. */
    static Map<String, Object> poolingConfig(Pooling mode, int hidden) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("word_embedding_dimension", hidden);
        c.put("pooling_mode_cls_token", mode == Pooling.CLS);
        c.put("pooling_mode_mean_tokens", mode == Pooling.MEAN);
        c.put("pooling_mode_max_tokens", mode == Pooling.MAX);
        c.put("pooling_mode_mean_sqrt_len_tokens", false);
        return c;
    }

    /** Appends module number {@code idx} as {@code idx_Type} and returns its directory name. */
    private static String add(List<Map<String, Object>> modules, String type) {
        int idx = modules.size();
        Map<String, Object> m = module(idx, idx + "_" + type, type);
        modules.add(m);
        return (String) m.get("path");
    }

    private static Map<String, Object> module(int idx, String path, String type) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("idx", idx);
        m.put("name", String.valueOf(idx));
        m.put("path", path);
        m.put("type", PACKAGE + type);
        return m;
    }

    /** A module's model.safetensors under the module's own parameter names, sorted. */
    private static void writeWeights(Path moduleDir, Map<String, Tensor> byName) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        new java.util.TreeMap<>(byName).forEach((k, t) -> out.put(k, new Tensor(k, t.shape(), t.data())));
        SafeTensors.write(moduleDir.resolve("model.safetensors"), out, Map.of("format", "pt"));
    }
}
