package dev.millwright.operations;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.event.Json;
import dev.millwright.flow.FlowEngine;
import dev.millwright.security.PlantScope;
import dev.millwright.store.AlertStore;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.DeliveryView;
import dev.millwright.store.EventStore;
import dev.millwright.store.FlowStore;
import dev.millwright.store.StoredEvent;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One business transaction (a lot, an NCR, a work order) as one timeline across systems: the events received under
 * its key (their subject), the flow instances for it with their steps, the deliveries made for it (of those events, or
 * by its flow steps) and the alerts raised on it — "did the hold reach ERP?" in one look. The API and the
 * console both show this.
 */
public final class Transactions {
    private static final int LIMIT = 500;

    /** One thing that happened to the transaction. */
    public sealed interface Item permits Received, Step, Delivery, Acted {
        Instant at();
    }

    public record Received(Instant at, long seq, String type, String source, String id, String plant) implements Item {
    }

    public record Step(Instant at, FlowStore.Instance instance, FlowStore.TimelineRow row) implements Item {
    }

    public record Delivery(Instant at, DeliveryView delivery) implements Item {
    }

    /**
     * A person's or client's action on one of the transaction's deliveries or flow instances (from the audit trail).
     * @param object what it acted on, as the entry says ("delivery 42", "flow review instance 7: signal 'ok'")
     */
    public record Acted(Instant at, String actor, String action, String object, String client) implements Item {
    }

    /**
     * @param searched  what was asked for
     * @param key       the key the timeline is under (a flow's correlation key when {@code searched} was another
     *                  business key its instance holds, such as the work order number an EAM answered with)
     * @param truncated more than one page of events or deliveries exist under the key
     */
    public record Timeline(String searched, String key, List<FlowStore.Instance> flows, List<Item> items, List<AlertStore.Alert> alerts,
                           boolean truncated) {
    }

    private final EventStore events;
    private final DeliveryStore deliveries;
    private final FlowEngine flows;
    private final AlertStore alerts;
    private final javax.sql.DataSource audit;

    public Transactions(EventStore events, DeliveryStore deliveries, FlowEngine flows, AlertStore alerts, javax.sql.DataSource audit) {
        this.audit = audit;
        this.events = events;
        this.deliveries = deliveries;
        this.flows = flows;
        this.alerts = alerts;
    }

    /**
     * The transaction under {@code key}: an event subject or a flow's correlation key; failing those, a
     * flow instance holding {@code key} as one of its variables' values (the EAM's work-order number, the ERP's document
     * number), whose correlation key then names the transaction.
     */
    public Optional<Timeline> find(String key, PlantScope plants) {
        Optional<Timeline> direct = under(key, key, plants);
        if (direct.isPresent()) return direct;
        return flows.holding(key, plants).flatMap(i -> under(key, i.key(), plants));
    }

    private Optional<Timeline> under(String searched, String key, PlantScope plants) {
        List<Item> items = new ArrayList<>();
        List<StoredEvent> received = events.search(null, key, null, plants, 0, LIMIT);
        for (StoredEvent e : received) {
            JsonNode event = json(e.body());
            items.add(new Received(e.receivedAt(), e.seq(), event.path("type").asText(), event.path("source").asText(), event.path("id").asText(),
                    e.plant()));
        }
        // The deliveries of those events (through their event: no index on ordering keys burdens the delivery path), and
        // below, those the flow steps made.
        Map<Long, DeliveryView> made = new LinkedHashMap<>();
        deliveries.forEvents(received.stream().mapToLong(StoredEvent::seq).toArray(), plants, LIMIT).forEach(d -> made.put(d.id(), d));
        List<FlowStore.Instance> instances = flows.instances(null, null, key, plants, 0, 100);
        for (FlowStore.Instance i : instances) {
            for (FlowStore.TimelineRow t : flows.timeline(i.id())) {
                items.add(new Step(t.startedAt(), i, t));
                if (t.deliveryId() != null && !made.containsKey(t.deliveryId())) {
                    deliveries.byId(t.deliveryId()).filter(d -> plants.allows(d.plant())).ifPresent(d -> made.put(d.id(), d));
                }
            }
        }
        for (DeliveryView d : made.values()) items.add(new Delivery(d.createdAt(), d));
        if (items.isEmpty()) return Optional.empty();
        // Who acted on them: retries, payload edits, signals, cancellations.
        List<String> objects = new ArrayList<>();
        made.keySet().forEach(id -> objects.add("delivery " + id));
        instances.forEach(i -> objects.add("flow " + i.flow() + " instance " + i.id()));
        for (var e : dev.millwright.store.Jdbc.withConnection(audit, c -> dev.millwright.store.AuditStore.about(c, objects, LIMIT))) {
            items.add(new Acted(e.at(), e.actor(), e.action(), json(e.detail()).path("subject").asText(), e.client()));
        }
        items.sort(Comparator.comparing(Item::at));
        return Optional.of(new Timeline(searched, key, instances, items, alerts.forKey(key, plants),
                received.size() == LIMIT || made.size() >= LIMIT));
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            return Json.MAPPER.createObjectNode();
        }
    }
}
