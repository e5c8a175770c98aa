package dev.millwright.config;

import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.ConfigValues.section;

/** "Deliver events of type T to system S at path P" (subscriptions/NAME.yaml). */
public record Subscription(String name, String on, String system, String path, String operation, String orderBy, boolean enabled) {

    static Subscription from(Map<String, Object> t) {
        var deliver = section(t, "deliver");
        return new Subscription(get(t, "name"), get(t, "on"), get(deliver, "system"), get(deliver, "path"), get(deliver, "operation"),
                get(t, "orderBy"), get(t, "enabled"));
    }

    /** Whether this subscription takes events of {@code type}: exact, 'family.*', or '*'. */
    public boolean matches(String type) {
        if (on.equals("*")) return true;
        if (on.endsWith(".*")) return type.startsWith(on.substring(0, on.length() - 1));
        return on.equals(type);
    }
}
