package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks a parsed config tree against the records it will bind to, before Jackson binds it: unknown keys,
 * enum names, value types and required keys, each reported with the key's path; absent keys get the
 * record component's {@code @JsonProperty(defaultValue)}. Done here rather than by Jackson because Jackson
 * cannot tell an absent {@code clip_norm} from {@code clip_norm: 0} and its messages name Java types.
 */
final class Schema {
    private static final YAMLMapper DEFAULTS = new YAMLMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Schema() {}

    /** Returns {@code node} with defaults filled in; throws {@link SettingException} with the full key path. */
    static JsonNode check(JsonNode node, Type type, String path) {
        Class<?> raw = raw(type);
        if (raw.isRecord() && !hasCreator(raw)) {
            return record(node, raw, path);
        }
        if (List.class.isAssignableFrom(raw)) {
            expect(node.isArray(), node, path, "a list");
            ArrayNode out = NODES.arrayNode();
            for (int i = 0; i < node.size(); i++) {
                out.add(check(node.get(i), argument(type, 0), path + "[" + i + "]"));
            }
            return out;
        }
        if (Map.class.isAssignableFrom(raw)) {
            expect(node.isObject(), node, path, "a mapping");
            ObjectNode out = NODES.objectNode();
            node.fields()
                    .forEachRemaining(e ->
                            out.set(e.getKey(), check(e.getValue(), argument(type, 1), join(path, e.getKey()))));
            return out;
        }
        expect(node.isValueNode(), node, path, "a single value");
        if (raw.isEnum()) {
            List<String> names = enumNames(raw);
            if (!node.isTextual() || !names.contains(node.asText())) {
                throw SettingException.notOneOf(path, node.asText(), names);
            }
        } else if (raw == int.class || raw == Integer.class || raw == long.class) {
            if (!(raw == long.class ? node.canConvertToLong() : node.canConvertToInt()) || !node.isIntegralNumber()) {
                throw new SettingException(path, "'" + node.asText() + "' is not an integer");
            }
        } else if (raw == double.class || raw == Double.class) {
            if (!node.isNumber()) {
                // YAML 1.1 reads 5e-5 (no dot) as a string; accept what any user means by it
                try {
                    return DoubleNode.valueOf(Double.parseDouble(node.asText()));
                } catch (NumberFormatException e) {
                    throw new SettingException(path, "'" + node.asText() + "' is not a number");
                }
            }
        } else if (raw == boolean.class || raw == Boolean.class) {
            if (!node.isBoolean()) {
                throw new SettingException(path, "'" + node.asText() + "' is not one of true, false");
            }
        } else if (raw == String.class || raw == Path.class) {
            return TextNode.valueOf(node.asText());
        }
        return node; // Object, or a type with its own @JsonCreator: it checks the value itself
    }

    private static JsonNode record(JsonNode node, Class<?> type, String path) {
        expect(node.isObject(), node, path, "a mapping");
        RecordComponent[] components = type.getRecordComponents();
        List<String> keys = Arrays.stream(components).map(Schema::key).toList();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!keys.contains(key)) {
                throw SettingException.unknownKey(join(path, key), keys);
            }
        }
        ObjectNode out = NODES.objectNode();
        for (RecordComponent c : components) {
            String key = key(c);
            JsonNode value = node.get(key);
            JsonProperty p = property(c);
            JsonNode fallback = p == null || p.defaultValue().isEmpty() ? null : parse(p.defaultValue());
            if (value == null || value.isNull()) {
                if (p != null && p.required()) {
                    throw new SettingException(path, "missing key '" + key + "'");
                }
                value = fallback;
            } else if (fallback != null
                    && fallback.isObject()
                    && value.isObject()
                    && raw(c.getGenericType()).isRecord()) {
                ObjectNode merged = ((ObjectNode) fallback).deepCopy(); // a partial section keeps the other defaults
                merged.setAll((ObjectNode) value);
                value = merged;
            }
            if (value != null) {
                out.set(key, check(value, c.getGenericType(), join(path, key)));
            }
        }
        return out;
    }

    /** @JsonProperty cannot target record components: javac puts it on the accessor (and field, parameter). */
    private static JsonProperty property(RecordComponent c) {
        return c.getAccessor().getAnnotation(JsonProperty.class);
    }

    static String key(RecordComponent c) {
        JsonProperty p = property(c);
        return p != null && !p.value().isEmpty()
                ? p.value()
                : c.getName().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    static List<String> enumNames(Class<?> type) {
        List<String> names = new ArrayList<>();
        for (Object constant : type.getEnumConstants()) {
            String name = ((Enum<?>) constant).name();
            try {
                JsonProperty p = type.getField(name).getAnnotation(JsonProperty.class);
                names.add(p != null ? p.value() : name.toLowerCase(Locale.ROOT));
            } catch (NoSuchFieldException e) {
                throw new AssertionError(e);
            }
        }
        return names;
    }

    static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static boolean hasCreator(Class<?> type) {
        for (Method m : type.getDeclaredMethods()) {
            if (Modifier.isStatic(m.getModifiers()) && m.isAnnotationPresent(JsonCreator.class)) {
                return true;
            }
        }
        return false;
    }

    private static void expect(boolean ok, JsonNode node, String path, String what) {
        if (!ok) {
            String got = node.isObject() ? "a mapping" : node.isArray() ? "a list" : "'" + node.asText() + "'";
            throw new SettingException(path, "expected " + what + ", got " + got);
        }
    }

    private static JsonNode parse(String yaml) {
        try {
            return DEFAULTS.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new AssertionError("bad defaultValue " + yaml, e);
        }
    }

    private static Class<?> raw(Type type) {
        return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    }

    private static Type argument(Type type, int i) {
        return ((ParameterizedType) type).getActualTypeArguments()[i];
    }
}
