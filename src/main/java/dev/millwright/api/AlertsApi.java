package dev.millwright.api;

import dev.millwright.store.AlertStore;
import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Alerts on business state: firing and resolved ones of the caller's plants, and acknowledging one (audited). */
final class AlertsApi {
    private final AlertStore alerts;

    AlertsApi(AlertStore alerts) {
        this.alerts = alerts;
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

    /** The alert, if it belongs to one of the caller's plants (else the same 404 as for none). */
    private AlertStore.Alert visible(Context ctx) {
        long id = Params.pathId(ctx, "alert");
        AlertStore.Alert a = alerts.get(id).orElseThrow(() -> ApiException.notFound("no alert " + id));
        Caller.requirePlant(ctx, a.plant(), "no alert " + id);
        return a;
    }
}
