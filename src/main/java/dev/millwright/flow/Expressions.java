package dev.millwright.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.event.Json;
import dev.millwright.mapping.Mapping;
import dev.millwright.mapping.MappingFunctions;

import java.util.Map;

/** Evaluates a flow's expressions with the plant's functions ($xref, $lookup, $fetch, $now …). */
final class Expressions {
    private final MappingFunctions functions;

    Expressions(MappingFunctions functions) {
        this.functions = functions;
    }

    /** @throws Mapping.MappingException naming the expression and what failed */
    JsonNode eval(Mapping expression, JsonNode input) {
        return expression.apply(input, Map.of(), functions);
    }

    /** JSONata's truth: false, null, 0, "", [] and {} are false. */
    boolean test(Mapping expression, JsonNode input) {
        JsonNode v = eval(expression, input);
        if (v == null || v.isNull() || v.isMissingNode()) return false;
        if (v.isBoolean()) return v.booleanValue();
        if (v.isNumber()) return v.doubleValue() != 0;
        if (v.isTextual()) return !v.textValue().isEmpty();
        return !v.isEmpty();
    }

    /** A correlation value: text, or null when the expression gives nothing usable (absent, or not a single value). */
    String key(Mapping expression, JsonNode input) {
        JsonNode v = eval(expression, input);
        if (v == null || !v.isValueNode() || v.isNull()) return null;
        String text = v.asText();
        return text.isEmpty() ? null : text;
    }

    /** The input of an instance's expressions: {trigger, vars, instance: {id, flow, key}}. */
    static ObjectNode context(JsonNode trigger, JsonNode vars, long id, String flow, String key) {
        ObjectNode ctx = Json.MAPPER.createObjectNode();
        ctx.set("trigger", trigger);
        ctx.set("vars", vars);
        ObjectNode instance = ctx.putObject("instance");
        instance.put("id", id);
        instance.put("flow", flow);
        instance.put("key", key);
        return ctx;
    }
}
