package dev.millwright.delivery;

import java.util.concurrent.locks.ReentrantLock;

/** A token bucket: at most {@code perSecond} permits per second, with a burst of one second's worth. */
final class RateLimiter {
    private final double perSecond;
    private final ReentrantLock lock = new ReentrantLock();
    private double tokens;
    private long last = System.nanoTime();

    RateLimiter(double perSecond) {
        this.perSecond = perSecond;
        this.tokens = Math.max(1, perSecond);
    }

    void acquire() throws InterruptedException {
        if (perSecond <= 0) return;
        while (true) {
            long waitNanos;
            lock.lock();
            try {
                long now = System.nanoTime();
                tokens = Math.min(Math.max(1, perSecond), tokens + (now - last) / 1e9 * perSecond);
                last = now;
                if (tokens >= 1) {
                    tokens -= 1;
                    return;
                }
                waitNanos = (long) ((1 - tokens) / perSecond * 1e9);
            } finally {
                lock.unlock();
            }
            Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
        }
    }
}
