package dev.millwright.store;

/** Which deliveries an operation applies to; null fields match anything; {@code reason}: text the last error contains. */
public record DeliveryFilter(DeliveryState state, String target, String orderingKey, String subscription, String reason) {
}
