package dev.millwright.routing;

import dev.millwright.delivery.WorkSignal;
import dev.millwright.event.CloudEvent;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.DeliveryStore.LaneRef;
import dev.millwright.store.EventStore;
import dev.millwright.store.NewDelivery;
import dev.millwright.store.RoutingQueue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one way work enters the hub, inside the caller's transaction: events into the log (queued for routing
 * when a subscription or a flow may take them) and deliveries into their lanes. Ingest, inbound connectors, retries,
 * replays and the routing stage all write through it; each opens a {@link Wakes} for its transaction and runs it
 * after the commit, so nothing is woken for work that was rolled back.
 */
public final class Outbox {
    private final Router router;
    private final java.util.function.Predicate<String> flowsTake;
    private final WorkSignal signal;
    private final Runnable wakeRouting;

    /** @param flowsTake whether a flow starts on, or waits for, events of a type (they are queued for routing too) */
    public Outbox(Router router, java.util.function.Predicate<String> flowsTake, WorkSignal signal, Runnable wakeRouting) {
        this.router = router;
        this.flowsTake = flowsTake;
        this.signal = signal;
        this.wakeRouting = wakeRouting;
    }

    /** Whether the routing stage has anything to do with events of this type. */
    public boolean takes(String type) {
        return router.takesAny(type) || flowsTake.test(type);
    }

    public Router router() {
        return router;
    }

    /** What one transaction wrote that someone must be told about once it commits. */
    public final class Wakes {
        private final Set<LaneRef> lanes = new HashSet<>();
        private final Set<Runnable> others = new java.util.LinkedHashSet<>();
        private final Set<Map.Entry<String, String>> notes = new java.util.LinkedHashSet<>();
        private boolean routing;

        private Wakes() {
        }

        /** Another stage to wake on this node once the transaction commits (each runs once, however often added). */
        public void add(Runnable wake) {
            others.add(wake);
        }

        /** A NOTIFY for other nodes once the transaction commits (sent after it, never inside: see Announcer). */
        public void tellOtherNodes(String channel, String payload) {
            notes.add(Map.entry(channel, payload));
        }

        /** After commit: wakes what was given work on this node, and has other nodes told. */
        public void run() {
            if (routing) {
                wakeRouting.run();
                signal.routingCommitted();
            }
            signal.lanesCommitted(lanes);
            others.forEach(Runnable::run);
            notes.forEach(n -> signal.announce(n.getKey(), n.getValue()));
        }
    }

    public Wakes wakes() {
        return new Wakes();
    }

    /**
     * Appends the events not yet in the log and queues for routing those a subscription may take.
     * @return the sequence number of each newly stored event; repeats are absent
     */
    public Map<EventStore.Key, Long> appendEvents(Connection c, List<CloudEvent> events, Wakes wakes) throws SQLException {
        return appendEvents(c, events, null, wakes);
    }

    /** As {@link #appendEvents(Connection, List, Wakes)}, with the trace context to store for each event (null: as it arrived). */
    public Map<EventStore.Key, Long> appendEvents(Connection c, List<CloudEvent> events, List<String> traceparents, Wakes wakes)
            throws SQLException {
        if (events.isEmpty()) return Map.of();
        Map<EventStore.Key, Long> seqs = EventStore.insert(c, events, traceparents);
        List<Long> routed = new ArrayList<>(seqs.size());
        for (CloudEvent e : events) {
            Long seq = seqs.get(EventStore.Key.of(e));
            if (seq != null && takes(e.type())) routed.add(seq);
        }
        if (!routed.isEmpty()) {
            RoutingQueue.enqueue(c, routed);
            wakes.routing = true;
        }
        return seqs;
    }

    /** Appends deliveries (routed events, replays, and later flow steps) and tells their lanes on commit. */
    public void appendDeliveries(Connection c, List<NewDelivery> deliveries, Wakes wakes) throws SQLException {
        if (deliveries.isEmpty()) return;
        DeliveryStore.insert(c, deliveries);
        Set<LaneRef> lanes = new HashSet<>();
        deliveries.forEach(d -> lanes.add(new LaneRef(d.target(), d.lane())));
        lanesHaveWork(lanes, wakes);
    }

    /** Deliveries made due again in this transaction (retries): their lanes look again on commit. */
    public void lanesHaveWork(Collection<LaneRef> lanes, Wakes wakes) {
        wakes.lanes.addAll(lanes);
    }
}
