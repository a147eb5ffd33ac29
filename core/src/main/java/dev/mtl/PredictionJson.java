package dev.mtl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mtl.heads.Entity;
import dev.mtl.heads.NerResult;
import java.util.Map;

/**
 * The JSON form of a {@link Prediction}, shared by {@code mtl predict} and the HTTP server:
 * <pre>{@code
 * {"text":..., "tokens":[...], "embedding":[...],
 *  "classification":{"intent":{"label":..., "scores":{...}}},
 *  "tags":[...], "entities":[{"start":0,"end":5,"label":"artist","text":"adele","score":0.98}]}
 * }</pre>
 * Entity offsets in JSON count Unicode code points (as Python's {@code str} and spaCy do, and as our
 * JSONL reader expects), so {@code text[start:end]} in Python is the entity; the Java API's
 * {@link Entity} uses UTF-16 indices instead. With one NER task its {@code tags} and
 * {@code entities} are top-level; with several, they sit under {@code "ner": {task: {...}}}.
 */
public final class PredictionJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PredictionJson() {}

    public static ObjectNode toJson(Prediction p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("text", p.text());
        ArrayNode tokens = o.putArray("tokens");
        p.words().forEach(tokens::add);
        if (p.embedding() != null) {
            ArrayNode e = o.putArray("embedding");
            for (float v : p.embedding()) {
                e.add(v);
            }
        }
        if (p.classification() != null) {
            ObjectNode cls = o.putObject("classification");
            p.classification().forEach((task, c) -> {
                ObjectNode t = cls.putObject(task);
                t.put("label", c.label());
                if (c.labels().size() != 1 || !c.labels().get(0).equals(c.label())) {
                    ArrayNode ls = t.putArray("labels");
                    c.labels().forEach(ls::add);
                }
                ObjectNode scores = t.putObject("scores");
                c.scores().forEach(scores::put);
            });
        }
        if (p.ner() != null) {
            if (p.ner().size() == 1) {
                nerInto(o, p.text(), p.ner().values().iterator().next());
            } else {
                ObjectNode ner = o.putObject("ner");
                for (Map.Entry<String, NerResult> e : p.ner().entrySet()) {
                    nerInto(ner.putObject(e.getKey()), p.text(), e.getValue());
                }
            }
        }
        return o;
    }

    private static void nerInto(ObjectNode o, String text, NerResult r) {
        ArrayNode tags = o.putArray("tags");
        r.tags().forEach(tags::add);
        ArrayNode ents = o.putArray("entities");
        for (Entity e : r.entities()) {
            ObjectNode x = ents.addObject();
            x.put("start", text.codePointCount(0, e.start()));
            x.put("end", text.codePointCount(0, e.end()));
            x.put("label", e.label());
            x.put("text", e.text());
            x.put("score", Math.round(e.score() * 1e4) / 1e4);
        }
    }
}
