package dev.millwright.delivery;

import dev.millwright.health.Health;
import dev.millwright.config.RetryPolicy;
import dev.millwright.store.LaneItem;

import java.time.Duration;

/** Where deliveries go: one system's outbound connector. It sends one delivery and says how it went. */
public interface Target extends AutoCloseable {
    /**
     * An outbound connector kind's settings (one per kind, in its package), able to make the kind's target: every kind
     * in Connectors reads its section into one of these.
     */
    interface Channel extends dev.millwright.config.SystemConfig.OutboundChannel {
        Target target(String system, Deps deps);
    }

    /** What a target may need from the hub. */
    record Deps(java.time.Clock clock, dev.millwright.store.RateLimitStore rateLimits, dev.millwright.mapping.Mappings mappings,
                dev.millwright.metrics.HubMetrics metrics) {
    }

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
