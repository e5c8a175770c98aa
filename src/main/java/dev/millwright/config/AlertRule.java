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
                        Duration within) {
    public static AlertRule from(Map<String, Object> t) {
        var when = section(t, "when");
        var expect = section(t, "expect");
        return new AlertRule(get(t, "name"), get(t, "description"), get(t, "severity"), get(when, "on"), get(when, "key"),
                get(expect, "on"), get(expect, "key"), get(t, "within"));
    }

    /** A type pattern as subscriptions write it: exact, a family ending in '.*', or '*'. */
    public static boolean matches(String pattern, String type) {
        if (pattern.equals("*")) return true;
        if (pattern.endsWith(".*")) return type.startsWith(pattern.substring(0, pattern.length() - 1));
        return pattern.equals(type);
    }
}
