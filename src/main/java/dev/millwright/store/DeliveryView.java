package dev.millwright.store;

import java.time.Instant;

/** A delivery as the operations API shows it. */
public record DeliveryView(long id, long eventSeq, String eventSource, String eventId, String eventType, String plant,
                           String subscription, String target, String path, String operation, int lane, String orderingKey,
                           String idempotencyKey, long replayId, DeliveryState state, int attempts,
                           Instant nextAttemptAt, Instant createdAt, Instant updatedAt, Instant deliveredAt,
                           Integer lastStatus, String lastError) {
}
