package dev.millwright.store;

/** The one visible state a delivery is in; mirrors the delivery_state enum in the schema. */
public enum DeliveryState {
    pending, in_flight, delivered, failed, dead;

    public static DeliveryState parse(String s) {
        for (DeliveryState state : values()) {
            if (state.name().equals(s)) return state;
        }
        throw new IllegalArgumentException("unknown delivery state '" + s + "' (one of pending, in_flight, delivered, failed, dead)");
    }
}
