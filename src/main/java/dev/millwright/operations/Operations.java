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
            outbox.lanesHaveWork(c, List.of(changed.get().lane()), wakes);
            return true;
        });
        wakes.run();
        return retried;
    }

    /** @return how many dead or failed deliveries matching the filter are now pending */
    public int retryMatching(DeliveryFilter filter, Actor actor) {
        Outbox.Wakes wakes = outbox.wakes();
        int changed = Jdbc.inTransaction(ds, c -> {
            List<LaneRef> rows = DeliveryStore.retryMatching(c, filter);
            ObjectNode detail = Json.MAPPER.valueToTree(filter);
            detail.put("count", rows.size());
            AuditStore.record(c, actor, "delivery.retry-matching", detail.toString());
            outbox.lanesHaveWork(c, new HashSet<>(rows), wakes);
            return rows.size();
        });
        wakes.run();
        return changed;
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
