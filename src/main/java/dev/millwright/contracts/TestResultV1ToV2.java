package dev.millwright.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * TestResult v1 → v2: each characteristic's lowerLimit/upperLimit become one {@code limits} object, and
 * {@code uncertainty} is added as null — v1 did not report it, and null says "not known" rather than 0.
 */
public final class TestResultV1ToV2 implements Upcaster {
    @Override
    public String from() {
        return "TestResult/v1";
    }

    @Override
    public String to() {
        return "TestResult/v2";
    }

    @Override
    public ObjectNode upcast(ObjectNode data) {
        ObjectNode out = data.deepCopy();
        JsonNode characteristics = out.get("characteristics");
        if (characteristics instanceof ArrayNode list) {
            for (JsonNode c : list) {
                if (!(c instanceof ObjectNode ch)) continue;
                JsonNode lower = ch.remove("lowerLimit");
                JsonNode upper = ch.remove("upperLimit");
                if (lower != null || upper != null) {
                    ObjectNode limits = ch.putObject("limits");
                    if (lower != null) limits.set("lower", lower);
                    if (upper != null) limits.set("upper", upper);
                }
                ch.putNull("uncertainty");
            }
        }
        return out;
    }
}
