package dev.millwright.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.config.SystemConfig;
import dev.millwright.event.CloudEvent;
import dev.millwright.event.Json;
import dev.millwright.ingest.CloudEventReader;
import dev.millwright.ingest.RejectedInput;
import dev.millwright.ingest.Violation;
import dev.millwright.mapping.Mapping;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Raw payloads from systems that cannot send CloudEvents (POST /api/v1/inbound/SYSTEM): checks the
 * system's own credentials (HMAC signature with a replay window, or a token), runs its mapping, and
 * returns the events it made, each checked like any CloudEvent. The idempotency key comes from the
 * mapping's `id`, so a re-sent webhook is a duplicate.
 */
public final class WebhookReceiver {
    private static final int EXCERPT = 300;

    private final Map<String, SystemConfig> systems;
    private final Map<String, Mapping> mappings;
    private final CloudEventReader reader;
    private final Clock clock;

    public WebhookReceiver(Map<String, SystemConfig> systems, Map<String, Mapping> mappings, CloudEventReader reader, Clock clock) {
        this.systems = systems;
        this.mappings = mappings;
        this.reader = reader;
        this.clock = clock;
    }

    /** @param headers request headers, names lower-case */
    public List<CloudEvent> receive(String system, String contentType, Map<String, String> headers, byte[] body) {
        SystemConfig config = systems.get(system);
        if (config == null || config.inbound() == null) {
            throw new RejectedInput(404, "Unknown inbound system", "no system '" + system + "' accepts inbound payloads");
        }
        SystemConfig.InboundHttp in = config.inbound();
        authenticate(in, headers, body);
        String media = CloudEventReader.mediaType(contentType);
        if (!media.equals("application/json") && !media.endsWith("+json")) {
            throw new RejectedInput(415, "Unsupported content type", "inbound payloads are JSON (application/json); got '" + media + "'");
        }
        JsonNode payload;
        try {
            payload = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new RejectedInput(400, "Malformed JSON", "the payload is not valid JSON");
        }
        Mapping mapping = mappings.get(in.mapping());
        JsonNode mapped;
        try {
            mapped = mapping.apply(payload);
        } catch (Mapping.MappingException e) {
            throw new RejectedInput(422, "Mapping failed", List.of(new Violation("", e.describe() + "; input: " + excerpt(payload))));
        }
        List<JsonNode> outputs = new ArrayList<>();
        if (mapped instanceof ArrayNode array) array.forEach(outputs::add);
        else if (!mapped.isNull() && !mapped.isMissingNode()) outputs.add(mapped);
        List<Violation> violations = new ArrayList<>();
        List<CloudEvent> events = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            JsonNode out = outputs.get(i);
            if (!(out instanceof ObjectNode event)) {
                violations.add(new Violation("/" + i, "mapping " + mapping.name() + " produced " + out.getNodeType() + ", not an event object"));
                continue;
            }
            event.put("specversion", "1.0");
            if (!event.hasNonNull("source")) event.put("source", in.source() != null ? in.source() : "system://" + system);
            if (event.has("id") && event.get("id").isNumber()) event.put("id", event.get("id").asText());
            CloudEvent e = reader.check(event, null, "/" + i, violations);
            if (e != null) events.add(e);
        }
        if (!violations.isEmpty()) {
            throw new RejectedInput(422, "Mapping produced invalid events", violations.stream()
                    .map(v -> new Violation(v.pointer(), "mapping " + mapping.name() + ": " + v.detail(), v.keyword())).toList());
        }
        return events;
    }

    private void authenticate(SystemConfig.InboundHttp in, Map<String, String> headers, byte[] body) {
        if (in.authType().equals("token")) {
            String given = headers.getOrDefault("authorization", "");
            String expected = "Bearer " + in.token().value();
            if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8))) {
                throw new RejectedInput(401, "Unauthorized", "the system's bearer token is missing or wrong");
            }
            return;
        }
        String timestamp = headers.get(in.timestampHeader().toLowerCase());
        String signature = headers.get(in.signatureHeader().toLowerCase());
        if (timestamp == null || signature == null) {
            throw new RejectedInput(401, "Unauthorized", "send the " + in.signatureHeader() + " and " + in.timestampHeader() + " headers");
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            throw new RejectedInput(401, "Unauthorized", in.timestampHeader() + " must be Unix time in seconds");
        }
        Duration skew = Duration.between(Instant.ofEpochSecond(seconds), clock.instant()).abs();
        if (skew.compareTo(in.replayWindow()) > 0) {
            throw new RejectedInput(401, "Unauthorized", "timestamp outside the replay window (" + skew.toSeconds() + " s from now; at most "
                    + in.replayWindow().toSeconds() + " s)");
        }
        String expected = "sha256=" + hmac(in.secret().value(), timestamp.trim() + "." + new String(body, StandardCharsets.UTF_8));
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), signature.trim().getBytes(StandardCharsets.UTF_8))) {
            throw new RejectedInput(401, "Unauthorized", "signature mismatch: " + in.signatureHeader()
                    + " must be sha256=HEX of HMAC-SHA256(secret, TIMESTAMP + '.' + BODY)");
        }
    }

    /** HMAC-SHA256 as lower-case hex. */
    public static String hmac(String secret, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static String excerpt(JsonNode payload) {
        String text = payload.toString();
        return text.length() <= EXCERPT ? text : text.substring(0, EXCERPT) + "…";
    }
}
