package dev.millwright.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.OffsetDateTime;

/**
 * A validated CloudEvents 1.0 event. {@code envelope} is its structured-mode JSON and {@code json} the
 * same as text: in structured and batch mode exactly the bytes that were sent (binary mode is converted
 * to structured mode once at the door). The log stores {@code json}.
 */
public record CloudEvent(String id, String source, String type, String subject, OffsetDateTime time,
                         ObjectNode envelope, String json) {

    /** An attribute (core or extension) as text, or null when absent. */
    public String attribute(String name) {
        JsonNode v = envelope.get(name);
        return v == null || v.isNull() ? null : v.asText();
    }

    public JsonNode data() {
        return envelope.get("data");
    }

    /** An event read back from the log, where it was stored as validated structured-mode JSON. */
    public static CloudEvent fromLog(long seq, String id, String source, String type, String subject, String body) {
        try {
            return new CloudEvent(id, source, type, subject, null, (ObjectNode) Json.MAPPER.readTree(body), body);
        } catch (java.io.IOException | ClassCastException e) {
            throw new IllegalStateException("stored event " + seq + " is not a JSON object", e);
        }
    }
}
