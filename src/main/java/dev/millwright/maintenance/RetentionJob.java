package dev.millwright.maintenance;

import dev.millwright.config.HubSettings;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.EventStore;
import dev.millwright.store.LeaseStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Prunes delivered deliveries, then events no delivery refers to, in small batches, on one node at a
 * time (the holder of the "retention" lease). Dead, failed and pending deliveries are never pruned, and
 * neither are their events.
 */
public final class RetentionJob implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RetentionJob.class);
    static final String LEASE = "retention";

    private final HubSettings.Retention settings;
    private final DeliveryStore deliveries;
    private final EventStore events;
    private final LeaseStore leases;
    private final String node;
    private final Clock clock;
    private final Thread thread;
    private volatile boolean closed;

    public RetentionJob(HubSettings.Retention settings, DeliveryStore deliveries, EventStore events, LeaseStore leases,
                        String node, Clock clock) {
        this.settings = settings;
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

    /** One pruning pass if this node holds the lease; returns rows deleted (deliveries, events, retired keys). */
    public int[] runOnce() {
        Set<String> held = leases.acquire(List.of(LEASE), node, settings.interval().multipliedBy(2));
        if (!held.contains(LEASE)) return new int[]{0, 0, 0};
        Instant now = clock.instant();
        int d = drain(() -> deliveries.pruneDelivered(now.minus(settings.deliveredAfter()), settings.batchSize()));
        Instant keysFrom = now.minus(settings.idempotencyWindow());
        int e = drain(() -> events.prune(now.minus(settings.eventsAfter()), keysFrom, settings.batchSize()));
        int k = drain(() -> events.pruneRetiredKeys(keysFrom, settings.batchSize()));
        if (d + e + k > 0) log.info("retention pruned {} delivered deliveries, {} events and {} idempotency keys", d, e, k);
        return new int[]{d, e, k};
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
