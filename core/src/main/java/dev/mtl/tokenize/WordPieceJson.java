package dev.mtl.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Builds the tokenizer.json that HF's {@code BertTokenizerFast} would build from a {@code vocab.txt}
 * (BertNormalizer, BertPreTokenizer, WordPiece with "##", the [CLS] A [SEP] template), so that
 * directories with only a vocabulary go through the same fast tokenizer as everything else.
 */
final class WordPieceJson {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_INPUT_CHARS_PER_WORD = 100;

    private WordPieceJson() {}

    static String fromVocab(Path vocabFile, boolean lowercase) throws IOException {
        List<String> lines = Files.readAllLines(vocabFile, StandardCharsets.UTF_8);
        ObjectNode vocab = JSON.createObjectNode();
        for (int i = 0; i < lines.size(); i++) {
            String token = lines.get(i).strip();
            if (!token.isEmpty() && !vocab.has(token)) {
                vocab.put(token, i);
            }
        }
        for (String special : List.of("[CLS]", "[SEP]", "[UNK]", "[PAD]")) {
            if (!vocab.has(special)) {
                throw new IOException(vocabFile + ": vocabulary has no " + special + " token");
            }
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")) {
            if (vocab.has(special)) {
                ObjectNode t = added.addObject();
                t.put("id", vocab.get(special).asInt());
                t.put("content", special);
                t.put("single_word", false);
                t.put("lstrip", false);
                t.put("rstrip", false);
                t.put("normalized", false);
                t.put("special", true);
            }
        }
        ObjectNode norm = root.putObject("normalizer");
        norm.put("type", "BertNormalizer");
        norm.put("clean_text", true);
        norm.put("handle_chinese_chars", true);
        norm.putNull("strip_accents");
        norm.put("lowercase", lowercase);
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "[CLS]").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        single.addObject().putObject("SpecialToken").put("id", "[SEP]").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "[CLS]").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", "[SEP]").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        pair.addObject().putObject("SpecialToken").put("id", "[SEP]").put("type_id", 1);
        ObjectNode specials = post.putObject("special_tokens");
        for (String s : List.of("[CLS]", "[SEP]")) {
            ObjectNode o = specials.putObject(s);
            o.put("id", s);
            o.putArray("ids").add(vocab.get(s).asInt());
            o.putArray("tokens").add(s);
        }
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "WordPiece");
        dec.put("prefix", "##");
        dec.put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece");
        model.put("unk_token", "[UNK]");
        model.put("continuing_subword_prefix", "##");
        model.put("max_input_chars_per_word", MAX_INPUT_CHARS_PER_WORD);
        model.set("vocab", vocab);
        return JSON.writeValueAsString(root);
    }

    /** {@code do_lower_case} from tokenizer_config.json; BERT's default (true) when absent. */
    static boolean doLowerCase(Path tokenizerConfig) throws IOException {
        if (!Files.isRegularFile(tokenizerConfig)) {
            return true;
        }
        JsonNode n = JSON.readTree(tokenizerConfig.toFile()).get("do_lower_case");
        return n == null || n.asBoolean(true);
    }

    /** The id of {@code token} in a tokenizer.json's vocabulary or added tokens, else {@code fallback}. */
    static long tokenId(String tokenizerJson, String token, long fallback) throws IOException {
        JsonNode root = JSON.readTree(tokenizerJson);
        for (JsonNode t : root.path("added_tokens")) {
            if (token.equals(t.path("content").asText())) {
                return t.path("id").asLong();
            }
        }
        JsonNode id = root.path("model").path("vocab").get(token);
        return id != null && id.isNumber() ? id.asLong() : fallback;
    }
}
