package dev.millwright.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.event.Json;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The failure orders a simulator is under (POST /_admin): how slow it is, what share of calls fail, a burst of 429s,
 * an API limit per second, payloads it rejects, answers it breaks off. Each request asks {@link #decide} what to do.
 */
public final class Faults {
    /** What to do with one request: wait {@code delay} ms, then break off, answer with an error, or serve it (answer null). */
    public record Decision(long delay, boolean drop, Integer answer, String code, String message) {
        static final Decision SERVE = new Decision(0, false, null, null, null);
    }

    private long slowMs;
    private double errorRate;
    private int burst429;
    private int dropNext;
    private int apiLimit;
    private String rejectPath;
    private String rejectBody;
    private int rejectStatus = 400;
    private String rejectMessage;
    private final Deque<Long> recent = new ArrayDeque<>();

    /** Applies a failure order; fields it does not name stay as they are. @return a problem, or null */
    public synchronized String apply(JsonNode order) {
        var unknown = new java.util.ArrayList<String>();
        order.fieldNames().forEachRemaining(f -> {
            if (!java.util.Set.of("downFor", "slowMs", "errorRate", "burst429", "dropNext", "apiLimit", "reject").contains(f)) unknown.add(f);
        });
        if (!unknown.isEmpty()) return "unknown failure orders " + unknown + "; known: downFor, slowMs, errorRate, burst429, dropNext, apiLimit, reject";
        if (order.has("slowMs")) slowMs = Math.max(0, order.get("slowMs").asLong());
        if (order.has("errorRate")) {
            double r = order.get("errorRate").asDouble(-1);
            if (r < 0 || r > 1) return "errorRate must be between 0 and 1";
            errorRate = r;
        }
        if (order.has("burst429")) burst429 = Math.max(0, order.get("burst429").asInt());
        if (order.has("dropNext")) dropNext = Math.max(0, order.get("dropNext").asInt());
        if (order.has("apiLimit")) apiLimit = Math.max(0, order.get("apiLimit").asInt());
        if (order.has("reject")) {
            JsonNode r = order.get("reject");
            if (r.isNull()) {
                rejectPath = rejectBody = rejectMessage = null;
            } else {
                if (!r.hasNonNull("pathContains") && !r.hasNonNull("bodyContains")) return "reject needs pathContains or bodyContains";
                rejectPath = r.path("pathContains").asText(null);
                rejectBody = r.path("bodyContains").asText(null);
                rejectStatus = r.path("status").asInt(400);
                rejectMessage = r.path("message").asText("rejected by the simulator's failure order");
            }
        }
        return null;
    }

    /** What the system always does, kept when failure orders are cleared (e.g. the ERP's API limit). */
    private int baselineApiLimit;

    /** Sets the system's own API limit (calls per second above which it answers 429), which DELETE /_admin keeps. */
    public synchronized void baselineApiLimit(int perSecond) {
        baselineApiLimit = apiLimit = perSecond;
    }

    public synchronized void clear() {
        slowMs = 0;
        errorRate = 0;
        burst429 = dropNext = 0;
        apiLimit = baselineApiLimit;
        rejectPath = rejectBody = rejectMessage = null;
    }

    public synchronized ObjectNode describe() {
        ObjectNode o = Json.MAPPER.createObjectNode().put("slowMs", slowMs).put("errorRate", errorRate).put("burst429", burst429)
                .put("dropNext", dropNext).put("apiLimit", apiLimit);
        if (rejectMessage != null) {
            o.putObject("reject").put("pathContains", rejectPath).put("bodyContains", rejectBody).put("status", rejectStatus)
                    .put("message", rejectMessage);
        }
        return o;
    }

    synchronized Decision decide(String path, String body) {
        if (dropNext > 0) {
            dropNext--;
            return new Decision(slowMs, true, null, null, null);
        }
        if (burst429 > 0) {
            burst429--;
            return new Decision(slowMs, false, 429, "rate-limit", "too many requests: try again after 1 s");
        }
        if (apiLimit > 0) {
            long now = System.nanoTime();
            while (!recent.isEmpty() && now - recent.peekFirst() > 1_000_000_000L) recent.pollFirst();
            if (recent.size() >= apiLimit) {
                return new Decision(0, false, 429, "rate-limit", "API limit of " + apiLimit + " requests per second exceeded");
            }
            recent.addLast(now);
        }
        if ((rejectPath != null || rejectBody != null) && (rejectPath == null || path.contains(rejectPath))
                && (rejectBody == null || body.contains(rejectBody))) {
            return new Decision(slowMs, false, rejectStatus, "rejected", rejectMessage);
        }
        if (errorRate > 0 && ThreadLocalRandom.current().nextDouble() < errorRate) {
            return new Decision(slowMs, false, 500, "internal", "internal server error (the simulator's error rate)");
        }
        return slowMs == 0 ? Decision.SERVE : new Decision(slowMs, false, null, null, null);
    }
}
