package dev.millwright.store;

import java.time.Instant;

/**
 * A delivery waiting in a lane, with the event body to send, the trace context it arrived with (or null) and who waits
 * for its end (or null).
 */
public record LaneItem(long id, long eventSeq, String subscription, String path, String operation, String orderingKey,
                       String idempotencyKey, DeliveryState state, int attempts, Instant nextAttemptAt,
                       Instant createdAt, String eventType, String body, String traceparent, String replyTo) {

    /** The same delivery sent under another trace context (the hub's span for the attempt). */
    public LaneItem withTraceparent(String tp) {
        return java.util.Objects.equals(tp, traceparent) ? this : new LaneItem(id, eventSeq, subscription, path, operation, orderingKey,
                idempotencyKey, state, attempts, nextAttemptAt, createdAt, eventType, body, tp, replyTo);
    }
}
