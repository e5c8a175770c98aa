package dev.millwright.config;

import dev.millwright.config.spec.Secret;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.ConfigValues.section;

/** An external system (systems/NAME.yaml). */
public record SystemConfig(String name, String description, HttpOutbound http) {

    /** Delivery over HTTP; headers hold resolved secret references. */
    public record HttpOutbound(URI baseUrl, Map<String, Secret> headers, Duration timeout, int maxConcurrency,
                               double rateLimit, RetryPolicy retry) {
    }

    static SystemConfig from(Map<String, Object> t) {
        var outbound = section(t, "outbound");
        var http = outbound == null ? null : section(outbound, "http");
        HttpOutbound out = null;
        if (http != null) {
            Map<String, Secret> headers = section(http, "headers") == null ? Map.of() : Map.copyOf(get(http, "headers"));
            out = new HttpOutbound(get(http, "baseUrl"), headers, get(http, "timeout"), get(http, "maxConcurrency"),
                    get(http, "rateLimit"), RetryPolicy.from(section(http, "retry")));
        }
        return new SystemConfig(get(t, "name"), get(t, "description"), out);
    }
}
