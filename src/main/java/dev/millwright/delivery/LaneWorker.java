package dev.millwright.delivery;

import dev.millwright.config.RetryPolicy;
import dev.millwright.ingest.IntakeFirst;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.store.DeliveryState;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.LaneItem;
import dev.millwright.tracing.Tracing;
import dev.millwright.store.Settlement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BinaryOperator;

/**
 * Delivers one lane of one target on the node holding the lane's lease. It claims the lane's due work in
 * lane order (skipping keys that wait for a retry or are being sent), sends each key's chain on its own
 * virtual thread — different keys in parallel, one key in order, stopping a key at its first failure — and
 * hands each chain's outcomes to the settler as soon as the chain ends. A key becomes claimable again once
 * its outcomes are written, so a slow or failing key never holds back another, whatever its backlog.
 */
final class LaneWorker {
    private static final Logger log = LoggerFactory.getLogger(LaneWorker.class);
    private static final Duration RECLAIM_PAUSE = Duration.ofMillis(50);
    private static final Duration RETRY_CLOCK_GRACE = Duration.ofMillis(100);
    /** While intake comes first and this lane may send nothing: when to ask again. */
    private static final Duration PACED_PAUSE = Duration.ofMillis(25);
    /**
     * An idle lane's safety poll doubles after each claim that finds nothing, this many times (to 8 intervals): work
     * arrives with a wake-up and retries are timed here, so the poll only covers a lost wake-up, and a third of the lanes
     * may never get work (40 keys over 64 lanes) — each polling every second was 64 claims a second per system.
     */
    private static final int IDLE_POLL_DOUBLINGS = 3;

    private final Target target;
    private final DeliveryStore.LaneClaim claim;
    private final DeliveryStore store;
    private final Settler settler;
    private final RetryPolicy retry;
    private final HubMetrics metrics;
    private final Clock clock;
    private final int capacity;
    private final Duration pollInterval;
    private final Fence fence;
    private final BinaryOperator<String> outboundForm;
    /** Keys with a chain claimed and not yet settled: the claim skips them. */
    private final Set<String> busyKeys = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Set<Thread> chains = ConcurrentHashMap.newKeySet();
    /** Set when a chain ends: its key may now be claimable. */
    private volatile boolean chainEnded;
    /**
     * Whether a claim since the last one with nothing in flight may have left work behind: it skipped busy keys, or had
     * no room. Only then does a chain's end call for a claim at once; otherwise new work wakes the lane itself, and a
     * claim after every chain found nothing about half the time (measured at 1,000 events/s: 1.76 claims per event).
     */
    private volatile boolean mayHaveLeftWork;
    /** Claims in a row that found nothing with nothing in flight: the safety poll waits 2^n intervals (capped). */
    private int idleClaims;
    /** When the last claim found nothing while keys were busy (their backlog is all it walked over). */
    private long starvedAt = Long.MIN_VALUE;
    /**
     * When deliveries of this lane wait for a retry: read from the database once when the worker starts (what an
     * earlier owner left), then kept from this worker's own outcomes, so a short claim costs no second query.
     * Retries made due by others (an operator's retry) come with a wake-up instead.
     */
    private final PriorityQueue<Instant> retries = new PriorityQueue<>();
    private boolean retriesRead;
    private final WakeUp wakeUp = new WakeUp();
    private volatile boolean running = true;
    private final Thread thread;
    private final Tracing tracing;
    private final IntakeFirst intakeFirst;

    LaneWorker(Target target, DeliveryStore.LaneClaim claim, DeliveryStore store, Settler settler, RetryPolicy retry,
               HubMetrics metrics, Tracing tracing, Clock clock, int capacity, Duration pollInterval, Fence fence,
               BinaryOperator<String> outboundForm, IntakeFirst intakeFirst) {
        this.intakeFirst = intakeFirst;
        this.tracing = tracing;
        this.target = target;
        this.claim = claim;
        this.store = store;
        this.settler = settler;
        this.retry = retry;
        this.metrics = metrics;
        this.clock = clock;
        this.capacity = capacity;
        this.pollInterval = pollInterval;
        this.fence = fence;
        this.outboundForm = outboundForm;
        this.thread = Thread.ofVirtual().name("lane-" + target.name() + "-" + claim.lane()).start(this::run);
    }

    void wake() {
        wakeUp.wake();
    }

    /** Claims nothing more; chains finish the call they are in and hand back the rest. */
    void stop() {
        running = false;
        wake();
    }

    /** Whether the worker or any of its chains still runs. */
    boolean isAlive() {
        return thread.isAlive() || chains.stream().anyMatch(Thread::isAlive);
    }

    void interrupt() {
        thread.interrupt();
        chains.forEach(Thread::interrupt);
    }

    void join(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        thread.join(timeout);
        for (Thread t : List.copyOf(chains)) {
            long left = deadline - System.nanoTime();
            if (left > 0) t.join(Duration.ofNanos(left));
        }
    }

    private void run() {
        while (running) {
            Instant wakeAt;
            try {
                wakeAt = round();
            } catch (RuntimeException e) {
                log.warn("lane {}:{} could not claim work ({}); trying again after the poll interval", target.name(), claim.lane(), e.getMessage());
                wakeAt = clock.instant().plus(pollInterval);
            }
            if (wakeAt == null) continue; // a full claim: there may be more
            try {
                await(wakeAt);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void await(Instant wakeAt) throws InterruptedException {
        long millis = Math.min(pollInterval.toMillis() << IDLE_POLL_DOUBLINGS, Math.max(1, Duration.between(clock.instant(), wakeAt).toMillis()));
        if (running) wakeUp.await(Duration.ofMillis(millis));
    }

    /** @return null to claim again at once, else when to look again (a wake-up comes sooner when work arrives or a chain ends) */
    private Instant round() {
        Instant now = clock.instant();
        if (!fence.allows(target.callTimeout())) return now.plus(Duration.ofMillis(200));
        int room = capacity - inFlight.get();
        if (room <= 0) {
            mayHaveLeftWork = true;
            return now.plus(pollInterval);
        }
        // A claim that found nothing while keys were busy walked over their backlog only; until one of them ends, look
        // again only after a pause, however much new work wakes us: new work of a busy key could not be taken anyway.
        // A claim that found something claims again at the next wake-up, so a new key never waits behind a busy one.
        long sinceStarved = System.nanoTime() - starvedAt;
        if (starvedAt != Long.MIN_VALUE && !chainEnded && sinceStarved < RECLAIM_PAUSE.toNanos()) {
            return now.plusNanos(RECLAIM_PAUSE.toNanos() - sinceStarved);
        }
        chainEnded = false;
        if (!retriesRead) {
            Instant due = store.nextRetry(claim.target(), claim.lane());
            if (due != null) retryAt(due);
            retriesRead = true;
        }
        int wanted = room;
        room = intakeFirst.sends(wanted);
        if (room == 0) return now.plus(PACED_PAUSE);
        if (!busyKeys.isEmpty()) mayHaveLeftWork = true; // before the copy: a chain that ends meanwhile sees it
        Set<String> busy = Set.copyOf(busyKeys);
        if (busy.isEmpty() && inFlight.get() == 0) mayHaveLeftWork = false;
        List<LaneItem> items = store.claim(claim, busy, room);
        intakeFirst.unused(room - items.size());
        starvedAt = items.isEmpty() && !busy.isEmpty() ? System.nanoTime() : Long.MIN_VALUE;
        Map<String, List<LaneItem>> byKey = new LinkedHashMap<>();
        for (LaneItem item : items) {
            String key = item.orderingKey() != null ? "k:" + item.orderingKey() : "#" + item.id();
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(item);
        }
        for (List<LaneItem> chain : byKey.values()) {
            String key = chain.getFirst().orderingKey();
            if (key != null) busyKeys.add(key);
            inFlight.addAndGet(chain.size());
            Thread t = Thread.ofVirtual().name("send-" + target.name() + "-" + claim.lane()).unstarted(() -> sendChain(chain, key));
            chains.add(t);
            t.start();
        }
        if (items.size() == room) return room < wanted ? now.plus(PACED_PAUSE) : null;
        idleClaims = items.isEmpty() && busy.isEmpty() && inFlight.get() == 0 ? Math.min(idleClaims + 1, IDLE_POLL_DOUBLINGS) : 0;
        Instant due = nextRetry(now);
        Instant poll = now.plus(pollInterval.multipliedBy(1L << idleClaims));
        if (due == null || !due.isBefore(poll)) return poll;
        // A retry that is due by this clock but was not yet by the database's: look again very soon.
        return due.isAfter(now) ? due.plusMillis(2) : now.plusMillis(10);
    }

    private void sendChain(List<LaneItem> chain, String key) {
        List<Settlement> out = new ArrayList<>(chain.size());
        try {
            for (LaneItem item : chain) {
                if (!running || !fence.allows(target.callTimeout())) break; // the rest waits for the lane's next round or owner
                Settlement s = attempt(item);
                if (s == null) break; // not sent: handed back below
                out.add(s);
                if (s.state() != DeliveryState.delivered && s.state() != DeliveryState.dead) break; // the key waits for its head
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Instant now = clock.instant();
            for (int j = out.size(); j < chain.size(); j++) out.add(Settlement.release(chain.get(j), claim.epoch(), now));
            List<Settlement> outcomes = out.stream().filter(s -> !s.release()).toList();
            for (int j = 0; j < out.size(); j++) {
                Settlement s = out.get(j);
                // A failed delivery waits for its next attempt; a released one that had attempts goes back to waiting for its own.
                if (!s.release() && s.state() == DeliveryState.failed) retryAt(s.nextAttemptAt());
                else if (s.release() && chain.get(j).attempts() > 0) retryAt(chain.get(j).nextAttemptAt());
            }
            settler.submit(out, () -> {
                if (key != null) busyKeys.remove(key);
                inFlight.addAndGet(-chain.size());
                chainEnded = true;
                metrics.settled(target.name(), outcomes);
                if (mayHaveLeftWork) wake();
            });
            chains.remove(Thread.currentThread());
        }
    }

    /** One send and what it comes to; null when it was not sent (the lane was lost before the call). */
    private Settlement attempt(LaneItem item) throws InterruptedException {
        Instant started = clock.instant();
        long t0 = System.nanoTime();
        int attempt = item.attempts() + 1;
        Tracing.Attempt span = tracing.attempt(new Tracing.Delivery(target.name(), item.operation(), item.subscription(), item.id(), attempt,
                item.traceparent()));
        Outcome outcome;
        try {
            outcome = item.body() == null
                    ? Outcome.permanent(null, "its event is no longer in the event log (pruned by retention); nothing was sent")
                    : target.send(item.withTraceparent(span.traceparent()), outboundForm.apply(item.eventType(), item.body()), fence);
        } catch (RuntimeException | StackOverflowError e) {
            // A connector bug or an unforeseen input (a mapping that recurses without end) must not leave the
            // delivery in flight with no reason.
            log.warn("sending delivery {} to {} failed unexpectedly", item.id(), target.name(), e);
            outcome = Outcome.retry(null, "unexpected error while sending: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()), null);
        }
        int ms = (int) ((System.nanoTime() - t0) / 1_000_000);
        long epoch = claim.epoch();
        Settlement s = switch (outcome.kind()) {
            case UNSENT -> null;
            case HELD -> Settlement.held(item, epoch, outcome.error(), clock.instant().plus(outcome.retryAfter()), started);
            case DELIVERED -> Settlement.delivered(item, epoch, outcome.status(), outcome.response(), started, ms);
            case PERMANENT -> Settlement.attempted(item, epoch, DeliveryState.dead, outcome.status(),
                    "permanent failure: " + outcome.error(), null, started, ms);
            case RETRY -> attempt >= retry.maxAttempts()
                    ? Settlement.attempted(item, epoch, DeliveryState.dead, outcome.status(),
                    "gave up after " + attempt + " attempts: " + outcome.error(), null, started, ms)
                    : Settlement.attempted(item, epoch, DeliveryState.failed, outcome.status(), outcome.error(),
                    nextAttempt(attempt, outcome.retryAfter()), started, ms);
        };
        if (outcome.kind() == Outcome.Kind.DELIVERED) metrics.deliveryLatency(target.name(), item.createdAt(), clock.instant());
        span.end(s == null ? "unsent" : !s.attempted() ? "held" : s.state().name(), outcome.status(),
                s == null ? outcome.error() : s.error());
        return s;
    }

    private void retryAt(Instant due) {
        if (due == null) return;
        synchronized (retries) {
            retries.add(due);
        }
    }

    /**
     * The earliest retry this worker knows of. One due by this node's clock stays a while (the database's clock may
     * be behind, so its claim may not have taken it yet); after that the safety-net poll covers it.
     */
    private Instant nextRetry(Instant now) {
        synchronized (retries) {
            Instant stale = now.minus(RETRY_CLOCK_GRACE);
            while (!retries.isEmpty() && retries.peek().isBefore(stale)) retries.poll();
            return retries.peek();
        }
    }

    private Instant nextAttempt(int attempt, Duration retryAfter) {
        Duration wait = retry.backoff(attempt, ThreadLocalRandom.current().nextDouble());
        if (retryAfter != null && retryAfter.compareTo(wait) > 0) wait = retryAfter;
        return clock.instant().plus(wait);
    }
}
