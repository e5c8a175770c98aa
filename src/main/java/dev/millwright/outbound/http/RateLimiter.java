package dev.millwright.outbound.http;

import dev.millwright.store.RateLimitStore;

import java.time.Duration;

/**
 * A system's call budget shared by all hub nodes: each call reserves the next slot in PostgreSQL and
 * waits for it, slots evenly spaced, so no one-second window holds more than perSecond calls whatever
 * the number of nodes. The spacing is 10% wider than 1/perSecond so jitter between the hub and
 * the target does not push a window at the target over.
 */
final class RateLimiter {
    private final String system;
    private final Duration interval;
    private final RateLimitStore store;

    RateLimiter(String system, double perSecond, RateLimitStore store) {
        this.system = system;
        this.interval = perSecond <= 0 ? Duration.ZERO : Duration.ofNanos((long) Math.ceil(1.10e9 / perSecond));
        this.store = store;
    }

    static RateLimiter unlimited(String system) {
        return new RateLimiter(system, 0, null);
    }

    void acquire() throws InterruptedException {
        if (interval.isZero()) return;
        Duration wait = store.reserve(system, interval);
        if (!wait.isZero()) Thread.sleep(wait);
    }
}
