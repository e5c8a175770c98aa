package dev.millwright.delivery;

import dev.millwright.health.Health;
import dev.millwright.config.RetryPolicy;
import dev.millwright.store.LaneItem;

import java.time.Duration;

/** Where deliveries go: one system's outbound connector. It sends one delivery and says how it went. */
public interface Target extends AutoCloseable {
    String name();

    /** This node's circuit breaker for the system, when it has one and it is not closed: "open" or "half-open"; else null. */
    default String circuit() {
        return null;
    }

    /** The longest one send may take; a lane lease must outlast it. */
    Duration callTimeout();

    RetryPolicy retry();

    /**
     * Sends one delivery with the given body (the event as the target should see it), only while the fence
     * allows it: checked right before the call goes out, after any wait, and bounding the call.
     */
    Outcome send(LaneItem item, String body, Fence fence) throws InterruptedException;

    /** Checks connectivity (and credentials) now; {@code problem} says exactly what failed. */
    Health check() throws InterruptedException;

    @Override
    void close();
}
