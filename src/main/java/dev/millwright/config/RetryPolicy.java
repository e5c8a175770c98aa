package dev.millwright.config;

import dev.millwright.config.spec.Spec;

import java.time.Duration;
import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.spec.Spec.duration;
import static dev.millwright.config.spec.Spec.integer;
import static dev.millwright.config.spec.Spec.number;
import static dev.millwright.config.spec.Spec.object;
import static dev.millwright.config.spec.Spec.optional;

/** How a failing delivery is retried: exponential backoff with jitter, up to a number of attempts. */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier, double jitter) {

    /** The retry section of every outbound connector. */
    public static final Spec.Obj SPEC = object(
            optional("maxAttempts", integer(1, 1000), 10, "Attempts before a delivery goes dead."),
            optional("initialBackoff", duration(), "1s", "Wait after the first failed attempt."),
            optional("maxBackoff", duration(), "5m", "Longest wait between attempts."),
            optional("multiplier", number(1.0, 10.0), 2.0, "Growth of the wait per attempt."),
            optional("jitter", number(0.0, 1.0), 0.2, "Random spread of each wait, as a fraction of it.")
    );

    public static RetryPolicy from(Map<String, Object> t) {
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
