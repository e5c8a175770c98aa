package dev.millwright.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.millwright.event.Json;
import io.javalin.http.Context;

/** JSON responses, written with the hub's one ObjectMapper. */
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
}
