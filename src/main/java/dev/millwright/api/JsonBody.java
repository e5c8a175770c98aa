package dev.millwright.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.millwright.event.Json;
import io.javalin.http.Context;

/** JSON requests and responses, with the hub's one ObjectMapper. */
final class JsonBody {
    private JsonBody() {
    }

    static String write(Object value) {
        try {
            return Json.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a response", e);
        }
    }

    static void send(Context ctx, int status, Object value) {
        ctx.status(status).contentType("application/json").result(write(value));
    }

    private static final int MAX_BYTES = 64 * 1024;

    /** A JSON object request body of at most 64 KiB, any fields (NUL still refused). */
    static com.fasterxml.jackson.databind.JsonNode readAny(Context ctx) {
        return checked(parse(ctx));
    }

    private static com.fasterxml.jackson.databind.JsonNode parse(Context ctx) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new ApiException(Problem.of(415, "Unsupported content type", "send application/json"));
        }
        com.fasterxml.jackson.databind.JsonNode body;
        try {
            body = Json.MAPPER.readTree(BoundedBody.read(ctx, MAX_BYTES, size -> new ApiException(Problem.of(413, "Body too large",
                    "the body " + (size > 0 ? "is " + size + " bytes; " : "exceeds ") + "the limit is " + MAX_BYTES + " bytes"))));
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("the body is not valid JSON");
        }
        if (body == null || !body.isObject()) throw ApiException.badRequest("the body must be a JSON object");
        return body;
    }

    private static com.fasterxml.jackson.databind.JsonNode checked(com.fasterxml.jackson.databind.JsonNode body) {
        java.util.List<dev.millwright.ingest.Violation> nul = new java.util.ArrayList<>();
        findNul(body, "", nul);
        if (!nul.isEmpty()) throw new ApiException(new Problem(400, "Invalid request", null, nul));
        return body;
    }

    /** A JSON object request body of at most 64 KiB whose fields are all in {@code known}; 415/400 problems otherwise. */
    static com.fasterxml.jackson.databind.JsonNode read(Context ctx, java.util.Set<String> known) {
        com.fasterxml.jackson.databind.JsonNode body = parse(ctx);
        java.util.List<dev.millwright.ingest.Violation> unknown = new java.util.ArrayList<>();
        body.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                unknown.add(new dev.millwright.ingest.Violation("/" + f, "unknown field; known: " + String.join(", ", known.stream().sorted().toList())));
            }
        });
        if (!unknown.isEmpty()) throw new ApiException(new Problem(400, "Unknown fields", null, unknown));
        return checked(body);
    }

    /** A text field of a request body: null when absent; a violation when present but not a non-empty string, or required and absent. */
    static String text(com.fasterxml.jackson.databind.JsonNode body, String field, java.util.List<dev.millwright.ingest.Violation> errors,
                       boolean required) {
        com.fasterxml.jackson.databind.JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (required) errors.add(new dev.millwright.ingest.Violation("/" + field, "is required"));
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            errors.add(new dev.millwright.ingest.Violation("/" + field, "must be a non-empty string"));
            return null;
        }
        return v.asText();
    }

    /** A NUL cannot be stored in PostgreSQL text: refused wherever it stands in a request, naming each place. */
    private static void findNul(com.fasterxml.jackson.databind.JsonNode node, String at, java.util.List<dev.millwright.ingest.Violation> out) {
        if (out.size() >= 20) return;
        if (node.isTextual() && node.asText().indexOf('\u0000') >= 0) {
            out.add(new dev.millwright.ingest.Violation(at.isEmpty() ? "/" : at, "contains a NUL character"));
        } else if (node.isObject()) {
            node.properties().forEach(e -> {
                String key = e.getKey();
                if (key.indexOf('\u0000') >= 0) out.add(new dev.millwright.ingest.Violation(at + "/" + key.replace('\u0000', '?'), "the name contains a NUL character"));
                else findNul(e.getValue(), at + "/" + key.replace("~", "~0").replace("/", "~1"), out);
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) findNul(node.get(i), at + "/" + i, out);
        }
    }
}
