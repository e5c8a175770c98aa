package dev.millwright.ingest;

import dev.millwright.event.CloudEvent;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.routing.Outbox;
import dev.millwright.store.EventStore;
import dev.millwright.store.Jdbc;
import dev.millwright.store.StoreException;
import dev.millwright.tracing.Tracing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stores accepted events with group commit: concurrent requests queue up and a writer commits all that are
 * waiting in one transaction (one multi-row insert for the events, one row queueing them for routing). A
 * request's future completes only after that commit, so 202 means durable; their deliveries follow from the
 * routing stage.
 */
public final class IngestService implements AutoCloseable, IntakeLoad {
    private static final Logger log = LoggerFactory.getLogger(IngestService.class);

    /** What one request added: new events, and repeats of events already in the log. */
    public record Result(int accepted, int duplicates) {
    }

    private record Request(List<CloudEvent> events, CompletableFuture<Result> done, java.time.Instant received) {
    }

    /**
     * How long intake stays saturated after a request last arrived to find it at the writers' number. A group commit
     * answers many requests at once, so the count touches 0 for a moment between the answers and the clients' next
     * requests; letting that moment end saturation let routing start a large transaction in the middle of the load
     * (measured: deliveries during load at 3.9 times the floor, intake dipping to a quarter in those seconds).
     */
    static final long SATURATION_HOLD = TimeUnit.MILLISECONDS.toNanos(100);
    /** With no request in progress, saturation ends this soon unless one arrives: when a load stops, routing resumes at once. */
    static final long ROOM_GRACE = TimeUnit.MILLISECONDS.toNanos(20);

    private final DataSource ds;
    private final Outbox outbox;
    private final Tracing tracing;
    private final HubMetrics metrics;
    private final Duration window;
    private final int maxGroupEvents;
    private final BlockingQueue<Request> queue = new ArrayBlockingQueue<>(10_000);
    private final List<Thread> writers = new ArrayList<>();
    /** Intake requests between their first byte and their answer. */
    private final AtomicInteger active = new AtomicInteger();
    private final int saturation;
    /** Until when (System.nanoTime) intake counts as saturated. */
    private volatile long saturatedUntil;
    private final java.util.function.LongSupplier nanoTime;
    private volatile Runnable onRoom = () -> { };
    private volatile boolean stopping;

    public IngestService(DataSource ds, Outbox outbox, HubMetrics metrics, Tracing tracing, Duration window, int maxGroupEvents, int writerCount) {
        this(ds, outbox, metrics, tracing, window, maxGroupEvents, writerCount, System::nanoTime);
    }

    /** @param nanoTime the monotonic clock saturation is held by (System::nanoTime outside tests) */
    IngestService(DataSource ds, Outbox outbox, HubMetrics metrics, Tracing tracing, Duration window, int maxGroupEvents, int writerCount,
                  java.util.function.LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.saturatedUntil = nanoTime.getAsLong();
        this.tracing = tracing;
        this.ds = ds;
        this.outbox = outbox;
        this.saturation = writerCount;
        this.metrics = metrics;
        this.window = window;
        this.maxGroupEvents = maxGroupEvents;
        for (int i = 0; i < writerCount; i++) {
            writers.add(Thread.ofPlatform().name("ingest-writer-" + i).daemon().start(this::writeLoop));
        }
    }

    /**
     * Whether intake is using all it can get: at least as many requests in progress as there are writers, or were
     * within the last moments. Parsing and validating take CPU before a request reaches a writer, so this counts
     * requests at the door, not only those waiting for a commit.
     */
    @Override
    public boolean saturated() {
        return active.get() >= saturation || nanoTime.getAsLong() - saturatedUntil < 0;
    }

    /** Events taken (stored or recognised as repeats) per second, over about the last second. */
    @Override
    public double eventsPerSecond() {
        return rate.perSecond();
    }

    /** Events counted in two half-second buckets: the rate is what the last full bucket and the current one saw. */
    private static final class Rate {
        private static final long BUCKET = TimeUnit.MILLISECONDS.toNanos(500);
        private long bucketStart = System.nanoTime();
        private long current;
        private long previous;

        synchronized void add(long n) {
            roll();
            current += n;
        }

        synchronized double perSecond() {
            roll();
            double elapsed = (System.nanoTime() - bucketStart + BUCKET) / 1e9;
            return (previous + current) / elapsed;
        }

        private void roll() {
            long now = System.nanoTime();
            long buckets = (now - bucketStart) / BUCKET;
            if (buckets <= 0) return;
            previous = buckets == 1 ? current : 0;
            current = 0;
            bucketStart += buckets * BUCKET;
        }
    }

    private final Rate rate = new Rate();

    /** Runs when the last intake request in progress is answered: whoever yields to intake looks again. */
    public void onRoom(Runnable action) {
        this.onRoom = action;
    }

    /** An intake request in progress; closing it says it was answered. */
    public interface Arrival extends AutoCloseable {
        @Override
        void close();
    }

    /** Marks an intake request in progress, from its first byte until it is answered (close). */
    public Arrival arrived() {
        if (active.incrementAndGet() >= saturation) saturatedUntil = nanoTime.getAsLong() + SATURATION_HOLD;
        return () -> {
            if (active.decrementAndGet() == 0) {
                saturatedUntil = Math.min(saturatedUntil, nanoTime.getAsLong() + ROOM_GRACE);
                onRoom.run();
            }
        };
    }

    /** Queues events for the next group commit; the future fails with StoreException or Overloaded. */
    public CompletableFuture<Result> submit(List<CloudEvent> events) {
        CompletableFuture<Result> done = new CompletableFuture<>();
        if (stopping) {
            done.completeExceptionally(new Overloaded("the hub is shutting down"));
            return done;
        }
        if (!queue.offer(new Request(events, done, java.time.Instant.now()))) {
            done.completeExceptionally(new Overloaded("the ingest queue is full"));
        }
        return done;
    }

    /** The hub cannot take more right now; the client should retry later (503). */
    public static final class Overloaded extends RuntimeException {
        public Overloaded(String message) {
            super(message, null, false, false);
        }
    }

    private void writeLoop() {
        List<Request> group = new ArrayList<>();
        while (!stopping || !queue.isEmpty()) {
            try {
                Request first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                group.add(first);
                int events = first.events().size();
                long deadline = System.nanoTime() + window.toNanos();
                while (events < maxGroupEvents) {
                    Request next = queue.poll();
                    if (next == null) {
                        // No other event request is in progress: the window could gather nothing and only adds latency.
                        if (active.get() <= group.size()) break;
                        long wait = deadline - System.nanoTime();
                        if (wait <= 0) break;
                        next = queue.poll(wait, TimeUnit.NANOSECONDS);
                        if (next == null) break;
                    }
                    group.add(next);
                    events += next.events().size();
                }
                commitGroup(group);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.error("ingest writer failed", e);
                group.forEach(r -> r.done().completeExceptionally(e));
            } finally {
                group.clear();
            }
        }
    }

    private void commitGroup(List<Request> group) {
        try {
            commit(group);
        } catch (StoreException e) {
            if (group.size() == 1) {
                group.getFirst().done().completeExceptionally(e);
                return;
            }
            // One request's bad data must not fail the others: retry each on its own.
            for (Request r : group) {
                try {
                    commit(List.of(r));
                } catch (StoreException single) {
                    r.done().completeExceptionally(single);
                }
            }
        }
    }

    /**
     * Keys being inserted by a writer on this node right now, with that writer's outcome. Two writers inserting
     * the same key would make the second wait on the first's row lock until it commits; instead the second
     * leaves the key to the first and only asks, after its own commit, whether the first stored it.
     */
    private final Map<EventStore.Key, CompletableFuture<Void>> inserting = new java.util.concurrent.ConcurrentHashMap<>();

    private void commit(List<Request> group) {
        long start = System.nanoTime();
        CompletableFuture<Void> mine = new CompletableFuture<>();
        java.time.Instant received = group.getFirst().received(); // the group's oldest request
        // First occurrence of a key in the group wins; later ones are duplicates.
        Map<EventStore.Key, Request> owner = new HashMap<>();
        List<CloudEvent> events = new ArrayList<>();
        List<EventStore.Key> claimed = new ArrayList<>();
        Map<CloudEvent, CompletableFuture<Void>> deferred = new java.util.LinkedHashMap<>();
        for (Request r : group) {
            for (CloudEvent e : r.events()) {
                EventStore.Key key = EventStore.Key.of(e);
                if (owner.putIfAbsent(key, r) != null) continue;
                CompletableFuture<Void> other = inserting.putIfAbsent(key, mine);
                if (other == null) {
                    claimed.add(key);
                    events.add(e);
                } else {
                    deferred.put(e, other);
                }
            }
        }
        Map<EventStore.Key, Long> inserted;
        try {
            inserted = new HashMap<>(store(events, received));
            mine.complete(null);
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            claimed.forEach(k -> inserting.remove(k, mine));
        }
        // A key another writer was inserting is a duplicate once that writer committed; if it failed, store it here.
        List<CloudEvent> orphans = new ArrayList<>();
        deferred.forEach((e, other) -> {
            try {
                other.join();
            } catch (java.util.concurrent.CompletionException failed) {
                orphans.add(e);
            }
        });
        if (!orphans.isEmpty()) inserted.putAll(store(orphans, received));
        int totalAccepted = 0, totalDuplicates = 0;
        for (Request r : group) {
            int accepted = 0;
            for (CloudEvent e : r.events()) {
                EventStore.Key key = EventStore.Key.of(e);
                if (owner.get(key) == r && inserted.containsKey(key)) {
                    accepted++;
                    owner.remove(key); // a repeat inside the same request is a duplicate too
                }
            }
            int duplicates = r.events().size() - accepted;
            totalAccepted += accepted;
            totalDuplicates += duplicates;
            r.done().complete(new Result(accepted, duplicates));
        }
        metrics.ingested(totalAccepted, totalDuplicates, System.nanoTime() - start);
        rate.add(totalAccepted + totalDuplicates);
    }

    /**
     * Appends events in one transaction and queues them for routing; returns the new events' sequence numbers.
     * Routing into deliveries happens after, in the routing stage, so intake never waits for it.
     */
    private Map<EventStore.Key, Long> store(List<CloudEvent> events, java.time.Instant received) {
        if (events.isEmpty()) return Map.of();
        Outbox.Wakes wakes = outbox.wakes();
        Tracing.Intake spans = tracing.intake(events, received);
        Map<EventStore.Key, Long> inserted;
        try {
            inserted = Jdbc.inTransaction(ds, c -> outbox.appendEvents(c, events, spans.traceparents(), wakes));
        } catch (RuntimeException e) {
            spans.failed(e.getMessage());
            throw e;
        }
        spans.end(e -> inserted.containsKey(EventStore.Key.of(e)));
        wakes.run();
        return inserted;
    }

    @Override
    public void close() {
        stopping = true;
        for (Thread t : writers) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Request r;
        while ((r = queue.poll()) != null) r.done().completeExceptionally(new Overloaded("the hub is shutting down"));
    }
}
