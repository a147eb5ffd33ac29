package dev.mtl.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer files transformers reads besides {@code tokenizer.json}: {@code tokenizer_config.json}
 * (the class, {@code model_max_length}, lower-casing, the special tokens), {@code special_tokens_map.json}
 * and {@code vocab.txt} (the WordPiece vocabulary in id order, for the slow {@code BertTokenizer} and
 * tools that read only it). All are derived from tokenizer.json, so they cannot disagree with it.
 */
final class TokenizerFiles {

    static final String TOKENIZER = "tokenizer.json";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    static final String SPECIAL_TOKENS = "special_tokens_map.json";
    static final String VOCAB = "vocab.txt";

    /** transformers' names of the special-token roles, with BERT's tokens. */
    private static final Map<String, String> BERT_SPECIALS = specials();

    private TokenizerFiles() {}

    private static Map<String, String> specials() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("unk_token", "[UNK]");
        m.put("sep_token", "[SEP]");
        m.put("pad_token", "[PAD]");
        m.put("cls_token", "[CLS]");
        m.put("mask_token", "[MASK]");
        return m;
    }

    /** Writes all four files; {@code maxLength} becomes {@code model_max_length}. */
    static void write(String tokenizerJson, int maxLength, Path dir) throws IOException {
        ObjectNode root = (ObjectNode) JsonFiles.JSON.readTree(tokenizerJson);
        Files.writeString(dir.resolve(TOKENIZER), withoutFixedPadding(root, tokenizerJson), StandardCharsets.UTF_8);
        List<String> vocab = vocabInIdOrder(root);
        Map<String, String> specials = new LinkedHashMap<>();
        BERT_SPECIALS.forEach((role, token) -> {
            if (hasToken(root, token)) {
                specials.put(role, token);
            }
        });
        String unk = root.path("model").path("unk_token").asText("");
        if (!unk.isEmpty()) {
            specials.put("unk_token", unk);
        }
        JsonFiles.write(dir.resolve(SPECIAL_TOKENS), specials);
        JsonNode norm = root.path("normalizer");
        Map<String, Object> config = new LinkedHashMap<>();
        if (vocab != null) {
            config.put("tokenizer_class", "BertTokenizer");
        }
        config.put("do_lower_case", lowercases(norm));
        config.put("model_max_length", maxLength);
        config.put("clean_up_tokenization_spaces", true);
        if ("BertNormalizer".equals(norm.path("type").asText())) {
            config.put(
                    "tokenize_chinese_chars", norm.path("handle_chinese_chars").asBoolean(true));
            JsonNode strip = norm.get("strip_accents");
            config.put("strip_accents", strip == null || strip.isNull() ? null : strip.asBoolean());
        }
        config.putAll(specials);
        JsonFiles.write(dir.resolve(TOKENIZER_CONFIG), config);
        if (vocab != null) {
            Files.write(dir.resolve(VOCAB), vocab, StandardCharsets.UTF_8);
        }
    }

    /**
     * The tokenizer.json with a {@code Fixed} padding length removed: it pads every text to that length
     * for any tool that honours it, which is never what a caller of this model wants (mtl pads per batch).
     */
    static String withoutFixedPadding(ObjectNode root, String original) throws IOException {
        if (!root.path("padding").path("strategy").has("Fixed")) {
            return original;
        }
        ObjectNode copy = root.deepCopy();
        copy.putNull("padding");
        return JsonFiles.JSON.writer().writeValueAsString(copy);
    }

    /** Whether the normalizer lower-cases: BertNormalizer's flag, or a Lowercase step in a Sequence. */
    static boolean lowercases(JsonNode norm) {
        return switch (norm.path("type").asText()) {
            case "BertNormalizer" -> norm.path("lowercase").asBoolean(false);
            case "Lowercase" -> true;
            case "Sequence" -> {
                for (JsonNode n : norm.path("normalizers")) {
                    if (lowercases(n)) {
                        yield true;
                    }
                }
                yield false;
            }
            default -> false;
        };
    }

    /**
     * The WordPiece vocabulary, token of id 0 first; null when there is none to write as lines (another
     * model type, ids with gaps, or a token with a line break), and then transformers uses tokenizer.json.
     */
    static List<String> vocabInIdOrder(JsonNode root) {
        JsonNode model = root.path("model");
        if (!"WordPiece".equals(model.path("type").asText())
                || !model.path("vocab").isObject()) {
            return null;
        }
        JsonNode vocab = model.get("vocab");
        String[] byId = new String[vocab.size()];
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) vocab::fields) {
            int id = e.getValue().asInt(-1);
            if (id < 0 || id >= byId.length || byId[id] != null || e.getKey().matches("(?s).*[\\r\\n].*")) {
                return null;
            }
            byId[id] = e.getKey();
        }
        return new ArrayList<>(List.of(byId));
    }

    private static boolean hasToken(JsonNode root, String token) {
        for (JsonNode t : root.path("added_tokens")) {
            if (token.equals(t.path("content").asText())) {
                return true;
            }
        }
        return root.path("model").path("vocab").has(token);
    }
}
