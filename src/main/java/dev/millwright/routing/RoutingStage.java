package dev.millwright.routing;

import dev.millwright.delivery.WakeUp;
import dev.millwright.event.CloudEvent;
import dev.millwright.ingest.IntakeFirst;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.store.Jdbc;
import dev.millwright.store.NewDelivery;
import dev.millwright.store.RoutingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where stored events become deliveries (and reach process flows: instances started, waits answered). Intake only
 * appends events and queues them; this stage takes queued commits oldest first, routes their events and writes the
 * deliveries in the same transaction that removes them from the queue. Every node runs one; a transaction-scoped lock lets one route at a time, so a key's
 * deliveries keep the order of its events. Woken by intake commits (directly on this node, by NOTIFY on others),
 * with a slow poll as the safety net. Intake comes first ({@link IntakeFirst}): while it is saturated, routing slows to
 * a floor rate, and catches up the moment intake has room.
 */
public final class RoutingStage implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RoutingStage.class);
    /** Another node holds the queue: look again soon, it may stop routing at any moment. */
    private static final Duration HELD_ELSEWHERE = Duration.ofMillis(20);
    /** While yielding to intake, how often to look whether it still needs the machine. */
    private static final Duration YIELD_CHECK = Duration.ofMillis(10);

    private final DataSource ds;
    private final Outbox outbox;
    private final RoutedEvents flows;
    private final HubMetrics metrics;
    private final int maxCommits;
    private final Duration pollInterval;
    private final IntakeFirst intakeFirst;
    /** While intake is saturated: when (System.nanoTime) the floor rate allows the next routing transaction. */
    private long nextAllowed = System.nanoTime();
    private boolean wasYielding;
    private final WakeUp wakeUp = new WakeUp();
    private volatile boolean running = true;
    private final Thread thread;

    /** @param intakeFirst while it yields, routing goes at most its floor rate, one queued commit at a time */
    public RoutingStage(DataSource ds, Outbox outbox, RoutedEvents flows, HubMetrics metrics, int maxCommits, Duration pollInterval,
                        IntakeFirst intakeFirst) {
        this.ds = ds;
        this.outbox = outbox;
        this.flows = flows;
        this.metrics = metrics;
        this.maxCommits = maxCommits;
        this.pollInterval = pollInterval;
        this.intakeFirst = intakeFirst;
        this.thread = Thread.ofPlatform().name("routing").daemon().start(this::run);
    }

    public void wake() {
        wakeUp.wake();
    }

    private void run() {
        while (running) {
            Duration pause;
            try {
                boolean yielding = intakeFirst.yielding();
                long early = nextAllowed - System.nanoTime();
                if (yielding && early > 0) {
                    // Intake comes first: wait for the floor rate's next turn, or for intake to have room again.
                    pause = Duration.ofNanos(Math.min(early, YIELD_CHECK.toNanos()));
                } else {
                    pause = routeAndPause(yielding);
                }
            } catch (RuntimeException e) {
                log.warn("routing failed ({}); queued events stay queued and are tried again after {}", e.getMessage(), pollInterval);
                pause = pollInterval;
            }
            if (pause.isZero()) continue;
            try {
                await(pause);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private Duration routeAndPause(boolean yielding) {
        // Yielding, and the first turn after it, take one commit: when intake lets go, its backlog's first deliveries
        // are in their lanes within milliseconds instead of after one large transaction.
        boolean small = yielding || wasYielding;
        wasYielding = yielding;
        int routed = routeOnce(small ? 1 : maxCommits);
        if (yielding && routed > 0) nextAllowed = System.nanoTime() + routed * 1_000_000_000L / intakeFirst.floor();
        return routed > 0 ? Duration.ZERO : routed == 0 ? pollInterval : HELD_ELSEWHERE;
    }

    private void await(Duration pause) throws InterruptedException {
        if (running) wakeUp.await(pause);
    }

    /** @return events routed; 0 when the queue was empty; -1 when another node holds it */
    int routeOnce(int commits) {
        long start = System.nanoTime();
        Outbox.Wakes wakes = outbox.wakes();
        int routed = Jdbc.inTransaction(ds, c -> {
            var taken = RoutingQueue.take(c, commits);
            if (taken.isEmpty()) return -1;
            List<NewDelivery> deliveries = new ArrayList<>(taken.get().size());
            for (RoutingQueue.QueuedEvent q : taken.get()) {
                CloudEvent e = CloudEvent.fromLog(q.seq(), q.id(), q.source(), q.type(), q.subject(), q.body());
                deliveries.addAll(outbox.router().route(e, q.seq()));
                flows.take(c, e, q.seq(), wakes);
            }
            outbox.appendDeliveries(c, deliveries, wakes);
            return taken.get().size();
        });
        wakes.run();
        if (routed > 0) metrics.routed(routed, System.nanoTime() - start);
        return routed;
    }

    @Override
    public void close() {
        running = false;
        wake();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
