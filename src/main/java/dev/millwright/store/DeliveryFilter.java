package dev.millwright.store;

/** Which deliveries an operation applies to; null fields match anything. */
public record DeliveryFilter(DeliveryState state, String target, String orderingKey, String subscription) {
}
