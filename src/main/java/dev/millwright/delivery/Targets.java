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
        if (s.http() != null) return new HttpTarget(s.name(), s.http(), clock, rateLimits, mappings, metrics);
        if (s.mqtt() != null) return new MqttTarget(s.name(), s.mqtt(), metrics);
        if (s.kafka() != null) return new KafkaTarget(s.name(), s.kafka(), metrics);
        if (s.file() != null) return new FileTarget(s.name(), s.file(), mappings);
        return null;
    }
}
