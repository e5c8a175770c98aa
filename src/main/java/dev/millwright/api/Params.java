package dev.millwright.api;

import dev.millwright.ingest.Violation;
import io.javalin.http.Context;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Query-parameter reading that collects every bad parameter before answering 400. */
final class Params {
    private final Context ctx;
    private final List<Violation> errors = new ArrayList<>();

    Params(Context ctx) {
        this.ctx = ctx;
    }

    String text(String name) {
        String v = ctx.queryParam(name);
        return v == null || v.isBlank() ? null : v;
    }

    long longValue(String name, long fallback, long min, long max) {
        String v = text(name);
        if (v == null) return fallback;
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) errors.add(new Violation(name, "must be between " + min + " and " + max));
            return n;
        } catch (NumberFormatException e) {
            errors.add(new Violation(name, "'" + v + "' is not a whole number"));
            return fallback;
        }
    }

    Instant instant(String name) {
        String v = text(name);
        if (v == null) return null;
        try {
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException e) {
            errors.add(new Violation(name, "'" + v + "' is not an RFC 3339 timestamp"));
            return null;
        }
    }

    <T> T parsed(String name, Function<String, T> parser) {
        String v = text(name);
        if (v == null) return null;
        try {
            return parser.apply(v);
        } catch (IllegalArgumentException e) {
            errors.add(new Violation(name, e.getMessage()));
            return null;
        }
    }

    /** Throws a 400 naming every bad parameter, if any. */
    void check() {
        if (!errors.isEmpty()) throw new ApiException(new Problem(400, "Invalid parameters", null, errors));
    }

    /** The {id} path parameter as a number; 400 naming {@code what} otherwise. */
    static long pathId(io.javalin.http.Context ctx, String what) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(what + " id '" + ctx.pathParam("id") + "' is not a number");
        }
    }
}
