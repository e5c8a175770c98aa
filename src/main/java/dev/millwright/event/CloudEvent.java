package dev.millwright.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.OffsetDateTime;

/**
 * A validated CloudEvents 1.0 event. {@code envelope} is its structured-mode JSON and {@code json} the
 * same as text: in structured and batch mode exactly the bytes that were sent (binary mode is converted
 * to structured mode once at the door). The log stores {@code json}.
 *
 * <p>Not a record only because an event read back from the log parses its JSON the first time something asks for
 * more than its core attributes: routing most events needs their type and subject alone, and parsing every routed
 * event was 15 % of the hub's CPU while it delivered a backlog (measured).
 */
public final class CloudEvent {
    private final String id;
    private final String source;
    private final String type;
    private final String subject;
    private final OffsetDateTime time;
    private final String json;
    private final long seq;
    private ObjectNode envelope;

    public CloudEvent(String id, String source, String type, String subject, OffsetDateTime time, ObjectNode envelope, String json) {
        this(id, source, type, subject, time, envelope, json, 0);
    }

    private CloudEvent(String id, String source, String type, String subject, OffsetDateTime time, ObjectNode envelope, String json,
                       long seq) {
        this.id = id;
        this.source = source;
        this.type = type;
        this.subject = subject;
        this.time = time;
        this.envelope = envelope;
        this.json = json;
        this.seq = seq;
    }

    /** An event read back from the log, where it was stored as validated structured-mode JSON; parsed when first needed. */
    public static CloudEvent fromLog(long seq, String id, String source, String type, String subject, String body) {
        return new CloudEvent(id, source, type, subject, null, null, body, seq);
    }

    public String id() {
        return id;
    }

    public String source() {
        return source;
    }

    public String type() {
        return type;
    }

    public String subject() {
        return subject;
    }

    /** When the event happened, as parsed at the door; null for an event read back from the log. */
    public OffsetDateTime time() {
        return time;
    }

    public String json() {
        return json;
    }

    /** The event's structured-mode JSON (mutable: the door adds what it stamps before storing). */
    public synchronized ObjectNode envelope() {
        if (envelope == null) {
            try {
                envelope = (ObjectNode) Json.MAPPER.readTree(json);
            } catch (java.io.IOException | ClassCastException e) {
                throw new IllegalStateException("stored event " + seq + " is not a JSON object", e);
            }
        }
        return envelope;
    }

    /** An attribute (core or extension) as text, or null when absent. */
    public String attribute(String name) {
        return switch (name) {
            case "id" -> id;
            case "source" -> source;
            case "type" -> type;
            case "subject" -> subject;
            default -> {
                JsonNode v = envelope().get(name);
                yield v == null || v.isNull() ? null : v.asText();
            }
        };
    }

    public JsonNode data() {
        return envelope().get("data");
    }

    @Override
    public String toString() {
        return "CloudEvent[id=" + id + ", source=" + source + ", type=" + type + ", subject=" + subject + "]";
    }
}
