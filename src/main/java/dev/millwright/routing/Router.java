package dev.millwright.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.config.Subscription;
import dev.millwright.event.CloudEvent;
import dev.millwright.store.NewDelivery;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Decides, for an event, which deliveries it creates: one per matching enabled subscription,
 * with its ordering key, lane and idempotency key. Pure and fast: it runs inside the ingest transaction.
 */
public final class Router {
    private final List<Subscription> subscriptions;
    private final int lanes;

    public Router(List<Subscription> subscriptions, int lanes) {
        this.subscriptions = subscriptions.stream().filter(Subscription::enabled).toList();
        this.lanes = lanes;
    }

    public List<NewDelivery> route(CloudEvent event, long seq) {
        List<NewDelivery> out = new ArrayList<>(2);
        for (Subscription s : subscriptions) {
            if (!s.matches(event.type())) continue;
            String key = orderingKey(event, s.orderBy());
            out.add(new NewDelivery(seq, s.name(), s.system(), s.path(), s.operation(), lane(s.system(), key, event), key,
                    idempotencyKey(s.name(), event.source(), event.id(), 0), 0));
        }
        return out;
    }

    /** Whether some subscription takes events of this type (only those are queued for routing). */
    public boolean takesAny(String type) {
        for (Subscription s : subscriptions) {
            if (s.matches(type)) return true;
        }
        return false;
    }

    public List<Subscription> subscriptions() {
        return subscriptions;
    }

    public Subscription subscription(String name) {
        return subscriptions.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * The Idempotency-Key a target sees: stable for a (subscription, event) across retries, nodes and
     * restarts. A replay asked to use new keys passes its replay id to get a different one.
     */
    public static String idempotencyKey(String subscription, String source, String id, long replayId) {
        String name = subscription + '\n' + source + '\n' + id + (replayId == 0 ? "" : "\nreplay-" + replayId);
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** The value of the subscription's orderBy for this event, or null when unordered or absent. */
    public static String orderingKey(CloudEvent event, String orderBy) {
        if (orderBy == null) return null;
        if (!orderBy.startsWith("data.")) return event.attribute(orderBy);
        JsonNode node = event.data();
        for (String part : orderBy.substring(5).split("\\.")) {
            if (node == null || !node.isObject()) return null;
            node = node.get(part);
        }
        return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
    }

    /** Same key, same lane (so order holds); no key spreads by event id. String.hashCode is fixed by the JLS. */
    public int lane(String target, String key, CloudEvent event) {
        String basis = key != null ? target + '\n' + key : event.source() + '\n' + event.id();
        return Math.floorMod(basis.hashCode() * 0x9E3779B1, lanes);
    }

    public int lanes() {
        return lanes;
    }
}
