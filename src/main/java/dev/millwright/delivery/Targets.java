package dev.millwright.delivery;

import dev.millwright.config.SystemConfig;
import dev.millwright.mapping.Mappings;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.store.RateLimitStore;

import java.time.Clock;

/** The outbound connector a system declares (http, kafka, mqtt or file). */
public final class Targets {
    private Targets() {
    }

    /** @return null when the system has no outbound section */
    public static Target of(SystemConfig s, Clock clock, RateLimitStore rateLimits, Mappings mappings, HubMetrics metrics) {
        return switch (s.outbound()) {
            case null -> null;
            case SystemConfig.HttpOutbound http -> new HttpTarget(s.name(), http, clock, rateLimits, mappings, metrics);
            case SystemConfig.MqttOutbound mqtt -> new MqttTarget(s.name(), mqtt, metrics);
            case SystemConfig.KafkaOutbound kafka -> new KafkaTarget(s.name(), kafka, metrics);
            case SystemConfig.FileOutbound file -> new FileTarget(s.name(), file, mappings);
        };
    }
}
