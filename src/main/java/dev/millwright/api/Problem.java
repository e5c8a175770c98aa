package dev.millwright.api;

import dev.millwright.ingest.Violation;
import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** RFC 9457 problem details; {@code errors} names every problem found. Never carries a stack trace. */
public record Problem(int status, String title, String detail, List<Violation> errors) {
    public static final String CONTENT_TYPE = "application/problem+json";

    public static Problem of(int status, String title, String detail) {
        return new Problem(status, title, detail, List.of());
    }

    public void send(Context ctx) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", title);
        body.put("status", status);
        if (detail != null) body.put("detail", detail);
        body.put("instance", ctx.path());
        if (!errors.isEmpty()) body.put("errors", errors);
        ctx.status(status).contentType(CONTENT_TYPE).result(JsonBody.write(body));
    }
}
