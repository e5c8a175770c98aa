package dev.millwright.delivery;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Spaces calls evenly, so no one-second window holds more than perSecond calls (a token bucket with a
 * burst would allow up to twice that in a window). The spacing is 5% wider than 1/perSecond so that
 * jitter in the network and the target's own timing does not push a window at the target over.
 */
final class RateLimiter {
    private final long intervalNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private long nextSlot = System.nanoTime();

    RateLimiter(double perSecond) {
        this.intervalNanos = perSecond <= 0 ? 0 : (long) Math.ceil(1.05e9 / perSecond);
    }

    void acquire() throws InterruptedException {
        if (intervalNanos == 0) return;
        long slot;
        lock.lock();
        try {
            slot = Math.max(nextSlot, System.nanoTime());
            nextSlot = slot + intervalNanos;
        } finally {
            lock.unlock();
        }
        long wait = slot - System.nanoTime();
        if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
}
