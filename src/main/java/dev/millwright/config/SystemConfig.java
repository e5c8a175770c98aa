package dev.millwright.config;

import dev.millwright.config.spec.Secret;
import dev.millwright.connector.Connector;
import dev.millwright.connector.Connectors;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.ConfigValues.section;

/** An external system (systems/NAME.yaml). */
public record SystemConfig(String name, String description, OutboundChannel outbound, Inbound inbound, List<String> plants,
                           List<String> sources, Secret producerToken) {

    public SystemConfig {
        plants = plants == null ? List.of() : List.copyOf(plants);
        sources = sources == null ? List.of() : List.copyOf(sources);
    }

    /** Whether {@code source} is one of this system's declared sources (a trailing * matches a prefix); false when none are declared. */
    public boolean ownsSource(String source) {
        for (String s : sources) {
            if (s.endsWith("*") ? source.startsWith(s.substring(0, s.length() - 1)) : source.equals(s)) return true;
        }
        return false;
    }

    /** A problem a channel finds in its own settings: the key under its section, and what is wrong. */
    public record Problem(String key, String message) {
    }

    /**
     * What every inbound channel has, whatever its kind: code that treats channels alike (mapping checks, re-mapping a
     * failed payload) goes through this. Each kind's record (in its package, see Connectors) implements it.
     */
    public interface InboundChannel {
        /** The channel name a received payload's origin carries (http, file, mqtt, kafka, opcua). */
        String kind();

        /** The key of its section under {@code inbound:}. */
        default String section() {
            return kind();
        }

        String mapping();

        String source();

        /** What the mapping sees as {@code $variables} for a payload from this reference (a file name, a topic ...). */
        default Map<String, String> variables(String reference) {
            return Map.of();
        }

        /** What is wrong with these settings beyond what the spec checks (settings that need each other). */
        default List<Problem> problems() {
            return List.of();
        }
    }

    /**
     * What every outbound connector has, whatever its kind. A system has at most one ({@link #outbound()}, null when it
     * can only send to the hub). Each kind's record (in its package, see Connectors) implements it.
     */
    public interface OutboundChannel {
        String kind();

        /** The longest one delivery can take, which a lane lease must outlast twice. */
        Duration longestCall();

        /** Named calls subscriptions and flows can use, with their HTTP methods; none for kinds without operations. */
        default Map<String, String> operationMethods() {
            return Map.of();
        }

        /** The mappings (in mappings/) these settings name, by their key under the section. */
        default Map<String, String> mappings() {
            return Map.of();
        }

        /** What is wrong with these settings beyond what the spec checks (settings that need each other). */
        default List<Problem> problems() {
            return List.of();
        }
    }

    /** The outbound connector when it is of this kind, else null. */
    public <T extends OutboundChannel> T outbound(Class<T> kind) {
        return kind.isInstance(outbound) ? kind.cast(outbound) : null;
    }

    /** How the system sends to the hub: its channels by section (inbound.NAME), in the order of Connectors.ALL. */
    public record Inbound(Map<String, InboundChannel> bySection) {
        public static final Inbound NONE = new Inbound(Map.of());

        /** The channels configured, in the order of Connectors.ALL. */
        public List<InboundChannel> channels() {
            return List.copyOf(bySection.values());
        }

        /** The configured channel of this kind (its origin name: http, file, mqtt ...), or null. */
        public InboundChannel channel(String kind) {
            return channels().stream().filter(c -> c.kind().equals(kind)).findFirst().orElse(null);
        }

        /** The configured channel of this kind, or null. */
        public <T extends InboundChannel> T channel(Class<T> kind) {
            return channels().stream().filter(kind::isInstance).map(kind::cast).findFirst().orElse(null);
        }
    }

    static SystemConfig from(Map<String, Object> t) {
        var outbound = section(t, "outbound");
        var inbound = section(t, "inbound");
        Map<String, InboundChannel> channels = new LinkedHashMap<>();
        OutboundChannel out = null;
        for (Connector c : Connectors.ALL) {
            Map<String, Object> in = c.inbound() == null || inbound == null ? null : section(inbound, c.name());
            if (in != null) channels.put(c.name(), c.inbound().apply(in));
            Map<String, Object> to = c.outbound() == null || outbound == null ? null : section(outbound, c.name());
            if (to != null) out = c.outbound().apply(to); // PlantConfig refuses a file that declares two
        }
        Inbound in = channels.isEmpty() ? Inbound.NONE : new Inbound(Collections.unmodifiableMap(channels));
        var producer = section(t, "producer");
        return new SystemConfig(get(t, "name"), get(t, "description"), out, in, get(t, "plants"), get(t, "sources"),
                producer == null ? null : get(producer, "token"));
    }
}
