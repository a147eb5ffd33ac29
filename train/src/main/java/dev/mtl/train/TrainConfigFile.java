package dev.mtl.train;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a training config file for {@link TrainConfig#load}: parses YAML or JSON, remembers the line of
 * every key, binds the tree to {@link TrainConfig} and turns any problem into {@code file:line: problem}.
 * What a valid config is stays with the records; this class only knows where in the file a key stands.
 */
final class TrainConfigFile {

    private TrainConfigFile() {}

    static TrainConfig read(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
        if (!yaml && !name.endsWith(".json")) {
            throw new TrainConfigException(file, 0, "unsupported file type; allowed: .yaml, .yml, .json");
        }
        ObjectMapper mapper = (yaml ? YAMLMapper.builder() : JsonMapper.builder())
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS) // Pooling has no lower-case JSON names
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE) // for EmbeddingConfig
                .build();
        String text;
        try {
            text = Files.readString(file);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new TrainConfigException(file, 0, "not UTF-8 text");
        }
        Map<String, Integer> lines = new HashMap<>();
        JsonNode root;
        try {
            try (JsonParser parser = mapper.createParser(text)) {
                // first line of each key path: where a message about that key should point
                for (JsonToken t = parser.nextToken(); t != null; t = parser.nextToken()) {
                    lines.putIfAbsent(
                            parser.getParsingContext().pathAsPointer().toString(),
                            parser.currentTokenLocation().getLineNr());
                }
            }
            root = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new TrainConfigException(
                    file,
                    at == null ? 0 : at.getLineNr(),
                    "malformed " + (yaml ? "YAML" : "JSON") + ": " + withoutSource(e.getOriginalMessage()));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new TrainConfigException(file, 0, "empty config; expected a mapping with tasks and datasets");
        }
        try {
            TrainConfig config = bind(mapper, Schema.check(root, TrainConfig.class, ""));
            return config.resolve(file.toAbsolutePath().getParent());
        } catch (SettingException e) {
            throw new TrainConfigException(file, line(lines, e.key()), e.getMessage());
        }
    }

    private static TrainConfig bind(ObjectMapper mapper, JsonNode tree) {
        try {
            return mapper.treeToValue(tree, TrainConfig.class);
        } catch (JsonProcessingException e) {
            StringBuilder path = new StringBuilder();
            if (e instanceof DatabindException d) {
                for (JsonMappingException.Reference r : ((JsonMappingException) d).getPath()) {
                    path.append(
                            r.getFieldName() != null
                                    ? (path.length() == 0 ? "" : ".") + r.getFieldName()
                                    : "[" + r.getIndex() + "]");
                }
            }
            Throwable cause = e.getCause();
            if (cause instanceof SettingException s) {
                throw s.under(path.toString());
            }
            String problem = cause instanceof IllegalArgumentException ? cause.getMessage() : e.getOriginalMessage();
            throw new SettingException(
                    path.toString(), problem.lines().findFirst().orElse(problem));
        }
    }

    /**
     * The parser's message on one line: SnakeYAML puts context and problem on unindented lines between
     * indented snippets ("while parsing a flow sequence" … "expected ',' or ']'"); Jackson appends "(for
     * Array starting at [Source: ...])" noise.
     */
    private static String withoutSource(String message) {
        String first = String.join(
                "; ",
                message.lines()
                        .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                        .map(String::strip)
                        .toList());
        return first.replaceAll("\\s*\\(for [^(]*starting at \\[Source:.*$", "").replaceAll("\\s*at \\[Source:.*$", "");
    }

    /** Line of the key, or of the nearest enclosing key the file has (a missing key points at its section). */
    private static int line(Map<String, Integer> lines, String key) {
        String pointer = key.isEmpty()
                ? ""
                : "/" + key.replace("[", "/").replace("]", "").replace(".", "/");
        while (true) {
            Integer line = lines.get(pointer);
            if (line != null || pointer.isEmpty()) {
                return line == null ? 0 : line;
            }
            pointer = pointer.substring(0, pointer.lastIndexOf('/'));
        }
    }
}
