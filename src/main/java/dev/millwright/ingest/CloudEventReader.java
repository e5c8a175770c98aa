package dev.millwright.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.event.CloudEvent;
import dev.millwright.event.Json;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads CloudEvents 1.0 from an HTTP request in structured, batch or binary mode and checks every
 * event against the spec, collecting every violation rather than stopping at the first.
 */
public final class CloudEventReader {
    public static final String STRUCTURED = "application/cloudevents+json";
    public static final String BATCH = "application/cloudevents-batch+json";
    private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[a-z0-9]{1,20}");
    private static final int MAX_ATTRIBUTE_LENGTH = 1024;
    private static final List<String> REQUIRED = List.of("specversion", "id", "source", "type");

    /** Reads one value from a parser positioned inside a larger document; trailing tokens are checked by the caller. */
    private static final com.fasterxml.jackson.databind.ObjectReader ELEMENT_READER =
            Json.MAPPER.reader().without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final int maxBatchEvents;

    public CloudEventReader(int maxBatchEvents) {
        this.maxBatchEvents = maxBatchEvents;
    }

    /**
     * @param contentType the request's Content-Type (may be null)
     * @param headers     request headers, names lower-case
     */
    public List<CloudEvent> read(String contentType, Map<String, String> headers, byte[] body) {
        String mediaType = mediaType(contentType);
        if (mediaType.equals(STRUCTURED)) {
            List<RawJson> values = parse(body, false);
            List<Violation> violations = new ArrayList<>();
            CloudEvent event = check(values.getFirst().node(), values.getFirst().text(), "", violations);
            throwIfAny(violations);
            return List.of(event);
        }
        if (mediaType.equals(BATCH)) {
            List<RawJson> values = parse(body, true);
            if (values.isEmpty()) {
                throw new RejectedInput(400, "Invalid CloudEvents batch", List.of(new Violation("", "the batch is empty")));
            }
            if (values.size() > maxBatchEvents) {
                throw new RejectedInput(413, "Batch too large", List.of(new Violation("",
                        "the batch has " + values.size() + " events; at most " + maxBatchEvents + " are allowed")));
            }
            List<Violation> violations = new ArrayList<>();
            List<CloudEvent> events = new ArrayList<>(values.size());
            for (int i = 0; i < values.size(); i++) {
                events.add(check(values.get(i).node(), values.get(i).text(), "/" + i, violations));
            }
            throwIfAny(violations);
            return events;
        }
        if (headers.containsKey("ce-specversion") || headers.keySet().stream().anyMatch(h -> h.startsWith("ce-"))) {
            return List.of(binary(contentType, mediaType, headers, body));
        }
        if (mediaType.isEmpty()) {
            throw new RejectedInput(415, "Unsupported content type", List.of(new Violation("content-type",
                    "no Content-Type: send " + STRUCTURED + ", " + BATCH + ", or binary mode with ce-* headers")));
        }
        throw new RejectedInput(415, "Unsupported content type", List.of(new Violation("content-type",
                "'" + mediaType + "' without ce-* headers is not a CloudEvent: send " + STRUCTURED + ", " + BATCH
                        + ", or binary mode with ce-specversion, ce-id, ce-source and ce-type headers")));
    }

    private CloudEvent binary(String contentType, String mediaType, Map<String, String> headers, byte[] body) {
        ObjectNode envelope = Json.MAPPER.createObjectNode();
        List<Violation> violations = new ArrayList<>();
        headers.forEach((name, value) -> {
            if (name.startsWith("ce-")) {
                String attr = name.substring(3);
                if (attr.equals("data") || attr.equals("data_base64") || attr.equals("datacontenttype")) {
                    violations.add(new Violation(name, "'" + attr + "' cannot be sent as a ce- header"));
                } else {
                    envelope.put(attr, percentDecode(value));
                }
            }
        });
        if (contentType != null && !contentType.isBlank()) envelope.put("datacontenttype", contentType);
        if (body.length > 0) {
            if (mediaType.equals("application/json") || mediaType.endsWith("+json")) {
                envelope.set("data", parse(body, false).getFirst().node());
            } else if (mediaType.startsWith("text/") || mediaType.equals("application/xml") || mediaType.endsWith("+xml")) {
                envelope.put("data", decodeUtf8(body, "body"));
            } else {
                envelope.put("data_base64", Base64.getEncoder().encodeToString(body));
            }
        }
        CloudEvent event = check(envelope, null, "", violations);
        // Binary mode has no JSON pointers: name the header instead.
        List<Violation> named = violations.stream()
                .map(v -> v.pointer().startsWith("/") ? new Violation("ce-" + v.pointer().substring(1), v.detail()) : v)
                .toList();
        throwIfAny(named);
        return event;
    }

    private static void throwIfAny(List<Violation> violations) {
        if (!violations.isEmpty()) {
            throw new RejectedInput(400, "Invalid CloudEvent", violations);
        }
    }

    public static String mediaType(String contentType) {
        if (contentType == null) return "";
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    /** A JSON value and the exact text it was sent as. */
    private record RawJson(JsonNode node, String text) {
    }

    /**
     * Parses one JSON value, or (when {@code array}) the elements of one JSON array, keeping each
     * element's original text so the log stores what was sent.
     */
    private static List<RawJson> parse(byte[] body, boolean array) {
        if (body.length == 0) {
            throw new RejectedInput(400, "Malformed JSON", List.of(new Violation("", "the body is empty")));
        }
        try (JsonParser p = Json.MAPPER.createParser(body)) {
            List<RawJson> out = new ArrayList<>();
            JsonToken first = p.nextToken();
            if (array && first != JsonToken.START_ARRAY) {
                throw new RejectedInput(400, "Invalid CloudEvents batch", List.of(new Violation("", "a batch must be a JSON array of events")));
            }
            if (!array) {
                out.add(element(p, body));
            } else {
                while (p.nextToken() != JsonToken.END_ARRAY) out.add(element(p, body));
            }
            if (p.nextToken() != null) {
                var loc = p.currentTokenLocation();
                throw new RejectedInput(400, "Malformed JSON", List.of(new Violation("",
                        "Trailing token after the JSON value at line " + loc.getLineNr() + ", column " + loc.getColumnNr())));
            }
            return out;
        } catch (StreamConstraintsException e) {
            throw new RejectedInput(400, "JSON nested too deeply", List.of(new Violation("",
                    "the JSON nests deeper than " + Json.MAX_NESTING_DEPTH + " levels")));
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            String message = e.getOriginalMessage();
            String title = message != null && message.contains("UTF-8") ? "Invalid UTF-8" : "Malformed JSON";
            throw new RejectedInput(400, title, List.of(new Violation("", message + where)));
        } catch (IOException e) {
            throw new RejectedInput(400, "Malformed JSON", List.of(new Violation("", "the body cannot be read as JSON")));
        }
    }

    private static RawJson element(JsonParser p, byte[] body) throws IOException {
        int start = (int) p.currentTokenLocation().getByteOffset();
        JsonNode node = ELEMENT_READER.readTree(p);
        if (node == null) throw new com.fasterxml.jackson.core.JsonParseException(p, "Unexpected end-of-input");
        int end = (int) p.currentLocation().getByteOffset();
        return new RawJson(node, new String(body, start, end - start, StandardCharsets.UTF_8));
    }

    private static String decodeUtf8(byte[] bytes, String where) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            int offset = firstInvalidUtf8(bytes);
            throw new RejectedInput(400, "Invalid UTF-8", List.of(new Violation("",
                    "the " + where + " is not valid UTF-8 (first bad byte at offset " + offset + ")")));
        }
    }

    private static int firstInvalidUtf8(byte[] bytes) {
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        var out = java.nio.CharBuffer.allocate(bytes.length + 1);
        var result = decoder.decode(in, out, true);
        return result.isError() ? in.position() : -1;
    }

    private static String percentDecode(String headerValue) {
        // CloudEvents HTTP binding: header values are percent-encoded UTF-8.
        if (headerValue.indexOf('%') < 0) return headerValue;
        try {
            return java.net.URLDecoder.decode(headerValue.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return headerValue;
        }
    }

    /** Checks one event; adds a violation per problem and returns the event (null if unusable). */
    public CloudEvent check(JsonNode node, String text, String at, List<Violation> violations) {
        if (node == null || !node.isObject()) {
            violations.add(new Violation(at, "an event must be a JSON object, not " + kind(node)));
            return null;
        }
        ObjectNode event = (ObjectNode) node;
        int before = violations.size();
        for (String name : REQUIRED) {
            JsonNode v = event.get(name);
            if (v == null || v.isNull()) {
                violations.add(new Violation(at + "/" + name, "required attribute '" + name + "' is missing"));
            } else if (!v.isTextual()) {
                violations.add(new Violation(at + "/" + name, "'" + name + "' must be a string, not " + kind(v)));
            } else if (v.asText().isEmpty()) {
                violations.add(new Violation(at + "/" + name, "'" + name + "' must not be empty"));
            } else if (v.asText().length() > MAX_ATTRIBUTE_LENGTH) {
                violations.add(new Violation(at + "/" + name, "'" + name + "' is longer than " + MAX_ATTRIBUTE_LENGTH + " characters"));
            } else if (v.asText().indexOf('\u0000') >= 0) {
                violations.add(new Violation(at + "/" + name, "'" + name + "' contains a NUL character"));
            }
        }
        JsonNode specversion = event.get("specversion");
        if (specversion != null && specversion.isTextual() && !specversion.asText().isEmpty() && !specversion.asText().equals("1.0")) {
            violations.add(new Violation(at + "/specversion", "specversion '" + specversion.asText() + "' is not supported; use '1.0'"));
        }
        JsonNode source = event.get("source");
        if (source != null && source.isTextual() && !source.asText().isEmpty() && !isUriReference(source.asText())) {
            violations.add(new Violation(at + "/source", "'source' must be a URI-reference"));
        }
        OffsetDateTime time = null;
        Iterator<Map.Entry<String, JsonNode>> fields = event.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            String ptr = at + "/" + name;
            switch (name) {
                case "specversion", "id", "source", "type" -> { }
                case "data" -> {
                    if (event.has("data_base64")) violations.add(new Violation(ptr, "an event cannot carry both 'data' and 'data_base64'"));
                }
                case "data_base64" -> {
                    if (!v.isTextual()) violations.add(new Violation(ptr, "'data_base64' must be a string, not " + kind(v)));
                    else if (!isBase64(v.asText())) violations.add(new Violation(ptr, "'data_base64' is not valid base64"));
                }
                case "time" -> {
                    if (!v.isTextual()) {
                        violations.add(new Violation(ptr, "'time' must be an RFC 3339 timestamp string, not " + kind(v)));
                    } else {
                        try {
                            time = parseTime(v.asText());
                        } catch (DateTimeParseException e) {
                            violations.add(new Violation(ptr, "'time' is not an RFC 3339 timestamp: '" + v.asText() + "'"));
                        }
                    }
                }
                case "subject", "datacontenttype" -> {
                    if (!v.isTextual()) violations.add(new Violation(ptr, "'" + name + "' must be a string, not " + kind(v)));
                    else if (v.asText().isEmpty()) violations.add(new Violation(ptr, "'" + name + "' must not be empty"));
                    else if (v.asText().length() > MAX_ATTRIBUTE_LENGTH) violations.add(new Violation(ptr, "'" + name + "' is longer than " + MAX_ATTRIBUTE_LENGTH + " characters"));
                    else if (v.asText().indexOf('\u0000') >= 0) violations.add(new Violation(ptr, "'" + name + "' contains a NUL character"));
                }
                case "dataschema" -> {
                    if (!v.isTextual()) violations.add(new Violation(ptr, "'dataschema' must be a URI string, not " + kind(v)));
                    else if (!isAbsoluteUri(v.asText())) violations.add(new Violation(ptr, "'dataschema' must be an absolute URI"));
                }
                default -> {
                    if (!ATTRIBUTE_NAME.matcher(name).matches()) {
                        violations.add(new Violation(ptr, "extension attribute names use only a-z and 0-9, at most 20 characters: '" + name + "'"));
                    } else if (!(v.isTextual() || v.isBoolean() || v.isIntegralNumber() || v.isNull())) {
                        violations.add(new Violation(ptr, "extension attribute '" + name + "' must be a string, integer or boolean, not " + kind(v)));
                    } else if (v.isTextual() && v.asText().length() > MAX_ATTRIBUTE_LENGTH) {
                        violations.add(new Violation(ptr, "'" + name + "' is longer than " + MAX_ATTRIBUTE_LENGTH + " characters"));
                    } else if (v.isTextual() && v.asText().indexOf('\u0000') >= 0) {
                        // a NUL cannot be stored in a text column (the plant is kept beside the body)
                        violations.add(new Violation(ptr, "'" + name + "' contains a NUL character"));
                    }
                }
            }
        }
        if (violations.size() > before) return null;
        JsonNode subject = event.get("subject");
        return new CloudEvent(event.get("id").asText(), event.get("source").asText(), event.get("type").asText(),
                subject == null || subject.isNull() ? null : subject.asText(), time, event,
                text != null ? text : event.toString());
    }

    /** Sources that passed the URI check: a plant has few producers and each sends its source with every event. */
    private static final Map<String, Boolean> VALID_SOURCES = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_REMEMBERED_SOURCES = 10_000;

    private static boolean isUriReference(String s) {
        if (VALID_SOURCES.containsKey(s)) return true;
        try {
            new URI(s);
        } catch (URISyntaxException e) {
            return false;
        }
        if (VALID_SOURCES.size() < MAX_REMEMBERED_SOURCES) VALID_SOURCES.put(s, Boolean.TRUE);
        return true;
    }

    /**
     * RFC 3339 time. The common shape (yyyy-MM-ddTHH:mm:ss, optional fraction, Z or ±HH:mm) is read by hand:
     * the general parser took a tenth of intake's CPU. Anything else, or out-of-range fields, goes to the general
     * parser, so what is accepted and the errors given are the same.
     */
    static OffsetDateTime parseTime(String s) {
        int n = s.length();
        if (n >= 20 && s.charAt(4) == '-' && s.charAt(7) == '-' && (s.charAt(10) == 'T' || s.charAt(10) == 't')
                && s.charAt(13) == ':' && s.charAt(16) == ':') {
            int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
            int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
            int i = 19, nanos = 0;
            if (i < n && s.charAt(i) == '.') {
                int start = ++i;
                while (i < n && i - start < 9 && Character.isDigit(s.charAt(i))) nanos = nanos * 10 + (s.charAt(i++) - '0');
                int read = i - start;
                if (read == 0 || (i < n && Character.isDigit(s.charAt(i)))) return OffsetDateTime.parse(s);
                for (int k = read; k < 9; k++) nanos *= 10;
            }
            java.time.ZoneOffset offset = null;
            if (i == n - 1 && (s.charAt(i) == 'Z' || s.charAt(i) == 'z')) {
                offset = java.time.ZoneOffset.UTC;
            } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.charAt(i + 3) == ':') {
                int oh = digits(s, i + 1, 2), om = digits(s, i + 4, 2);
                if (oh >= 0 && om >= 0 && oh <= 18 && om <= 59) {
                    int total = oh * 3600 + om * 60;
                    offset = java.time.ZoneOffset.ofTotalSeconds(s.charAt(i) == '-' ? -total : total);
                }
            }
            if (offset != null && year >= 0 && month >= 0 && day >= 0 && hour >= 0 && minute >= 0 && second >= 0) {
                try {
                    return OffsetDateTime.of(year, month, day, hour, minute, second, nanos, offset);
                } catch (java.time.DateTimeException outOfRange) {
                    // the general parser says what is wrong
                }
            }
        }
        return OffsetDateTime.parse(s);
    }

    /** The decimal number in s[from, from+len), or -1 when any of it is not an ASCII digit. */
    private static int digits(String s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static boolean isAbsoluteUri(String s) {
        try {
            return new URI(s).isAbsolute();
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static boolean isBase64(String s) {
        try {
            Base64.getDecoder().decode(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String kind(JsonNode v) {
        if (v == null || v.isMissingNode()) return "nothing";
        if (v instanceof ArrayNode) return "an array";
        if (v.isObject()) return "an object";
        if (v.isNull()) return "null";
        if (v.isBoolean()) return "a boolean";
        if (v.isNumber()) return "a number";
        return "a string";
    }
}
