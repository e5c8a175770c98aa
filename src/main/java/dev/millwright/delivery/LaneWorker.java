package dev.millwright.delivery;

import dev.millwright.config.RetryPolicy;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.store.DeliveryState;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.LaneItem;
import dev.millwright.store.Settlement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BinaryOperator;
import java.util.function.Predicate;

/**
 * Delivers one lane of one target, on the node that holds the lane's lease. Each round reads the
 * lane's unfinished deliveries in order, sends the due ones — different ordering keys in parallel, the
 * same key one after another, stopping a key at its first failure — and settles them in one statement.
 */
final class LaneWorker {
    private static final Logger log = LoggerFactory.getLogger(LaneWorker.class);

    private final Target target;
    private final int lane;
    private final DeliveryStore store;
    private final RetryPolicy retry;
    private final HubMetrics metrics;
    private final Clock clock;
    private final String node;
    private final int batchSize;
    private final Duration pollInterval;
    /** Whether this node still holds the lane's lease for at least the given time. */
    private final Predicate<Duration> leaseHeldFor;
    private final BinaryOperator<String> outboundForm;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wakeUp = lock.newCondition();
    private boolean woken;
    private volatile boolean running = true;
    private final Thread thread;

    LaneWorker(Target target, int lane, DeliveryStore store, RetryPolicy retry, HubMetrics metrics, Clock clock,
               String node, int batchSize, Duration pollInterval, Predicate<Duration> leaseHeldFor,
               BinaryOperator<String> outboundForm) {
        this.target = target;
        this.lane = lane;
        this.store = store;
        this.retry = retry;
        this.metrics = metrics;
        this.clock = clock;
        this.node = node;
        this.batchSize = batchSize;
        this.pollInterval = pollInterval;
        this.leaseHeldFor = leaseHeldFor;
        this.outboundForm = outboundForm;
        this.thread = Thread.ofVirtual().name("lane-" + target.name() + "-" + lane).start(this::run);
    }

    void wake() {
        lock.lock();
        try {
            woken = true;
            wakeUp.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Finish the current round, then stop. */
    void stop() {
        running = false;
        wake();
    }

    boolean isAlive() {
        return thread.isAlive();
    }

    void interrupt() {
        thread.interrupt();
    }

    void join(Duration timeout) throws InterruptedException {
        thread.join(timeout);
    }

    private void run() {
        while (running) {
            Instant nextDue;
            try {
                nextDue = round();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("lane {}:{} round failed ({}); retrying after the poll interval", target.name(), lane, e.getMessage());
                nextDue = clock.instant().plus(pollInterval);
            }
            if (nextDue == null) continue; // the lane had more than one round's worth: look again at once
            try {
                await(nextDue);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void await(Instant nextDue) throws InterruptedException {
        long millis = Math.min(pollInterval.toMillis(), Math.max(1, Duration.between(clock.instant(), nextDue).toMillis()));
        lock.lock();
        try {
            if (!woken && running) wakeUp.await(millis, TimeUnit.MILLISECONDS);
            woken = false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return null when the lane had a full batch (more may be waiting), else when the lane next has
     * something due; rows that arrive meanwhile wake the worker
     */
    private Instant round() throws InterruptedException {
        if (!leaseHeldFor.test(target.callTimeout())) return clock.instant().plus(pollInterval);
        List<LaneItem> items = store.laneWork(target.name(), lane, batchSize);
        Instant now = clock.instant();
        Instant nextDue = now.plus(pollInterval);
        Map<String, List<LaneItem>> chains = new LinkedHashMap<>();
        Set<String> blocked = new HashSet<>();
        for (LaneItem item : items) {
            String key = item.orderingKey() != null ? "k:" + item.orderingKey() : "#" + item.id();
            if (blocked.contains(key)) continue;
            if (item.state() == DeliveryState.failed && item.nextAttemptAt().isAfter(now)) {
                blocked.add(key); // n+1 waits for n
                if (item.nextAttemptAt().isBefore(nextDue)) nextDue = item.nextAttemptAt();
                continue;
            }
            chains.computeIfAbsent(key, k -> new ArrayList<>()).add(item);
        }
        if (chains.isEmpty()) return nextDue;

        List<Long> ids = new ArrayList<>();
        chains.values().forEach(chain -> chain.forEach(i -> ids.add(i.id())));
        store.markInFlight(ids);

        List<Settlement> settled = Collections.synchronizedList(new ArrayList<>());
        List<LaneItem> untouched = Collections.synchronizedList(new ArrayList<>());
        try (var scope = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (List<LaneItem> chain : chains.values()) {
                scope.submit(() -> {
                    sendChain(chain, settled, untouched);
                    return null;
                });
            }
        }
        store.settle(settled, node);
        if (!untouched.isEmpty()) store.release(untouched);
        metrics.settled(target.name(), settled);
        return items.size() == batchSize ? null : nextDue;
    }

    private void sendChain(List<LaneItem> chain, List<Settlement> settled, List<LaneItem> untouched) throws InterruptedException {
        for (int i = 0; i < chain.size(); i++) {
            LaneItem item = chain.get(i);
            if (!leaseHeldFor.test(target.callTimeout())) {
                // A call now could outlive our lease and overlap the next holder's: leave the rest to it.
                untouched.addAll(chain.subList(i, chain.size()));
                return;
            }
            Instant started = clock.instant();
            long t0 = System.nanoTime();
            Outcome outcome = target.send(item, outboundForm.apply(item.eventType(), item.body()));
            int ms = (int) ((System.nanoTime() - t0) / 1_000_000);
            int attempt = item.attempts() + 1;
            Settlement s = switch (outcome.kind()) {
                case HELD -> Settlement.held(item.id(), outcome.error(), clock.instant().plus(outcome.retryAfter()), item.attempts(), started);
                case DELIVERED -> new Settlement(item.id(), DeliveryState.delivered, outcome.status(), null, null, attempt, started, ms);
                case PERMANENT -> new Settlement(item.id(), DeliveryState.dead, outcome.status(),
                        "permanent failure: " + outcome.error(), null, attempt, started, ms);
                case RETRY -> attempt >= retry.maxAttempts()
                        ? new Settlement(item.id(), DeliveryState.dead, outcome.status(),
                        "gave up after " + attempt + " attempts: " + outcome.error(), null, attempt, started, ms)
                        : new Settlement(item.id(), DeliveryState.failed, outcome.status(), outcome.error(),
                        nextAttempt(attempt, outcome.retryAfter()), attempt, started, ms);
            };
            settled.add(s);
            if (s.state() == DeliveryState.failed) {
                untouched.addAll(chain.subList(i + 1, chain.size())); // the key waits for its head
                return;
            }
            if (outcome.kind() == Outcome.Kind.DELIVERED) metrics.deliveryLatency(target.name(), item.createdAt(), clock.instant());
        }
    }

    private Instant nextAttempt(int attempt, Duration retryAfter) {
        Duration wait = retry.backoff(attempt, ThreadLocalRandom.current().nextDouble());
        if (retryAfter != null && retryAfter.compareTo(wait) > 0) wait = retryAfter;
        return clock.instant().plus(wait);
    }
}
