package dev.mtl.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Generated request bodies for {@link RequestBodyFuzzTest}: the routes' fields with right and odd values. */
final class FuzzJson {

    private FuzzJson() {}

    static <T> T pick(Random r, List<T> items) {
        return items.get(r.nextInt(items.size()));
    }

    static byte[] json(JsonNode body) {
        try {
            return ServeFixture.JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final List<String> FIELDS = List.of(
            "texts",
            "input",
            "tasks",
            "encoding_format",
            "model",
            "dimensions",
            "user",
            "inputs",
            "normalize",
            "truncate",
            "raw_scores",
            "x");

    static final List<String> TASKS = List.of("embedding", "classification", "ner", "NER", "sentiment", "");

    /** Where a body's texts go; most bodies carry them, so that many reach the model rather than stop at validation. */
    static final List<String> TEXT_FIELDS = List.of("texts", "input", "inputs", "texts", "input", "inputs", "");

    /** Objects with the routes' fields, their values of the right type half the time, odd ones otherwise. */
    static JsonNode body(Random r) {
        ObjectNode o = ServeFixture.JSON.createObjectNode();
        int fields = r.nextInt(4);
        for (int i = 0; i < fields; i++) {
            o.set(pick(r, FIELDS), field(r));
        }
        String name = pick(r, TEXT_FIELDS);
        if (!name.isEmpty()) {
            o.set(name, texts(r));
        }
        return o;
    }

    /** A field's value: texts (3 in 8), a task list, an encoding format, or any JSON (3 in 8). */
    static JsonNode field(Random r) {
        return switch (r.nextInt(8)) {
            case 0, 1, 2 -> texts(r);
            case 3 -> {
                List<String> tasks = new ArrayList<>();
                for (int n = r.nextInt(5); n > 0; n--) {
                    tasks.add(pick(r, TASKS));
                }
                yield array(tasks);
            }
            case 4 -> TextNode.valueOf(pick(r, List.of("float", "base64", "int8")));
            default -> json(r, 2);
        };
    }

    /** Characters that tokenizers and alignment find hard: controls, marks, surrogates, CJK. */
    static final String HARD_CHARS =
            "\u0000\u0007\t\n\r\u00a0\u0301\u200b\u202e\ufeff\ud800\udc00\udfff\u4e2d\u00e9\uffff";

    /** Up to {@code max} characters: printable ASCII, and one in six from {@link #HARD_CHARS}. */
    static String string(Random r, int max) {
        StringBuilder sb = new StringBuilder();
        for (int n = r.nextInt(max + 1); n > 0; n--) {
            sb.append(
                    r.nextInt(6) == 0
                            ? HARD_CHARS.charAt(r.nextInt(HARD_CHARS.length()))
                            : (char) (' ' + r.nextInt('~' - ' ' + 1)));
        }
        return sb.toString();
    }

    /** A list of up to 10 strings (4 in 5), or one string. */
    static JsonNode texts(Random r) {
        if (r.nextInt(5) == 0) {
            return TextNode.valueOf(string(r, 60));
        }
        List<String> items = new ArrayList<>();
        for (int n = r.nextInt(11); n > 0; n--) {
            items.add(string(r, 60));
        }
        return array(items);
    }

    static ArrayNode array(List<String> items) {
        ArrayNode a = ServeFixture.JSON.createArrayNode();
        items.forEach(a::add);
        return a;
    }

    static final long[] ODD_LONGS = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE + 1L};
    static final double[] ODD_DOUBLES = {0.0, -0.0, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, 1e-300};

    /** Any JSON up to {@code depth} levels: leaves 4 in 7, arrays 2 in 7, objects 1 in 7. */
    static JsonNode json(Random r, int depth) {
        int kind = depth == 0 ? 0 : r.nextInt(7);
        if (kind < 4) {
            return switch (r.nextInt(4)) {
                case 0 -> TextNode.valueOf(string(r, 60));
                case 1 ->
                    LongNode.valueOf(
                            switch (r.nextInt(3)) {
                                case 0 -> ODD_LONGS[r.nextInt(ODD_LONGS.length)];
                                case 1 -> r.nextInt(201) - 100;
                                default -> r.nextLong();
                            });
                case 2 ->
                    DoubleNode.valueOf(
                            switch (r.nextInt(3)) {
                                case 0 -> ODD_DOUBLES[r.nextInt(ODD_DOUBLES.length)];
                                case 1 -> r.nextDouble() * 200 - 100;
                                default -> (r.nextDouble() * 2 - 1) * Math.pow(10, r.nextInt(617) - 308);
                            });
                default -> pick(r, List.of(BooleanNode.TRUE, BooleanNode.FALSE, NullNode.instance));
            };
        }
        if (kind < 6) {
            ArrayNode a = ServeFixture.JSON.createArrayNode();
            for (int n = r.nextInt(6); n > 0; n--) {
                a.add(json(r, depth - 1));
            }
            return a;
        }
        ObjectNode o = ServeFixture.JSON.createObjectNode();
        for (int n = r.nextInt(4); n > 0; n--) {
            o.set(string(r, 8), json(r, depth - 1));
        }
        return o;
    }
}
