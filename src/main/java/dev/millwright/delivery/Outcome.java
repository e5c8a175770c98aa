package dev.millwright.delivery;

import java.time.Duration;

/** What one attempt came to; {@code response} is what the system answered to a delivered call (null when nothing). */
public record Outcome(Kind kind, Integer status, String error, Duration retryAfter, String response) {
    /**
     * HELD: no call was made (the circuit is open); it does not count as an attempt. UNSENT: no call was made
     * because the lane's lease ran out meanwhile; the delivery is handed back as it was.
     */
    public enum Kind { DELIVERED, RETRY, PERMANENT, HELD, UNSENT }

    public static Outcome delivered(int status) {
        return delivered(status, null);
    }

    public static Outcome delivered(int status, String response) {
        return new Outcome(Kind.DELIVERED, status, null, null, response);
    }

    public static Outcome retry(Integer status, String error, Duration retryAfter) {
        return new Outcome(Kind.RETRY, status, error, retryAfter, null);
    }

    public static Outcome held(String reason, Duration until) {
        return new Outcome(Kind.HELD, null, reason, until, null);
    }

    public static Outcome unsent(String reason) {
        return new Outcome(Kind.UNSENT, null, reason, null, null);
    }

    public static Outcome permanent(Integer status, String error) {
        return new Outcome(Kind.PERMANENT, status, error, null, null);
    }
}
