package dev.millwright.contracts;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a new version of a schema breaks for events that were valid under the previous one, or for
 * consumers that relied on it: a required field removed or newly demanded, a type or value set
 * narrowed, an object closed to other fields, a bound tightened. References ($ref) to known schemas
 * are followed, so a field may move from a shared definition to an inline one.
 */
public final class Compatibility {
    private final Map<String, JsonNode> schemas;

    /** @param schemas the schemas references may point into, by $id */
    public Compatibility(Map<String, JsonNode> schemas) {
        this.schemas = schemas;
    }

    /** Each break as "field: what changed", fields as paths like characteristics[].unit. */
    public List<String> breaks(JsonNode previous, String previousId, JsonNode next, String nextId) {
        List<String> out = new ArrayList<>();
        compare(new At(previous, previousId), new At(next, nextId), "", out, 0);
        return out;
    }

    /** A schema node and the $id its relative references resolve against. */
    private record At(JsonNode node, String base) {
    }

    private At resolve(At at) {
        At current = at;
        for (int hops = 0; hops < 10 && current.node().has("$ref"); hops++) {
            java.net.URI target = java.net.URI.create(current.base()).resolve(current.node().get("$ref").asText());
            String document = target.toString().replaceFirst("#.*$", "");
            JsonNode root = schemas.get(document);
            if (root == null) return current;
            String fragment = target.getFragment();
            current = new At(fragment == null || fragment.isEmpty() ? root : root.at(fragment), document);
        }
        return current;
    }

    private void compare(At prevAt, At nextAt, String path, List<String> out, int depth) {
        String here = path.isEmpty() ? "(root)" : path;
        if (depth > 32) return;
        prevAt = resolve(prevAt);
        nextAt = resolve(nextAt);
        JsonNode prev = prevAt.node(), next = nextAt.node();
        if (prev.has("$ref") || next.has("$ref")) {
            if (!prev.path("$ref").equals(next.path("$ref"))) out.add(here + ": now refers to " + next.path("$ref").asText("an inline schema") + " instead of " + prev.path("$ref").asText("an inline schema"));
            return;
        }
        Set<String> prevTypes = types(prev), nextTypes = types(next);
        if (!prevTypes.isEmpty()) {
            Set<String> lost = new HashSet<>(prevTypes);
            lost.removeAll(nextTypes.isEmpty() ? prevTypes : nextTypes);
            if (nextTypes.contains("number")) lost.remove("integer");
            if (!nextTypes.isEmpty() && !lost.isEmpty()) out.add(here + ": type narrowed from " + prevTypes + " to " + nextTypes);
        }
        if (next.has("enum")) {
            Set<String> allowed = values(next.get("enum"));
            if (!prev.has("enum")) {
                out.add(here + ": values narrowed to " + allowed);
            } else {
                Set<String> lost = values(prev.get("enum"));
                lost.removeAll(allowed);
                if (!lost.isEmpty()) out.add(here + ": values no longer allowed: " + lost);
            }
        }
        Set<String> prevRequired = values(prev.path("required")), nextRequired = values(next.path("required"));
        for (String r : prevRequired) {
            if (!nextRequired.contains(r)) out.add(join(path, r) + ": required field removed (consumers rely on it)");
        }
        for (String r : nextRequired) {
            if (!prevRequired.contains(r)) out.add(join(path, r) + ": newly required (events valid before would be refused)");
        }
        if (!prev.path("additionalProperties").isBoolean() || prev.path("additionalProperties").asBoolean()) {
            if (next.path("additionalProperties").isBoolean() && !next.get("additionalProperties").asBoolean()) {
                out.add(here + ": closed to fields it did not list before");
            }
        }
        JsonNode prevProps = prev.path("properties"), nextProps = next.path("properties");
        Iterator<Map.Entry<String, JsonNode>> fields = prevProps.fields();
        while (fields.hasNext()) {
            var f = fields.next();
            JsonNode n = nextProps.get(f.getKey());
            if (n == null) {
                if (next.path("additionalProperties").isBoolean() && !next.get("additionalProperties").asBoolean()) {
                    out.add(join(path, f.getKey()) + ": field removed");
                }
            } else {
                compare(new At(f.getValue(), prevAt.base()), new At(n, nextAt.base()), join(path, f.getKey()), out, depth + 1);
            }
        }
        if (prev.has("items") && next.has("items")) {
            compare(new At(prev.get("items"), prevAt.base()), new At(next.get("items"), nextAt.base()), path + "[]", out, depth + 1);
        }
        for (String bound : List.of("minimum", "exclusiveMinimum", "minLength", "minItems")) {
            if (next.has(bound) && (!prev.has(bound) || next.get(bound).asDouble() > prev.get(bound).asDouble())) {
                out.add(here + ": " + bound + " raised to " + next.get(bound).asText());
            }
        }
        for (String bound : List.of("maximum", "exclusiveMaximum", "maxLength", "maxItems")) {
            if (next.has(bound) && (!prev.has(bound) || next.get(bound).asDouble() < prev.get(bound).asDouble())) {
                out.add(here + ": " + bound + " lowered to " + next.get(bound).asText());
            }
        }
        if (next.has("pattern") && !next.get("pattern").equals(prev.get("pattern"))) out.add(here + ": pattern changed to " + next.get("pattern").asText());
    }

    private static Set<String> types(JsonNode schema) {
        JsonNode t = schema.get("type");
        if (t == null) return Set.of();
        return t.isArray() ? values(t) : Set.of(t.asText());
    }

    private static Set<String> values(JsonNode array) {
        Set<String> out = new HashSet<>();
        array.forEach(v -> out.add(v.asText()));
        return out;
    }

    private static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }
}
