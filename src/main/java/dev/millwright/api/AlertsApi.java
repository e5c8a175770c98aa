package dev.millwright.api;

import dev.millwright.store.AlertStore;
import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Alerts on business state: firing and resolved ones of the caller's plants, and acknowledging one (audited). */
final class AlertsApi {
    private final AlertStore alerts;
    private final java.util.Set<String> rules;

    AlertsApi(AlertStore alerts, java.util.Set<String> rules) {
        this.alerts = alerts;
        this.rules = rules;
    }

    void list(Context ctx) {
        Params p = new Params(ctx);
        String state = p.parsed("state", s -> {
            if (!s.equals("firing") && !s.equals("resolved")) throw new IllegalArgumentException("must be firing or resolved");
            return s;
        });
        String rule = p.text("rule");
        long after = p.longValue("after", 0, 0, Long.MAX_VALUE);
        int limit = (int) p.longValue("limit", 100, 1, 1000);
        p.check();
        List<AlertStore.Alert> page = alerts.list(state, rule, Caller.plants(ctx), after, limit);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", page.stream().map(AlertStore.Alert::view).toList());
        out.put("next", page.size() == limit ? page.getLast().id() : null);
        JsonBody.send(ctx, 200, out);
    }

    void get(Context ctx) {
        JsonBody.send(ctx, 200, visible(ctx).view());
    }

    void acknowledge(Context ctx) {
        AlertStore.Alert a = visible(ctx);
        AlertStore.Alert done = alerts.acknowledge(a.id(), Caller.actor(ctx)).orElseThrow(() -> new ApiException(Problem.of(409,
                "Already acknowledged", "alert " + a.id() + " was acknowledged by " + a.acknowledgedBy() + " at " + a.acknowledgedAt())));
        JsonBody.send(ctx, 200, done.view());
    }

    void silences(Context ctx) {
        JsonBody.send(ctx, 200, Map.of("items", alerts.silences().stream().map(AlertStore.Silence::view).toList()));
    }

    /** POST /api/v1/alert-silences {rule, key?, until | for, reason}: notifications held back until then (audited). */
    void silence(Context ctx) {
        com.fasterxml.jackson.databind.JsonNode body = JsonBody.read(ctx, java.util.Set.of("rule", "key", "until", "for", "reason"));
        List<dev.millwright.ingest.Violation> errors = new java.util.ArrayList<>();
        String rule = JsonBody.text(body, "rule", errors, true), key = JsonBody.text(body, "key", errors, false),
                reason = JsonBody.text(body, "reason", errors, true);
        if (rule != null && !rules.contains(rule)) errors.add(new dev.millwright.ingest.Violation("/rule", "no alert rule '" + rule + "'; rules: "
                + String.join(", ", rules)));
        java.time.Instant until = null;
        String untilText = JsonBody.text(body, "until", errors, false), forText = JsonBody.text(body, "for", errors, false);
        if ((untilText == null) == (forText == null)) {
            errors.add(new dev.millwright.ingest.Violation("/until", "give until (an RFC 3339 time) or for (a duration such as 2h), one of them"));
        } else if (untilText != null) {
            try {
                until = java.time.OffsetDateTime.parse(untilText).toInstant();
            } catch (java.time.format.DateTimeParseException e) {
                errors.add(new dev.millwright.ingest.Violation("/until", "'" + untilText + "' is not an RFC 3339 timestamp"));
            }
        } else {
            java.time.Duration d = dev.millwright.config.spec.Durations.parse(forText);
            if (d == null || d.isZero() || d.isNegative()) errors.add(new dev.millwright.ingest.Violation("/for", "'" + forText + "' is not a duration (30m, 2h, 1d)"));
            else until = java.time.Instant.now().plus(d);
        }
        if (until != null && !until.isAfter(java.time.Instant.now())) errors.add(new dev.millwright.ingest.Violation("/until", "lies in the past"));
        if (!errors.isEmpty()) throw new ApiException(new Problem(400, "Invalid silence", null, errors));
        JsonBody.send(ctx, 201, alerts.silence(rule, key, until, reason, Caller.actor(ctx)).view());
    }

    void lift(Context ctx) {
        long id = Params.pathId(ctx, "silence");
        JsonBody.send(ctx, 200, alerts.lift(id, Caller.actor(ctx)).orElseThrow(() -> ApiException.notFound("no active silence " + id)).view());
    }

    /** The alert, if it belongs to one of the caller's plants (else the same 404 as for none). */
    private AlertStore.Alert visible(Context ctx) {
        long id = Params.pathId(ctx, "alert");
        AlertStore.Alert a = alerts.get(id).orElseThrow(() -> ApiException.notFound("no alert " + id));
        Caller.requirePlant(ctx, a.plant(), "no alert " + id);
        return a;
    }
}
