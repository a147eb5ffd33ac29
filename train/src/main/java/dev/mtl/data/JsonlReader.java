package dev.mtl.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Reads JSON Lines, one example object per line, any mix of: {@code "text"} + {@code "label"} (a string
 * or an array of strings), {@code "tokens"} + {@code "tags"} (IOB2; an entity-opening I-X is read as B-X,
 * as conlleval would), {@code "text"} + {@code "entities"} ({@code [{"start","end","label"}]}, end
 * exclusive, offsets in Unicode code points as Python tools write them); sentence pairs:
 * {@code "text"} + {@code "text_pair"} with an optional numeric {@code "score"}, or {@code "anchor"} +
 * {@code "positive"} with an optional hard {@code "negative"}. An optional string {@code "id"}
 * is kept; other keys are ignored; blank lines are skipped. Not for pretty-printed JSON or one big array.
 */
public final class JsonlReader {
    /** Two objects on one line are an error, not a silently dropped second example. */
    private static final ObjectMapper MAPPER =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final String TOKEN_SEPARATOR = " ";

    private final Charset charset;

    public JsonlReader() {
        this(StandardCharsets.UTF_8);
    }

    public JsonlReader(Charset charset) {
        this.charset = Objects.requireNonNull(charset, "charset");
    }

    public List<Example> read(Path path) throws IOException {
        List<String> lines = TextFile.readLines(path, charset);
        List<Example> examples = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            Line at = new Line(path, i + 1);
            JsonNode node;
            try {
                node = MAPPER.readTree(lines.get(i));
            } catch (JsonProcessingException e) {
                throw at.error("invalid JSON at column " + e.getLocation().getColumnNr());
            }
            if (!node.isObject()) {
                throw at.error("expected a JSON object, got " + kind(node));
            }
            examples.add(toExample(at, node));
        }
        return examples;
    }

    private static Example toExample(Line at, JsonNode node) {
        String text = optionalString(at, node, "id");
        String id = text != null ? text : at.path.getFileName() + ":" + at.line;
        if (node.has("anchor") || node.has("text_pair")) {
            return pair(at, node, id);
        }
        text = optionalString(at, node, "text");
        List<String> labels = labels(at, node.get("label"));
        List<String> tokens = strings(at, node, "tokens");
        List<String> tags = strings(at, node, "tags");
        if (!tags.isEmpty() || node.has("tags")) {
            if (!node.has("tokens")) {
                throw at.error("\"tags\" without \"tokens\"");
            }
            if (tags.size() != tokens.size()) {
                throw at.error(tags.size() + " tags for " + tokens.size() + " tokens");
            }
            for (int j = 0; j < tags.size(); j++) {
                String problem = Tags.problem(tags.get(j));
                if (problem != null) {
                    throw at.error("\"tags\"[" + j + "]: " + problem);
                }
            }
            tags = Tags.toIob2(tags);
        }
        if (text == null && !node.has("tokens")) {
            throw at.error("no text: expected \"text\" or \"tokens\"");
        }
        if (text == null) {
            text = String.join(TOKEN_SEPARATOR, tokens);
        }
        List<CharEntity> entities = entities(at, node.get("entities"), node.has("text") ? text : null);
        if (!node.has("label") && !node.has("tags") && !node.has("entities")) {
            throw at.error("no task field: expected \"label\", \"tags\", \"entities\", \"text_pair\" or \"anchor\"");
        }
        return new Example(id, text, tokens, tags, labels, entities);
    }

    /** {@code text} + {@code text_pair} (+ {@code score}), or {@code anchor} + {@code positive} (+ {@code negative}). */
    private static Example pair(Line at, JsonNode node, String id) {
        boolean anchored = node.has("anchor");
        if (anchored && (node.has("text") || node.has("text_pair"))) {
            throw at.error("\"anchor\" goes with \"positive\", not with \"text\" or \"text_pair\"");
        }
        String first = anchored ? "anchor" : "text";
        String second = anchored ? "positive" : "text_pair";
        String text = requiredText(at, node, first);
        String pair = requiredText(at, node, second);
        String negative = anchored ? optionalString(at, node, "negative") : null;
        if (negative != null && negative.isBlank()) {
            throw at.error("\"negative\" is empty");
        }
        if (!anchored && node.has("negative")) {
            throw at.error("\"negative\" goes with \"anchor\" and \"positive\"");
        }
        Double score = null;
        JsonNode s = node.get("score");
        if (s != null) {
            if (anchored) {
                throw at.error("\"score\" goes with \"text\" and \"text_pair\"");
            }
            if (!s.isNumber() || !Double.isFinite(s.asDouble())) {
                throw at.error("\"score\" must be a number, got " + kind(s));
            }
            score = s.asDouble();
        }
        for (String key : List.of("label", "tokens", "tags", "entities")) {
            if (node.has(key)) {
                throw at.error("\"" + key + "\" cannot go with a pair of texts");
            }
        }
        return Example.pair(id, text, pair, score, negative);
    }

    private static String requiredText(Line at, JsonNode node, String key) {
        String v = optionalString(at, node, key);
        if (v == null || v.isBlank()) {
            throw at.error("\"" + key + "\" must be a non-empty string");
        }
        return v;
    }

    private static String optionalString(Line at, JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            throw at.error("\"" + key + "\" must be a string, got " + kind(v));
        }
        return v.asText();
    }

    private static List<String> labels(Line at, JsonNode v) {
        if (v == null) {
            return List.of();
        }
        List<String> labels = new ArrayList<>();
        if (v.isTextual()) {
            labels.add(v.asText());
        } else if (v.isArray() && allTextual(v)) {
            v.forEach(e -> labels.add(e.asText()));
        } else {
            throw at.error("\"label\" must be a string or an array of strings, got " + kind(v));
        }
        if (labels.stream().anyMatch(String::isBlank)) {
            throw at.error("empty label");
        }
        return labels;
    }

    private static List<String> strings(Line at, JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null) {
            return List.of();
        }
        if (!v.isArray() || !allTextual(v)) {
            throw at.error("\"" + key + "\" must be an array of strings, got " + kind(v));
        }
        List<String> out = new ArrayList<>(v.size());
        v.forEach(e -> out.add(e.asText()));
        return out;
    }

    private static List<CharEntity> entities(Line at, JsonNode v, String text) {
        if (v == null) {
            return List.of();
        }
        if (text == null) {
            throw at.error("\"entities\" without \"text\"");
        }
        if (!v.isArray()) {
            throw at.error("\"entities\" must be an array, got " + kind(v));
        }
        int length = text.codePointCount(0, text.length());
        List<CharEntity> out = new ArrayList<>(v.size());
        for (int j = 0; j < v.size(); j++) {
            JsonNode e = v.get(j);
            String where = "\"entities\"[" + j + "]";
            if (!e.isObject()) {
                throw at.error(where + " must be an object, got " + kind(e));
            }
            for (String key : List.of("start", "end")) {
                if (e.get(key) == null || !e.get(key).isInt()) {
                    throw at.error(where + ": \"" + key + "\" must be an integer, got " + kind(e.get(key)));
                }
            }
            if (e.get("label") == null
                    || !e.get("label").isTextual()
                    || e.get("label").asText().isBlank()) {
                throw at.error(where + ": \"label\" must be a non-empty string");
            }
            int start = e.get("start").asInt();
            int end = e.get("end").asInt();
            if (start < 0 || start >= end) {
                throw at.error(where + ": need 0 <= start < end, got start " + start + ", end " + end);
            }
            if (end > length) {
                throw at.error(where + ": end " + end + " beyond text of " + length + " characters");
            }
            out.add(new CharEntity(
                    text.offsetByCodePoints(0, start),
                    text.offsetByCodePoints(0, end),
                    e.get("label").asText()));
        }
        return out;
    }

    private static boolean allTextual(JsonNode array) {
        for (JsonNode e : array) {
            if (!e.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static String kind(JsonNode v) {
        return v == null ? "nothing" : v.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private record Line(Path path, int line) {
        DataFormatException error(String problem) {
            return new DataFormatException(path, line, problem);
        }
    }
}
