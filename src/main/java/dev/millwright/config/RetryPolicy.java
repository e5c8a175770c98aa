package dev.millwright.config;

import java.time.Duration;
import java.util.Map;

import static dev.millwright.config.ConfigValues.get;

/** How a failing delivery is retried: exponential backoff with jitter, up to a number of attempts. */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier, double jitter) {

    static RetryPolicy from(Map<String, Object> t) {
        return new RetryPolicy(get(t, "maxAttempts"), get(t, "initialBackoff"), get(t, "maxBackoff"),
                get(t, "multiplier"), get(t, "jitter"));
    }

    /**
     * The wait after failed attempt number {@code attempt} (1-based).
     * @param random a number in [0, 1) that spreads the wait by ±jitter
     */
    public Duration backoff(int attempt, double random) {
        double base = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, attempt - 1));
        double capped = Math.min(base, maxBackoff.toMillis());
        double spread = capped * jitter * (2 * random - 1);
        return Duration.ofMillis(Math.max(0, Math.round(capped + spread)));
    }
}
