package dev.millwright.delivery;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** What a worker waits on between rounds: a wake-up that arrives while it works is kept for its next wait. */
public final class WakeUp {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signalled = lock.newCondition();
    private boolean woken;

    public void wake() {
        lock.lock();
        try {
            woken = true;
            signalled.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code timeout}, or not at all when woken since the last wait. */
    public void await(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            if (!woken) signalled.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
            woken = false;
        } finally {
            lock.unlock();
        }
    }
}
