package dev.millwright.api;

import dev.millwright.operations.Transactions;
import dev.millwright.store.DeliveryView;
import io.javalin.http.Context;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** GET /api/v1/transactions/{key}: one business transaction as one timeline ({@link Transactions}). */
final class TransactionsApi {
    private final Transactions transactions;

    TransactionsApi(Transactions transactions) {
        this.transactions = transactions;
    }

    void get(Context ctx) {
        String key = ctx.pathParam("key");
        Transactions.Timeline t = transactions.find(key, Caller.plants(ctx)).orElseThrow(() -> ApiException.notFound(
                "nothing is known under the key '" + key + "' (event subject, flow key, ordering key, or a business key a flow instance holds)"));
        List<Map<String, Object>> timeline = new ArrayList<>();
        for (Transactions.Item item : t.items()) {
            switch (item) {
                case Transactions.Received e -> timeline.add(entry(e.at(), "event", Map.of("seq", e.seq(), "type", e.type(), "source", e.source(),
                        "id", e.id())));
                case Transactions.Step s -> {
                    Map<String, Object> step = new LinkedHashMap<>();
                    step.put("instance", s.instance().id());
                    step.put("flow", s.instance().flow());
                    step.putAll(FlowsApi.step(s.row()));
                    step.remove("startedAt");
                    timeline.add(entry(s.at(), "flow-step", step));
                }
                case Transactions.Delivery x -> timeline.add(entry(x.at(), "delivery", delivery(x.delivery())));
                case Transactions.Acted a -> timeline.add(entry(a.at(), "action", Map.of("actor", a.actor(), "action", a.action(), "on", a.object())));
            }
        }
        List<Map<String, Object>> instances = new ArrayList<>();
        for (var i : t.flows()) {
            Map<String, Object> instance = new LinkedHashMap<>();
            instance.put("id", i.id());
            instance.put("flow", i.flow());
            instance.put("state", i.state());
            instance.put("step", i.position());
            instance.put("error", i.error());
            instance.put("escalation", i.escalation());
            instances.add(instance);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("key", t.key());
        if (!t.key().equals(key)) out.put("foundThrough", key);
        out.put("flows", instances);
        out.put("timeline", timeline);
        out.put("alerts", t.alerts());
        out.put("truncated", t.truncated());
        JsonBody.send(ctx, 200, out);
    }

    private static Map<String, Object> delivery(DeliveryView d) {
        Map<String, Object> delivery = new LinkedHashMap<>();
        delivery.put("id", d.id());
        delivery.put("system", d.target());
        delivery.put("operation", d.operation());
        delivery.put("subscription", d.subscription());
        delivery.put("eventType", d.eventType());
        delivery.put("state", d.state().name());
        delivery.put("attempts", d.attempts());
        if (d.lastStatus() != null) delivery.put("lastStatus", d.lastStatus());
        if (d.lastError() != null) delivery.put("lastError", d.lastError().length() <= 300 ? d.lastError() : d.lastError().substring(0, 300) + "…");
        if (d.deliveredAt() != null) delivery.put("deliveredAt", d.deliveredAt().toString());
        return delivery;
    }

    private static Map<String, Object> entry(Instant at, String what, Map<String, Object> details) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("at", at.toString());
        e.put("what", what);
        e.putAll(details);
        return e;
    }
}
