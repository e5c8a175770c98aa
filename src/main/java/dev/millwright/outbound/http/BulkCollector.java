package dev.millwright.outbound.http;

import dev.millwright.delivery.Fence;
import dev.millwright.delivery.Outcome;
import dev.millwright.store.LaneItem;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Gathers the deliveries of one batched operation from all lanes of this node into bulk calls: a call
 * goes out when maxItems have joined or maxWait after the first joined. Each caller blocks until its own
 * item is settled by the bulk response, so a key still sends its next delivery only after its previous one
 * is settled: batching never reorders a key.
 */
final class BulkCollector {
    /** One delivery waiting for its bulk call. */
    record Pending(LaneItem item, String event, Fence fence, CompletableFuture<Outcome> outcome) {
    }

    /** Makes one bulk call and settles each item: one outcome per pending item, in order. */
    interface BulkCall {
        List<Outcome> send(List<Pending> batch) throws InterruptedException;
    }

    private final int maxItems;
    private final Duration maxWait;
    private final BulkCall call;
    private final ScheduledExecutorService timer;
    private List<Pending> open = new ArrayList<>();
    private long generation;

    BulkCollector(int maxItems, Duration maxWait, BulkCall call, ScheduledExecutorService timer) {
        this.maxItems = maxItems;
        this.maxWait = maxWait;
        this.call = call;
        this.timer = timer;
    }

    Outcome submit(LaneItem item, String event, Fence fence) throws InterruptedException {
        Pending pending = new Pending(item, event, fence, new CompletableFuture<>());
        List<Pending> full = null;
        synchronized (this) {
            open.add(pending);
            if (open.size() >= maxItems) {
                full = takeOpen();
            } else if (open.size() == 1) {
                long gen = generation;
                timer.schedule(() -> Thread.startVirtualThread(() -> flushIfStill(gen)), maxWait.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        if (full != null) send(full);
        try {
            return pending.outcome().get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            return Outcome.retry(null, "bulk call failed: " + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage()), null);
        }
    }

    private List<Pending> takeOpen() {
        List<Pending> batch = open;
        open = new ArrayList<>();
        generation++;
        return batch;
    }

    private void flushIfStill(long gen) {
        List<Pending> batch;
        synchronized (this) {
            if (gen != generation || open.isEmpty()) return;
            batch = takeOpen();
        }
        send(batch);
    }

    private void send(List<Pending> batch) {
        try {
            List<Outcome> outcomes = call.send(batch);
            for (int i = 0; i < batch.size(); i++) batch.get(i).outcome().complete(outcomes.get(i));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            batch.forEach(p -> p.outcome().completeExceptionally(e));
        } catch (RuntimeException e) {
            batch.forEach(p -> p.outcome().completeExceptionally(e));
        }
    }
}
