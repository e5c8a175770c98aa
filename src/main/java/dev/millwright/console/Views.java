package dev.millwright.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.event.Json;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Formatting the templates share: times, ages, JSON, excerpts, URL parts. */
public final class Views {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private Views() {
    }

    public static String time(Instant t) {
        return t == null ? "–" : TIME.format(t);
    }

    /** "4 s", "12 min", "3 h 5 min", "2 d 4 h". */
    public static String age(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) return s + " s";
        if (s < 3600) return s / 60 + " min";
        if (s < 86_400) return s / 3600 + " h " + (s % 3600) / 60 + " min";
        return s / 86_400 + " d " + (s % 86_400) / 3600 + " h";
    }

    public static String between(Instant from, Instant to) {
        return from == null || to == null ? "" : Duration.between(from, to).toMillis() + " ms";
    }

    /** JSON indented for reading; text that is not JSON as it is. */
    public static String pretty(String json) {
        if (json == null) return "";
        try {
            JsonNode n = Json.MAPPER.readTree(json);
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (IOException e) {
            return json;
        }
    }

    public static String excerpt(String text, int max) {
        if (text == null) return "";
        return text.length() <= max ? text : text.substring(0, max) + "…";
    }

    public static String url(String part) {
        return part == null ? "" : URLEncoder.encode(part, StandardCharsets.UTF_8);
    }

    /** A CSS class for a state, from a fixed set: a state name never reaches the markup as a class name unchecked. */
    public static String tone(String state) {
        if (state == null) return "muted";
        return switch (state) {
            case "delivered", "completed", "resolved", "ok" -> "good";
            case "dead", "failed", "firing", "cancelled" -> "bad";
            case "pending", "in_flight", "running", "waiting", "compensating", "escalated" -> "busy";
            default -> "muted";
        };
    }
}
