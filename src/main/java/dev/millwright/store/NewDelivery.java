package dev.millwright.store;

/** A delivery to create: one event to one subscription's target, on the lane of its ordering key. */
public record NewDelivery(long eventSeq, String subscription, String target, String path, String operation, int lane,
                          String orderingKey, String idempotencyKey, long replayId) {
}
