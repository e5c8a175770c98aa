package dev.millwright.store;

import java.time.Instant;

/** A delivery waiting in a lane, with the event body to send. */
public record LaneItem(long id, long eventSeq, String subscription, String path, String operation, String orderingKey,
                       String idempotencyKey, DeliveryState state, int attempts, Instant nextAttemptAt,
                       Instant createdAt, String eventType, String body) {
}
