package dev.millwright.delivery;

import dev.millwright.config.SystemConfig;
import dev.millwright.mapping.Mappings;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.store.RateLimitStore;

import java.time.Clock;

/** The target of the outbound connector a system declares, made by its kind (see Connectors). */
public final class Targets {
    private Targets() {
    }

    /** @return null when the system has no outbound section */
    public static Target of(SystemConfig s, Clock clock, RateLimitStore rateLimits, Mappings mappings, HubMetrics metrics) {
        // Every outbound kind reads its section into a Target.Channel (Connector.outbound's type), so this cast holds.
        return s.outbound() == null ? null
                : ((Target.Channel) s.outbound()).target(s.name(), new Target.Deps(clock, rateLimits, mappings, metrics));
    }
}
