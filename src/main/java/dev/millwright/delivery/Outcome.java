package dev.millwright.delivery;

import java.time.Duration;

/** What one HTTP attempt came to. */
public record Outcome(Kind kind, Integer status, String error, Duration retryAfter) {
    /**
     * HELD: no call was made (the circuit is open); it does not count as an attempt. UNSENT: no call was made
     * because the lane's lease ran out meanwhile; the delivery is handed back as it was.
     */
    public enum Kind { DELIVERED, RETRY, PERMANENT, HELD, UNSENT }

    static Outcome delivered(int status) {
        return new Outcome(Kind.DELIVERED, status, null, null);
    }

    static Outcome retry(Integer status, String error, Duration retryAfter) {
        return new Outcome(Kind.RETRY, status, error, retryAfter);
    }

    static Outcome held(String reason, Duration until) {
        return new Outcome(Kind.HELD, null, reason, until);
    }

    static Outcome unsent(String reason) {
        return new Outcome(Kind.UNSENT, null, reason, null);
    }

    static Outcome permanent(Integer status, String error) {
        return new Outcome(Kind.PERMANENT, status, error, null);
    }
}
