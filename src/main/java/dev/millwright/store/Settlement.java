package dev.millwright.store;

import java.time.Instant;

/**
 * The outcome of one attempt: the new state ({@code delivered}, {@code failed} to retry at
 * {@code nextAttemptAt}, or {@code dead}), with what the target answered.
 */
public record Settlement(long deliveryId, DeliveryState state, Integer status, String error, Instant nextAttemptAt,
                         int attempt, Instant startedAt, int durationMs) {

    /** First-try successes are not written to the attempt history; the delivery row says it all. */
    boolean worthRecording() {
        return state != DeliveryState.delivered || attempt > 1;
    }
}
