package dev.millwright.operations;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.config.Subscription;
import dev.millwright.delivery.WorkSignal;
import dev.millwright.event.CloudEvent;
import dev.millwright.event.Json;
import dev.millwright.routing.Router;
import dev.millwright.store.AuditStore;
import dev.millwright.store.DeliveryFilter;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.DeliveryStore.LaneRef;
import dev.millwright.store.EventStore;
import dev.millwright.store.Jdbc;
import dev.millwright.store.NewDelivery;

import javax.sql.DataSource;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Operator actions on deliveries — retry and replay — each audited in its own transaction. */
public final class Operations {
    public static final int MAX_REPLAY = 100_000;

    private final DataSource ds;
    private final Router router;
    private final WorkSignal signal;

    public Operations(DataSource ds, Router router, WorkSignal signal) {
        this.ds = ds;
        this.router = router;
        this.signal = signal;
    }

    /** @return true when the delivery was dead or failed and is now pending */
    public boolean retry(long id, String actor) {
        Set<LaneRef> lanes = new HashSet<>(Jdbc.inTransaction(ds, c -> {
            List<LaneRef> changed = DeliveryStore.retry(c, id);
            if (!changed.isEmpty()) {
                AuditStore.record(c, actor, "delivery.retry", "{\"delivery\":" + id + "}");
                signal.notifyOthers(c, changed);
            }
            return changed;
        }));
        signal.wakeLocal(lanes);
        return !lanes.isEmpty();
    }

    /** @return how many dead or failed deliveries matching the filter are now pending */
    public int retryMatching(DeliveryFilter filter, String actor) {
        List<LaneRef> changed = Jdbc.inTransaction(ds, c -> {
            List<LaneRef> rows = DeliveryStore.retryMatching(c, filter);
            ObjectNode detail = Json.MAPPER.valueToTree(filter);
            detail.put("count", rows.size());
            AuditStore.record(c, actor, "delivery.retry-matching", detail.toString());
            Set<LaneRef> lanes = new HashSet<>(rows);
            signal.notifyOthers(c, lanes);
            return rows;
        });
        signal.wakeLocal(new HashSet<>(changed));
        return changed.size();
    }

    /** What to replay: events matching type/subject/time range, to one subscription. */
    public record ReplayRequest(String subscription, String type, String subject, Instant from, Instant to,
                                boolean newKeys) {
    }

    public record ReplayResult(long replayId, int deliveries) {
    }

    /** @return empty when the subscription does not exist */
    public Optional<ReplayResult> replay(ReplayRequest r, String actor) {
        Subscription sub = router.subscription(r.subscription());
        if (sub == null) return Optional.empty();
        Set<LaneRef> lanes = new HashSet<>();
        ReplayResult result = Jdbc.inTransaction(ds, c -> {
            long replayId = AuditStore.insertReplay(c, sub.name(), Json.MAPPER.valueToTree(r).toString(), r.newKeys(), actor);
            List<NewDelivery> rows = new ArrayList<>();
            // Only events the subscription takes: a replay never sends a type its subscription would not have routed.
            String type = r.type() != null ? r.type() : sub.on().equals("*") ? null : sub.on();
            for (EventStore.ReplayCandidate e : EventStore.forReplay(c, type, r.subject(), r.from(), r.to(), MAX_REPLAY)) {
                if (!sub.matches(e.type())) continue;
                CloudEvent event = parse(e);
                String key = r.newKeys() ? Router.idempotencyKey(sub.name(), e.source(), e.id(), replayId)
                        : Optional.ofNullable(DeliveryStore.originalKey(c, sub.name(), e.seq()))
                        .orElse(Router.idempotencyKey(sub.name(), e.source(), e.id(), 0));
                String orderingKey = Router.orderingKey(event, sub.orderBy());
                rows.add(new NewDelivery(e.seq(), sub.name(), sub.system(), sub.path(), sub.operation(),
                        router.lane(sub.system(), orderingKey, event), orderingKey, key, replayId));
            }
            DeliveryStore.insert(c, rows);
            AuditStore.setReplayMatched(c, replayId, rows.size());
            AuditStore.record(c, actor, "replay", "{\"replay\":" + replayId + ",\"deliveries\":" + rows.size() + "}");
            rows.forEach(d -> lanes.add(new LaneRef(d.target(), d.lane())));
            signal.notifyOthers(c, lanes);
            return new ReplayResult(replayId, rows.size());
        });
        signal.wakeLocal(lanes);
        return Optional.of(result);
    }

    private static CloudEvent parse(EventStore.ReplayCandidate e) {
        try {
            ObjectNode envelope = (ObjectNode) Json.MAPPER.readTree(e.body());
            return new CloudEvent(e.id(), e.source(), e.type(), e.subject(), null, envelope, e.body());
        } catch (IOException ex) {
            throw new IllegalStateException("stored event " + e.seq() + " is not JSON", ex);
        }
    }
}
