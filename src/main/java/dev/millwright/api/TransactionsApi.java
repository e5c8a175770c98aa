package dev.millwright.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.event.Json;
import dev.millwright.flow.FlowEngine;
import dev.millwright.store.DeliveryFilter;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.DeliveryView;
import dev.millwright.store.EventStore;
import dev.millwright.store.FlowStore;
import dev.millwright.store.StoredEvent;
import io.javalin.http.Context;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One business transaction (a lot, an NCR, a work order) as one timeline across systems: the events received under
 * its key (their subject), the flow instances for it with their steps, and the deliveries made for it (ordered by the
 * key, or made by its flow steps) with their state — "did the hold reach ERP?" in one request.
 */
final class TransactionsApi {
    private static final int LIMIT = 500;

    private final EventStore events;
    private final DeliveryStore deliveries;
    private final FlowEngine flows;

    TransactionsApi(EventStore events, DeliveryStore deliveries, FlowEngine flows) {
        this.events = events;
        this.deliveries = deliveries;
        this.flows = flows;
    }

    void get(Context ctx) {
        String key = ctx.pathParam("key");
        var plants = Caller.plants(ctx);
        List<Map<String, Object>> timeline = new ArrayList<>();
        List<StoredEvent> received = events.search(null, key, null, plants, 0, LIMIT);
        for (StoredEvent e : received) {
            JsonNode event = json(e.body());
            timeline.add(entry(e.receivedAt(), "event", Map.of("seq", e.seq(), "type", event.path("type").asText(),
                    "source", event.path("source").asText(), "id", event.path("id").asText())));
        }
        Map<Long, DeliveryView> made = new LinkedHashMap<>();
        deliveries.search(DeliveryFilter.of(null, null, key, null, null, plants), 0, LIMIT).forEach(d -> made.put(d.id(), d));
        List<Map<String, Object>> instances = new ArrayList<>();
        for (FlowStore.Instance i : flows.instances(null, null, key, plants, 0, 100)) {
            Map<String, Object> instance = new LinkedHashMap<>();
            instance.put("id", i.id());
            instance.put("flow", i.flow());
            instance.put("state", i.state());
            instance.put("step", i.position());
            instance.put("error", i.error());
            instance.put("escalation", i.escalation());
            instances.add(instance);
            for (FlowStore.TimelineRow t : flows.timeline(i.id())) {
                Map<String, Object> step = new LinkedHashMap<>();
                step.put("instance", i.id());
                step.put("flow", i.flow());
                step.putAll(FlowsApi.step(t));
                step.remove("startedAt");
                timeline.add(entry(t.startedAt(), "flow-step", step));
                if (t.deliveryId() != null && !made.containsKey(t.deliveryId())) {
                    deliveries.byId(t.deliveryId()).filter(d -> plants.allows(d.plant())).ifPresent(d -> made.put(d.id(), d));
                }
            }
        }
        for (DeliveryView d : made.values()) {
            Map<String, Object> delivery = new LinkedHashMap<>();
            delivery.put("id", d.id());
            delivery.put("system", d.target());
            delivery.put("operation", d.operation());
            delivery.put("subscription", d.subscription());
            delivery.put("eventType", d.eventType());
            delivery.put("state", d.state().name());
            delivery.put("attempts", d.attempts());
            if (d.lastStatus() != null) delivery.put("lastStatus", d.lastStatus());
            if (d.lastError() != null) delivery.put("lastError", excerpt(d.lastError()));
            if (d.deliveredAt() != null) delivery.put("deliveredAt", d.deliveredAt().toString());
            timeline.add(entry(d.createdAt(), "delivery", delivery));
        }
        if (timeline.isEmpty()) throw ApiException.notFound("nothing is known under the key '" + key + "' (event subject, flow key or ordering key)");
        timeline.sort(Comparator.comparing(m -> (String) m.get("at")));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("key", key);
        out.put("flows", instances);
        out.put("timeline", timeline);
        out.put("truncated", received.size() == LIMIT || made.size() >= LIMIT);
        JsonBody.send(ctx, 200, out);
    }

    private static Map<String, Object> entry(Instant at, String what, Map<String, Object> details) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("at", at.toString());
        e.put("what", what);
        e.putAll(details);
        return e;
    }

    private static String excerpt(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "…";
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            return Json.MAPPER.createObjectNode();
        }
    }
}
