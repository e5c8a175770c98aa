package dev.millwright.store;

import dev.millwright.security.PlantScope;

/**
 * Which deliveries an operation applies to; null fields match anything; {@code reason}: text the last error contains;
 * {@code plants}: the caller's scope (their events' plants).
 */
public record DeliveryFilter(DeliveryState state, String target, String orderingKey, String subscription, String reason,
                             PlantScope plants) {
}
