package dev.millwright.kafka;

import dev.millwright.config.spec.Secret;
import dev.millwright.config.spec.Spec;

import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.ConfigValues.section;
import static dev.millwright.config.spec.Spec.optional;
import static dev.millwright.config.spec.Spec.textOrSecret;

/** Further client properties Kafka in and Kafka out both take (properties:). */
public final class KafkaProperties {
    private KafkaProperties() {
    }

    /** @param role consumer or producer */
    public static Spec.Field field(String role) {
        return optional("properties", new Spec.MapOf(textOrSecret()), null, "Further Kafka " + role + " properties (security.protocol, "
                + "sasl.jaas.config, ...); values that look like credentials must be secret references. The hub's own settings "
                + "(acknowledgement, idempotence, offsets) cannot be overridden.");
    }

    /** The section's properties, secret references resolved. */
    public static Map<String, Secret> of(Map<String, Object> section) {
        return section(section, "properties") == null ? Map.of() : Map.copyOf(get(section, "properties"));
    }
}
