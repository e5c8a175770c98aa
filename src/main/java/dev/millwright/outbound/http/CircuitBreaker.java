package dev.millwright.outbound.http;

import dev.millwright.delivery.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Stops calling a system that keeps failing, so a dead ERP does not tie up delivery workers in
 * timeouts. Closed: calls pass; {@code threshold} failures in a row (refused connections, timeouts,
 * 5xx, 429) open it. Open: calls are not made, for {@code openFor}. Then half-open: one call is let
 * through; success closes it, failure opens it again. Per node.
 */
final class CircuitBreaker {
    enum State { CLOSED, OPEN, HALF_OPEN }

    private final int threshold;
    private final Duration openFor;
    private final Clock clock;
    private int failures;
    private State state = State.CLOSED;
    private Instant openUntil = Instant.MIN;
    private boolean trialOut;

    CircuitBreaker(int threshold, Duration openFor, Clock clock) {
        this.threshold = threshold;
        this.openFor = openFor;
        this.clock = clock;
    }

    /** @return null when a call may go now, else how long until one may */
    synchronized Duration permit() {
        if (threshold <= 0 || state == State.CLOSED) return null;
        Instant now = clock.instant();
        if (state == State.OPEN && now.isBefore(openUntil)) return Duration.between(now, openUntil);
        if (state == State.OPEN) {
            state = State.HALF_OPEN;
            trialOut = false;
        }
        if (trialOut) return openFor.dividedBy(10).isZero() ? Duration.ofMillis(100) : openFor.dividedBy(10);
        trialOut = true;
        return null;
    }

    /**
     * Counts a call's outcome: only failures worth retrying (refused, timeout, 5xx, 429) open the circuit. A
     * call that threw ({@code null}) is a failure too, so a trial that throws opens the circuit again rather
     * than leaving it half-open for good; a call not made (lease ran out) gives the trial back.
     */
    void record(Outcome outcome) {
        if (outcome == null || outcome.kind() == Outcome.Kind.RETRY) failed();
        else if (outcome.kind() == Outcome.Kind.UNSENT || outcome.kind() == Outcome.Kind.HELD) notCalled();
        else succeeded();
    }

    private synchronized void notCalled() {
        trialOut = false;
    }

    synchronized void succeeded() {
        failures = 0;
        state = State.CLOSED;
        trialOut = false;
    }

    synchronized void failed() {
        failures++;
        if (state == State.HALF_OPEN || (state == State.CLOSED && failures >= threshold)) {
            state = State.OPEN;
            openUntil = clock.instant().plus(openFor);
            trialOut = false;
        }
    }

    synchronized State state() {
        return state;
    }

    synchronized int consecutiveFailures() {
        return failures;
    }
}
