package dev.millwright.inbound.http;

import dev.millwright.config.SystemConfig;
import dev.millwright.inbound.Inbox;
import dev.millwright.inbound.PayloadFormat;
import dev.millwright.event.CloudEvent;
import dev.millwright.ingest.CloudEventReader;
import dev.millwright.ingest.RejectedInput;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
    private final Map<String, SystemConfig> systems;
    private final Inbox inbox;
    private final Clock clock;

    public WebhookReceiver(Map<String, SystemConfig> systems, Inbox inbox, Clock clock) {
        this.systems = systems;
        this.inbox = inbox;
        this.clock = clock;
    }

    /** @param headers request headers, names lower-case */
    public List<CloudEvent> receive(String system, String contentType, Map<String, String> headers, byte[] body) {
        SystemConfig config = systems.get(system);
        if (config == null || config.inbound().channel(InboundHttp.class) == null) {
            throw new RejectedInput(404, "Unknown inbound system", "no system '" + system + "' accepts inbound payloads");
        }
        InboundHttp in = config.inbound().channel(InboundHttp.class);
        authenticate(in, headers, body);
        String media = CloudEventReader.mediaType(contentType);
        PayloadFormat format = PayloadFormat.ofMediaType(media);
        if (format == null) {
            throw new RejectedInput(415, "Unsupported content type", "inbound payloads are JSON (application/json), XML "
                    + "(application/xml, text/xml) or CSV with a header row (text/csv); got '" + media + "'");
        }
        return inbox.map(system, new Inbox.Route(in.mapping(), in.source()), format.parse(body), Map.of());
    }

    private void authenticate(InboundHttp in, Map<String, String> headers, byte[] body) {
        if (in.authType().equals("token")) {
            String given = headers.getOrDefault("authorization", "");
            String expected = "Bearer " + in.token().value();
            if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8))) {
                throw new RejectedInput(401, "Unauthorized", "the system's bearer token is missing or wrong");
            }
            return;
        }
        String signature = headers.get(in.signatureHeader().toLowerCase(java.util.Locale.ROOT));
        String timestamp = in.signsTimestamp() ? headers.get(in.timestampHeader().toLowerCase(java.util.Locale.ROOT)) : null;
        if (signature == null || (in.signsTimestamp() && timestamp == null)) {
            throw new RejectedInput(401, "Unauthorized", "send the " + in.signatureHeader()
                    + (in.signsTimestamp() ? " and " + in.timestampHeader() + " headers" : " header"));
        }
        if (in.signsTimestamp()) {
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
        }
        byte[] expected = hmacBytes(in.secret().value(), in.signsTimestamp() ? (timestamp.trim() + ".").getBytes(StandardCharsets.UTF_8) : new byte[0], body);
        if (!MessageDigest.isEqual(expected, decode(in, signature.trim()))) {
            throw new RejectedInput(401, "Unauthorized", "signature mismatch: " + in.signatureHeader() + " must be " + in.prefix()
                    + (in.encoding().equals("hex") ? "HEX" : "BASE64") + " of HMAC-SHA256(secret, "
                    + (in.signsTimestamp() ? "TIMESTAMP + '.' + " : "") + "the body's bytes as sent)");
        }
    }

    /** The signature's bytes, or none (which never matches) when it lacks the prefix or is not valid hex or base64. */
    private static byte[] decode(InboundHttp in, String signature) {
        if (!signature.startsWith(in.prefix())) return new byte[0];
        String value = signature.substring(in.prefix().length());
        try {
            return in.encoding().equals("hex") ? HexFormat.of().parseHex(value.toLowerCase(java.util.Locale.ROOT)) : java.util.Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }

    /** HMAC-SHA256 of the prefix's and then the body's bytes, exactly as received (never re-encoded text). */
    public static byte[] hmacBytes(String secret, byte[] prefix, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(prefix);
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** HMAC-SHA256 of a text (UTF-8) as lower-case hex. */
    public static String hmac(String secret, String message) {
        return HexFormat.of().formatHex(hmacBytes(secret, new byte[0], message.getBytes(StandardCharsets.UTF_8)));
    }
}
