package dev.millwright.store;

import dev.millwright.security.PlantScope;

/**
 * Which deliveries an operation applies to; null fields match anything; {@code reason}: text the last error contains;
 * {@code plants}: the caller's scope (their events' plants).
 */
public record DeliveryFilter(DeliveryState state, String target, String orderingKey, String subscription, String reason,
                             PlantScope plants, String eventType, java.time.Instant from, java.time.Instant to, java.util.List<Long> ids) {
    /**
     * @param eventType the event's type, or a family ending in '.*'
     * @param from      last changed at or after (null: any)
     * @param to        last changed before (null: any)
     * @param ids       only these deliveries (null: any) — a selection
     */
    public DeliveryFilter {
        ids = ids == null ? null : java.util.List.copyOf(ids);
    }

    /** By state, target, key, subscription and reason within the caller's plants. */
    public static DeliveryFilter of(DeliveryState state, String target, String orderingKey, String subscription, String reason, PlantScope plants) {
        return new DeliveryFilter(state, target, orderingKey, subscription, reason, plants, null, null, null, null);
    }
}
