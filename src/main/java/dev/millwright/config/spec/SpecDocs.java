package dev.millwright.config.spec;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Reference docs and JSON Schemas generated from specs, so they cannot drift from the validator. */
public final class SpecDocs {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private SpecDocs() {
    }

    /** A Markdown table of every key, nested keys in dotted form. */
    public static String markdown(Spec.Obj spec) {
        StringBuilder out = new StringBuilder("| key | type | required | default | description |\n|---|---|---|---|---|\n");
        rows(out, spec, "");
        return out.toString();
    }

    private static void rows(StringBuilder out, Spec.Obj spec, String prefix) {
        for (Spec.Field f : spec.fields()) {
            String key = prefix + f.name();
            out.append("| `").append(key).append("` | ").append(SpecValidator.describe(f.spec()))
                    .append(" | ").append(f.required() ? "yes" : "no")
                    .append(" | ").append(f.defaultValue() == null ? "" : "`" + f.defaultValue() + "`")
                    .append(" | ").append(f.description().replace("|", "\\|"))
                    .append(f.example() == null ? "" : " Example: `" + f.example() + "`.")
                    .append(" |\n");
            if (f.spec() instanceof Spec.Obj inner) rows(out, inner, key + ".");
            if (f.spec() instanceof Spec.MapOf(Spec.Obj inner)) rows(out, inner, key + ".NAME.");
            if (f.spec() instanceof Spec.ListOf(Spec.Obj inner)) rows(out, inner, key + "[].");
        }
    }

    /** A JSON Schema (draft 2020-12) for editors and CI checks of plant files. */
    public static ObjectNode jsonSchema(Spec.Obj spec, String id, String title) {
        ObjectNode schema = F.objectNode();
        schema.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        schema.put("$id", id);
        schema.put("title", title);
        schema.setAll(node(spec));
        return schema;
    }

    private static ObjectNode node(Spec spec) {
        ObjectNode n = F.objectNode();
        switch (spec) {
            case Spec.Obj obj -> {
                n.put("type", "object");
                n.put("additionalProperties", false);
                ObjectNode props = n.putObject("properties");
                ArrayNode required = F.arrayNode();
                for (Spec.Field f : obj.fields()) {
                    ObjectNode p = node(f.spec());
                    p.put("description", f.description());
                    if (f.defaultValue() != null) p.putPOJO("default", f.defaultValue());
                    props.set(f.name(), p);
                    if (f.required()) required.add(f.name());
                }
                if (!required.isEmpty()) n.set("required", required);
            }
            case Spec.MapOf map -> {
                n.put("type", "object");
                n.set("additionalProperties", node(map.values()));
            }
            case Spec.Any any -> {
                // any JSON value
            }
            case Spec.ListOf list -> {
                n.put("type", "array");
                n.put("minItems", 1);
                n.set("items", node(list.items()));
            }
            case Spec.Scalar s -> {
                switch (s.type()) {
                    case INTEGER -> n.put("type", "integer");
                    case NUMBER -> n.put("type", "number");
                    case BOOLEAN -> n.put("type", "boolean");
                    case DURATION -> {
                        n.put("type", "string");
                        n.put("pattern", "^[0-9]+(ms|s|m|h|d)$");
                    }
                    case URL -> {
                        n.put("type", "string");
                        n.put("format", "uri");
                    }
                    case SECRET -> {
                        n.put("type", "string");
                        n.put("pattern", "^\\$\\{(env|file):[^}]+\\}$");
                    }
                    default -> n.put("type", "string");
                }
                if (s.type() == Spec.Type.INTEGER) {
                    if (s.min() != null) n.put("minimum", s.min().longValue());
                    if (s.max() != null) n.put("maximum", s.max().longValue());
                } else if (s.type() == Spec.Type.NUMBER) {
                    if (s.min() != null) n.put("minimum", s.min());
                    if (s.max() != null) n.put("maximum", s.max());
                }
                if (!s.allowed().isEmpty()) {
                    ArrayNode e = n.putArray("enum");
                    s.allowed().forEach(e::add);
                }
            }
        }
        return n;
    }
}
