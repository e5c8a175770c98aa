package dev.millwright.maintenance;

import dev.millwright.config.HubSettings;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.EventStore;
import dev.millwright.store.FlowStore;
import dev.millwright.store.Jdbc;
import dev.millwright.store.LeaseStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Prunes delivered deliveries, then events no delivery refers to, then ended flow instances and used or expired
 * correlation-inbox rows, in small batches, on one node at a time (the holder of the "retention" lease). Dead, failed
 * and pending deliveries are never pruned, and neither are their events; active and failed flow instances stay.
 */
public final class RetentionJob implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RetentionJob.class);
    static final String LEASE = "retention";

    private final HubSettings.Retention settings;
    private final DeliveryStore deliveries;
    private final EventStore events;
    private final LeaseStore leases;
    private final javax.sql.DataSource ds;
    private final String node;
    private final Clock clock;
    private final Thread thread;
    private volatile boolean closed;

    public RetentionJob(HubSettings.Retention settings, DeliveryStore deliveries, EventStore events, LeaseStore leases,
                        javax.sql.DataSource ds, String node, Clock clock) {
        this.settings = settings;
        this.ds = ds;
        this.deliveries = deliveries;
        this.events = events;
        this.leases = leases;
        this.node = node;
        this.clock = clock;
        this.thread = Thread.ofVirtual().name("retention").start(this::loop);
    }

    private void loop() {
        while (!closed) {
            try {
                Thread.sleep(settings.interval());
                runOnce();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("retention run failed ({}); next run in {}", e.getMessage(), settings.interval());
            }
        }
    }

    /** One pruning pass if this node holds the lease; returns rows deleted (deliveries, events, retired keys, flow instances, kept events). */
    public int[] runOnce() {
        Set<String> held = leases.acquire(List.of(LEASE), node, settings.interval().multipliedBy(2));
        if (!held.contains(LEASE)) return new int[]{0, 0, 0, 0, 0};
        Instant now = clock.instant();
        int d = drain(() -> deliveries.pruneDelivered(now.minus(settings.deliveredAfter()), settings.batchSize()));
        Instant keysFrom = now.minus(settings.idempotencyWindow());
        int e = drain(() -> events.prune(now.minus(settings.eventsAfter()), keysFrom, settings.batchSize()));
        int k = drain(() -> events.pruneRetiredKeys(keysFrom, settings.batchSize()));
        Instant flowsBefore = now.minus(settings.flowsAfter());
        int f = drain(() -> Jdbc.inTransaction(ds, c -> FlowStore.pruneEnded(c, flowsBefore, settings.batchSize())));
        int i = drain(() -> Jdbc.inTransaction(ds, c -> FlowStore.pruneInbox(c, flowsBefore, settings.batchSize())));
        Jdbc.inTransaction(ds, FlowStore::pruneOrphanReplies);
        if (d + e + k + f + i > 0) {
            log.info("retention pruned {} delivered deliveries, {} events, {} idempotency keys, {} ended flow instances and {} kept events",
                    d, e, k, f, i);
        }
        return new int[]{d, e, k, f, i};
    }

    private int drain(java.util.function.IntSupplier batch) {
        int total = 0, n;
        do {
            n = batch.getAsInt();
            total += n;
        } while (n == settings.batchSize() && !closed);
        return total;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
