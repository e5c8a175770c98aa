package dev.millwright.store;

import java.time.Instant;

/**
 * The outcome of one attempt: the new state ({@code delivered}, {@code failed} to retry at
 * {@code nextAttemptAt}, or {@code dead}), with what the target answered; or a release, which hands a
 * claimed delivery back untried. It counts only under the lease epoch the delivery was claimed in.
 */
public record Settlement(long deliveryId, long epoch, DeliveryState state, Integer status, String error, Instant nextAttemptAt,
                         int attempt, Instant startedAt, int durationMs, boolean attempted, boolean release, String response) {

    public static Settlement attempted(LaneItem item, long epoch, DeliveryState state, Integer status, String error,
                                       Instant nextAttemptAt, Instant startedAt, int durationMs) {
        return new Settlement(item.id(), epoch, state, status, error, nextAttemptAt, item.attempts() + 1, startedAt, durationMs, true, false, null);
    }

    /** A delivered attempt whose answer someone waits for: the answer goes into the delivery's reply. */
    public static Settlement delivered(LaneItem item, long epoch, Integer status, String response, Instant startedAt, int durationMs) {
        return new Settlement(item.id(), epoch, DeliveryState.delivered, status, null, null, item.attempts() + 1, startedAt, durationMs,
                true, false, item.replyTo() == null ? null : response);
    }

    /** A delivery put back to wait without a call (e.g. the circuit is open): not an attempt. */
    public static Settlement held(LaneItem item, long epoch, String reason, Instant nextAttemptAt, Instant at) {
        return new Settlement(item.id(), epoch, DeliveryState.failed, null, reason, nextAttemptAt, item.attempts(), at, 0, false, false, null);
    }

    /** A claimed delivery handed back untried (its key's head failed, or the lease ran out): as it was before the claim. */
    public static Settlement release(LaneItem item, long epoch, Instant at) {
        return new Settlement(item.id(), epoch, DeliveryState.pending, null, null, null, item.attempts(), at, 0, false, true, null);
    }

    /** First-try successes and calls not made are not written to the attempt history; the delivery row says it all. */
    boolean worthRecording() {
        return attempted && (state != DeliveryState.delivered || attempt > 1);
    }
}
