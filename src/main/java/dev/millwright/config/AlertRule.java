package dev.millwright.config;

import java.time.Duration;
import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.ConfigValues.section;

/**
 * An expected step (alerts/NAME.yaml): after an event of type {@code when.on}, an event of type {@code expect.on}
 * with the same business key must come within {@code within}, else the alert fires for that key.
 */
public record AlertRule(String name, String description, String severity, String whenOn, String whenKey, String expectOn, String expectKey,
                        Duration within, String deadLettersOf, String queueOf, Duration queueAbove) {
    /** What a rule watches: a milestone that must follow a trigger, dead deliveries to a system, or a system's queue age. */
    public enum Kind { EXPECTATION, DEAD_LETTERS, QUEUE_AGE }

    public static AlertRule from(Map<String, Object> t) {
        var when = section(t, "when");
        var expect = section(t, "expect");
        var dead = section(t, "deadLetters");
        var queue = section(t, "queueAge");
        return new AlertRule(get(t, "name"), get(t, "description"), get(t, "severity"), when == null ? null : get(when, "on"),
                when == null ? null : get(when, "key"), expect == null ? null : get(expect, "on"), expect == null ? null : get(expect, "key"),
                get(t, "within"), dead == null ? null : get(dead, "system"), queue == null ? null : get(queue, "system"),
                queue == null ? null : get(queue, "above"));
    }

    public Kind kind() {
        return deadLettersOf != null ? Kind.DEAD_LETTERS : queueOf != null ? Kind.QUEUE_AGE : Kind.EXPECTATION;
    }

    /** A type pattern as subscriptions write it: exact, a family ending in '.*', or '*'. */
    public static boolean matches(String pattern, String type) {
        if (pattern.equals("*")) return true;
        if (pattern.endsWith(".*")) return type.startsWith(pattern.substring(0, pattern.length() - 1));
        return pattern.equals(type);
    }
}
