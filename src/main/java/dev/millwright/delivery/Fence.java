package dev.millwright.delivery;

import java.time.Duration;

/**
 * How long this node may still act for the lane a delivery came from. A target checks it right before a
 * call goes on the wire, after any wait (concurrency, rate limit, token fetch), and bounds the call by it,
 * so a node whose lease ran out never sends n after the lane's next owner sent n+1.
 */
@FunctionalInterface
public interface Fence {
    /** Time left; zero or negative once the lane is lost. */
    Duration remaining();

    /** For calls outside any lane (health checks, tests of a target): never runs out. */
    Fence NONE = () -> Duration.ofDays(3650);

    /** Whether a call that may take {@code call} can start now. */
    default boolean allows(Duration call) {
        return remaining().compareTo(call) > 0;
    }
}
