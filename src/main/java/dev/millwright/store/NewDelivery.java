package dev.millwright.store;

/**
 * A delivery to create: one event to one subscription's target, on the lane of its ordering key. {@code replyTo}
 * names who waits for its end (see {@link DeliveryReplies}); null when nobody does.
 */
public record NewDelivery(long eventSeq, String subscription, String target, String path, String operation, int lane,
                          String orderingKey, String idempotencyKey, long replayId, String replyTo) {

    /** A delivery nobody waits for. */
    public NewDelivery(long eventSeq, String subscription, String target, String path, String operation, int lane,
                       String orderingKey, String idempotencyKey, long replayId) {
        this(eventSeq, subscription, target, path, operation, lane, orderingKey, idempotencyKey, replayId, null);
    }
}
