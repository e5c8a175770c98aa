package dev.millwright.operations;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.config.Subscription;
import dev.millwright.event.CloudEvent;
import dev.millwright.event.Json;
import dev.millwright.routing.Outbox;
import dev.millwright.routing.Router;
import dev.millwright.store.AuditStore;
import dev.millwright.store.DeliveryFilter;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.DeliveryStore.LaneRef;
import dev.millwright.store.Actor;
import dev.millwright.store.EventStore;
import dev.millwright.store.Jdbc;
import dev.millwright.store.NewDelivery;

import javax.sql.DataSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Operator actions on deliveries — retry and replay — each audited in its own transaction. */
public final class Operations {
    public static final int MAX_REPLAY = 100_000;

    private final DataSource ds;
    private final Outbox outbox;
    private final Router router;

    public Operations(DataSource ds, Outbox outbox) {
        this.ds = ds;
        this.outbox = outbox;
        this.router = outbox.router();
    }

    /** @return true when the delivery was dead or failed and is now pending */
    public boolean retry(long id, Actor actor) {
        Outbox.Wakes wakes = outbox.wakes();
        boolean retried = Jdbc.inTransaction(ds, c -> {
            Optional<DeliveryStore.Retried> changed = DeliveryStore.retry(c, id);
            if (changed.isEmpty()) return false;
            Map<String, Object> before = new java.util.LinkedHashMap<>();
            before.put("state", changed.get().before());
            before.put("lastError", changed.get().lastError());
            AuditStore.record(c, actor, "delivery.retry", AuditStore.change("delivery " + id, before, Map.of("state", "pending")));
            outbox.lanesHaveWork(List.of(changed.get().lane()), wakes);
            return true;
        });
        wakes.run();
        return retried;
    }

    /** A retry of many deliveries: the batch that follows its progress, and how many deliveries it put back. */
    public record Batch(long id, int retried) {
    }

    /** Puts every dead or failed delivery matching the filter back to pending, as one batch (audited with its filter). */
    public Batch retryMatching(DeliveryFilter filter, Actor actor) {
        Outbox.Wakes wakes = outbox.wakes();
        Batch batch = Jdbc.inTransaction(ds, c -> {
            ObjectNode detail = Json.MAPPER.valueToTree(filter);
            // The batch shows the filter as asked (the fields set); its plants are kept beside it.
            ObjectNode asked = detail.deepCopy();
            asked.remove("plants");
            asked.properties().removeIf(e -> e.getValue().isNull());
            long id = DeliveryStore.openBatch(c, actor.name(), asked.toString(), filter.plants());
            List<LaneRef> rows = DeliveryStore.retryMatching(c, filter, id);
            DeliveryStore.batchRequested(c, id, rows.size());
            detail.put("count", rows.size());
            detail.put("batch", id);
            AuditStore.record(c, actor, "delivery.retry-matching", detail.toString());
            outbox.lanesHaveWork(new HashSet<>(rows), wakes);
            return new Batch(id, rows.size());
        });
        wakes.run();
        return batch;
    }

    /** What became of a payload edit: the differences made, or why none was made (the delivery is not there, or not editable). */
    public record Edit(boolean found, String refused, List<String> diff) {
    }

    /**
     * Replaces a dead or failed delivery's payload (a CloudEvent whose id, source and type stay as they were: they are
     * its identity and its ordering) for its next attempts; the event log keeps the event as received. Audited with
     * the differences; the operator retries it next.
     */
    public Edit editPayload(long id, com.fasterxml.jackson.databind.JsonNode edited, Actor actor) {
        return Jdbc.inTransaction(ds, c -> {
            Optional<DeliveryStore.Payload> p = DeliveryStore.payloadForEdit(c, id);
            if (p.isEmpty()) return new Edit(false, null, List.of());
            if (!p.get().state().equals("dead") && !p.get().state().equals("failed")) {
                return new Edit(true, "delivery " + id + " is " + p.get().state() + "; only a dead or failed delivery's payload can be edited", List.of());
            }
            if (p.get().current() == null) return new Edit(true, "delivery " + id + "'s event is no longer in the log", List.of());
            com.fasterxml.jackson.databind.JsonNode before;
            try {
                before = Json.MAPPER.readTree(p.get().current());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                return new Edit(true, "delivery " + id + "'s payload is not JSON", List.of());
            }
            for (String identity : List.of("id", "source", "type", "specversion")) {
                if (!before.path(identity).equals(edited.path(identity))) {
                    return new Edit(true, "'" + identity + "' cannot change: it is the event's identity (send a new event instead)", List.of());
                }
            }
            List<String> diff = dev.millwright.harness.JsonDiff.changes(before, edited);
            if (diff.isEmpty()) return new Edit(true, null, diff);
            DeliveryStore.setPayload(c, id, edited.toString());
            AuditStore.record(c, actor, "delivery.edit", AuditStore.change("delivery " + id, Json.MAPPER.convertValue(before, Object.class),
                    Map.of("payload", Json.MAPPER.convertValue(edited, Object.class), "differences", diff)));
            return new Edit(true, null, diff);
        });
    }

    /** The subscriptions a replay can name. */
    public List<String> subscriptions() {
        return router.subscriptions().stream().map(Subscription::name).toList();
    }

    /** What a replay would do, without doing it. */
    public record DryRun(int events, int deliveries, long alreadyDelivered) {
    }

    /** @return empty when the subscription does not exist */
    public Optional<DryRun> dryRun(ReplayRequest r) {
        Subscription sub = router.subscription(r.subscription());
        if (sub == null) return Optional.empty();
        return Optional.of(Jdbc.withConnection(ds, c -> {
            String type = r.type() != null ? r.type() : sub.on().equals("*") ? null : sub.on();
            List<EventStore.ReplayCandidate> events = EventStore.forReplay(c, type, r.subject(), r.from(), r.to(), r.plants(), MAX_REPLAY);
            long[] seqs = events.stream().filter(e -> sub.matches(e.type())).mapToLong(EventStore.ReplayCandidate::seq).toArray();
            // Under the original keys a target that keeps them answers a repeat as a duplicate; new keys make every one new.
            long delivered = r.newKeys() ? 0 : DeliveryStore.deliveredOf(c, sub.name(), seqs);
            return new DryRun(events.size(), seqs.length, delivered);
        }));
    }

    /** What to replay: events matching type/subject/time range, to one subscription. */
    public record ReplayRequest(String subscription, String type, String subject, Instant from, Instant to,
                                boolean newKeys, dev.millwright.security.PlantScope plants) {
    }

    public record ReplayResult(long replayId, int deliveries) {
    }

    /** @return empty when the subscription does not exist */
    public Optional<ReplayResult> replay(ReplayRequest r, Actor actor) {
        Subscription sub = router.subscription(r.subscription());
        if (sub == null) return Optional.empty();
        Outbox.Wakes wakes = outbox.wakes();
        ReplayResult result = Jdbc.inTransaction(ds, c -> {
            long replayId = AuditStore.insertReplay(c, sub.name(), Json.MAPPER.valueToTree(r).toString(), r.newKeys(), actor.name());
            List<NewDelivery> rows = new ArrayList<>();
            // Only events the subscription takes: a replay never sends a type its subscription would not have routed.
            String type = r.type() != null ? r.type() : sub.on().equals("*") ? null : sub.on();
            for (EventStore.ReplayCandidate e : EventStore.forReplay(c, type, r.subject(), r.from(), r.to(), r.plants(), MAX_REPLAY)) {
                if (!sub.matches(e.type())) continue;
                CloudEvent event = CloudEvent.fromLog(e.seq(), e.id(), e.source(), e.type(), e.subject(), e.body());
                String key = r.newKeys() ? Router.idempotencyKey(sub.name(), e.source(), e.id(), replayId)
                        : Optional.ofNullable(DeliveryStore.originalKey(c, sub.name(), e.seq()))
                        .orElse(Router.idempotencyKey(sub.name(), e.source(), e.id(), 0));
                String orderingKey = Router.orderingKey(event, sub.orderBy());
                rows.add(new NewDelivery(e.seq(), sub.name(), sub.system(), sub.path(), sub.operation(),
                        router.lane(sub.system(), orderingKey, event), orderingKey, key, replayId));
            }
            outbox.appendDeliveries(c, rows, wakes);
            AuditStore.setReplayMatched(c, replayId, rows.size());
            AuditStore.record(c, actor, "replay", AuditStore.change("replay " + replayId, null,
                    Map.of("request", Json.MAPPER.valueToTree(r), "deliveries", rows.size())));
            return new ReplayResult(replayId, rows.size());
        });
        wakes.run();
        return Optional.of(result);
    }
}
