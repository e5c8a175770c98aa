package dev.millwright.delivery;

import dev.millwright.store.DeliveryStore;
import dev.millwright.store.Settlement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Writes the settlements of every lane on this node: whatever queued up while the previous write ran goes
 * out in one statement, so a chain settles as soon as it finishes without a statement of its own. A write
 * that fails (the database is away) is tried again until it lands; the deliveries stay in flight meanwhile
 * and their keys stay busy, so nothing is sent twice by this node and order holds.
 */
final class Settler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Settler.class);
    private static final int MAX_BATCH = 2000;

    private record Pending(List<Settlement> settlements, Runnable done) {
    }

    private final DeliveryStore store;
    private final String node;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    Settler(DeliveryStore store, String node) {
        this.store = store;
        this.node = node;
        this.thread = Thread.ofPlatform().name("settler").daemon().start(this::run);
    }

    /** Queues settlements; {@code done} runs once they are written (or given up at shutdown). */
    void submit(List<Settlement> settlements, Runnable done) {
        queue.add(new Pending(settlements, done));
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        while (!closed || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                int rows = first.settlements().size();
                while (rows < MAX_BATCH) {
                    Pending next = queue.poll();
                    if (next == null) break;
                    batch.add(next);
                    rows += next.settlements().size();
                }
                write(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                for (Pending p : batch) p.done().run();
                batch.clear();
            }
        }
    }

    private void write(List<Pending> batch) throws InterruptedException {
        List<Settlement> all = new ArrayList<>();
        batch.forEach(p -> all.addAll(p.settlements()));
        if (all.isEmpty()) return;
        Duration wait = Duration.ofMillis(50);
        while (true) {
            try {
                store.settle(all, node);
                return;
            } catch (RuntimeException e) {
                if (closed) {
                    log.warn("could not record {} delivery outcomes at shutdown ({}); they stay in flight and are sent again "
                            + "with the same Idempotency-Key by the lane's next owner", all.size(), e.getMessage());
                    return;
                }
                log.warn("recording {} delivery outcomes failed ({}); trying again in {} ms", all.size(), e.getMessage(), wait.toMillis());
                Thread.sleep(wait);
                wait = wait.multipliedBy(2).compareTo(Duration.ofSeconds(2)) > 0 ? Duration.ofSeconds(2) : wait.multipliedBy(2);
            }
        }
    }

    /** Writes what is queued (up to {@code timeout}), then stops. */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.interrupt();
    }
}
