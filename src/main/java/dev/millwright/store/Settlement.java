package dev.millwright.store;

import java.time.Instant;

/**
 * The outcome of one attempt: the new state ({@code delivered}, {@code failed} to retry at
 * {@code nextAttemptAt}, or {@code dead}), with what the target answered.
 */
public record Settlement(long deliveryId, DeliveryState state, Integer status, String error, Instant nextAttemptAt,
                         int attempt, Instant startedAt, int durationMs, boolean attempted) {

    public Settlement(long deliveryId, DeliveryState state, Integer status, String error, Instant nextAttemptAt,
                      int attempt, Instant startedAt, int durationMs) {
        this(deliveryId, state, status, error, nextAttemptAt, attempt, startedAt, durationMs, true);
    }

    /** A delivery put back to wait without a call (e.g. the circuit is open): not an attempt. */
    public static Settlement held(long deliveryId, String reason, Instant nextAttemptAt, int attempts, Instant at) {
        return new Settlement(deliveryId, DeliveryState.failed, null, reason, nextAttemptAt, attempts, at, 0, false);
    }

    /** First-try successes and calls not made are not written to the attempt history; the delivery row says it all. */
    boolean worthRecording() {
        return attempted && (state != DeliveryState.delivered || attempt > 1);
    }
}
