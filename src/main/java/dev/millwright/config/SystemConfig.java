package dev.millwright.config;

import dev.millwright.config.spec.Secret;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.ConfigValues.section;

/** An external system (systems/NAME.yaml). */
public record SystemConfig(String name, String description, OutboundChannel outbound, Inbound inbound, java.util.List<String> plants,
                           java.util.List<String> sources, Secret producerToken) {

    public SystemConfig {
        plants = plants == null ? java.util.List.of() : java.util.List.copyOf(plants);
        sources = sources == null ? java.util.List.of() : java.util.List.copyOf(sources);
    }

    /** Whether {@code source} is one of this system's declared sources (a trailing * matches a prefix); false when none are declared. */
    public boolean ownsSource(String source) {
        for (String s : sources) {
            if (s.endsWith("*") ? source.startsWith(s.substring(0, s.length() - 1)) : source.equals(s)) return true;
        }
        return false;
    }

    /**
     * What every inbound channel has, whatever its kind: code that treats channels alike (mapping checks, re-mapping a
     * failed payload) goes through this, so a new kind is named only in its spec, its record, its entry in
     * PlantSpecs.CONNECTORS and the reader list.
     */
    public sealed interface InboundChannel permits InboundHttp, InboundFiles, InboundMqtt, InboundKafka, InboundOpcUa {
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
    }

    /**
     * What every outbound connector has, whatever its kind. A system has at most one ({@link #outbound()}, null when it
     * can only send to the hub); a new kind is named in its spec, its record, its entry in PlantSpecs.CONNECTORS and
     * the target switch (Targets), which does not compile until it has one.
     */
    public sealed interface OutboundChannel permits HttpOutbound, FileOutbound, MqttOutbound, KafkaOutbound {
        String kind();

        /** The longest one delivery can take, which a lane lease must outlast twice. */
        Duration longestCall();
    }

    /** The outbound connector when it is HTTP, else null. */
    public HttpOutbound http() {
        return outbound instanceof HttpOutbound h ? h : null;
    }

    /** The outbound connector when it writes files, else null. */
    public FileOutbound file() {
        return outbound instanceof FileOutbound f ? f : null;
    }

    /** The outbound connector when it publishes to MQTT, else null. */
    public MqttOutbound mqtt() {
        return outbound instanceof MqttOutbound m ? m : null;
    }

    /** The outbound connector when it produces to Kafka, else null. */
    public KafkaOutbound kafka() {
        return outbound instanceof KafkaOutbound k ? k : null;
    }

    /** Producing deliveries to Kafka; properties hold resolved secret references. */
    public record KafkaOutbound(String bootstrapServers, String topic, String key, Duration timeout, RetryPolicy retry,
                                Map<String, Secret> properties) implements OutboundChannel {
        @Override
        public String kind() {
            return "kafka";
        }

        @Override
        public Duration longestCall() {
            return timeout;
        }
    }

    /** Monitoring an OPC UA server's nodes. */
    /** An OPC UA security policy and mode, with the hub's application certificate and the servers it trusts. */
    public record OpcSecurity(String policy, String mode, Tls stores) {
    }

    /**
     * @param security null: security policy None
     * @param username null: anonymous
     */
    public record InboundOpcUa(String endpoint, Map<String, OpcNode> nodes, Duration publishingInterval, String mapping, String source,
                               Duration reconnectMax, OpcSecurity security, String username, Secret password) implements InboundChannel {
        @Override
        public String kind() {
            return "opcua";
        }
    }

    public record OpcNode(String nodeId, Duration samplingInterval) {
    }

    /** Consuming a system's Kafka topics. */
    public record InboundKafka(String bootstrapServers, java.util.List<String> topics, String groupId, String format, String mapping,
                               String source, int maxPollRecords, Map<String, Secret> properties) implements InboundChannel {
        @Override
        public String kind() {
            return "kafka";
        }

        /** @param reference topic/partition@offset (the record's key is not kept with a failure) */
        @Override
        public Map<String, String> variables(String reference) {
            int slash = reference.lastIndexOf('/'), at = reference.lastIndexOf('@');
            if (slash < 0 || at < slash) return Map.of("topic", reference);
            return Map.of("topic", reference.substring(0, slash), "partition", reference.substring(slash + 1, at),
                    "offset", reference.substring(at + 1));
        }
    }

    /** Publishing deliveries to an MQTT broker. */
    public record MqttOutbound(MqttBroker broker, String topic, boolean retain, Duration timeout, RetryPolicy retry) implements OutboundChannel {
        @Override
        public String kind() {
            return "mqtt";
        }

        @Override
        public Duration longestCall() {
            return timeout;
        }
    }

    /** How the system sends to the hub: its channels by section (inbound.NAME), in the order of PlantSpecs.CONNECTORS. */
    public record Inbound(Map<String, InboundChannel> bySection) {
        public static final Inbound NONE = new Inbound(Map.of());

        public InboundHttp http() {
            return (InboundHttp) bySection.get("http");
        }

        public InboundFiles files() {
            return (InboundFiles) bySection.get("files");
        }

        public InboundMqtt mqtt() {
            return (InboundMqtt) bySection.get("mqtt");
        }

        public InboundKafka kafka() {
            return (InboundKafka) bySection.get("kafka");
        }

        public InboundOpcUa opcua() {
            return (InboundOpcUa) bySection.get("opcua");
        }

        /** The channels configured, in the order of PlantSpecs.CONNECTORS. */
        public java.util.List<InboundChannel> channels() {
            return java.util.List.copyOf(bySection.values());
        }

        /** The configured channel of this kind, or null. */
        public InboundChannel channel(String kind) {
            return channels().stream().filter(c -> c.kind().equals(kind)).findFirst().orElse(null);
        }
    }

    /** A folder the system drops files into. */
    public record InboundFiles(java.nio.file.Path dir, String pattern, String format, String mapping, String source,
                               Duration stableFor, String marker, Duration pollInterval, long maxFileBytes) implements InboundChannel {
        @Override
        public String kind() {
            return "file";
        }

        @Override
        public String section() {
            return "files";
        }

        @Override
        public Map<String, String> variables(String reference) {
            return Map.of("file", reference);
        }
    }

    /** An MQTT broker connection. */
    /** @param tls null: plain TCP */
    public record MqttBroker(String host, int port, String clientId, String username, Secret password, Duration reconnectMax, Tls tls) {
    }

    /** Topics the system publishes to, subscribed with QoS 1. */
    public record InboundMqtt(MqttBroker broker, java.util.List<String> topics, String format, String mapping, String source,
                              Duration sessionExpiry) implements InboundChannel {
        @Override
        public String kind() {
            return "mqtt";
        }

        @Override
        public Map<String, String> variables(String reference) {
            return Map.of("topic", reference);
        }
    }

    /** Delivery as files in a folder. */
    public record FileOutbound(java.nio.file.Path dir, String format, String mapping, RetryPolicy retry, boolean neutralizeFormulas)
            implements OutboundChannel {
        @Override
        public String kind() {
            return "file";
        }

        /** File writes are given 1 s (see FileTarget). */
        @Override
        public Duration longestCall() {
            return Duration.ofSeconds(1);
        }
    }

    /** Payloads the system POSTs to the hub, mapped to events; secrets resolved. */
    public record InboundHttp(String mapping, String source, String authType, Secret secret, String signs, String signatureHeader,
                              String prefix, String encoding, String timestampHeader, Duration replayWindow, Secret token) implements InboundChannel {
        public boolean signsTimestamp() {
            return signs.equals("timestamp.body");
        }

        @Override
        public String kind() {
            return "http";
        }
    }

    /** Delivery over HTTP; headers hold resolved secret references. */
    public record HttpOutbound(URI baseUrl, Map<String, Secret> headers, Duration timeout, int maxConcurrency,
                               double rateLimit, RetryPolicy retry, Auth auth, Breaker circuitBreaker,
                               Map<String, Operation> operations, Tls tls) implements OutboundChannel {
        @Override
        public String kind() {
            return "http";
        }

        /** The longest a delivery can take from joining a call to its answer: the timeout plus the longest batch wait. */
        @Override
        public Duration longestCall() {
            return timeout.plus(operations.values().stream().filter(op -> op.batch() != null)
                    .map(op -> op.batch().maxWait()).max(Duration::compareTo).orElse(Duration.ZERO));
        }
    }

    /** A named call: method, path and the mapping from the CloudEvent to the body (null: send the CloudEvent). */
    public record Operation(String method, String path, String mapping, Batch batch, String onUnresolved, Duration cacheTtl, int cacheSize,
                            String onUnavailable, Map<String, String> headers) {
    }

    /**
     * Bulk calls: up to maxItems deliveries of one operation (or what arrives within maxWait) go in one call: as a
     * JSON array ({@code format} json; {@code results}, JSONata over the response, yields one result per item, in
     * order), or as an OData V2 $batch (odata: each item its own request in its own changeset, answered one by one).
     */
    public record Batch(String format, String path, int maxItems, Duration maxWait, String itemKey, String results) {
        public boolean odata() {
            return format.equals("odata");
        }

        /** The service root an OData $batch path belongs to ("/API_X_SRV/" for "/API_X_SRV/$batch"). */
        public String serviceRoot() {
            return path.substring(0, path.lastIndexOf('/') + 1);
        }
    }

    public record Breaker(int failureThreshold, Duration openFor) {
        public static final Breaker OFF = new Breaker(0, Duration.ofSeconds(30));
    }

    /** How calls authenticate; only the section of {@code type} is set. */
    public record Auth(String type, ApiKey apiKey, Basic basic, OAuth2 oauth2, Csrf csrf) {
        public static final Auth NONE = new Auth("none", null, null, null, null);
    }

    /** The CSRF handshake before writes: a GET of fetchPath with HEADER: Fetch gives the token and cookies. */
    public record Csrf(String fetchPath, String header) {
    }

    public record ApiKey(String header, Secret value) {
    }

    public record Basic(String username, Secret password) {
    }

    public record OAuth2(URI tokenUrl, String clientId, Secret clientSecret, String scope, String audience) {
    }

    private static Map<String, Operation> operations(Map<String, Object> t) {
        if (t == null) return Map.of();
        Map<String, Operation> out = new java.util.LinkedHashMap<>();
        t.forEach((name, v) -> {
            @SuppressWarnings("unchecked") Map<String, Object> op = (Map<String, Object>) v;
            var batch = section(op, "batch");
            out.put(name, new Operation(get(op, "method"), get(op, "path"), get(op, "mapping"), batch == null ? null
                    : new Batch(get(batch, "format"), java.util.Objects.requireNonNullElse(get(batch, "path"), get(op, "path")), get(batch, "maxItems"),
                    get(batch, "maxWait"), get(batch, "itemKey"), get(batch, "results")), get(op, "onUnresolved"),
                    get(op, "cacheTtl"), get(op, "cacheSize"), get(op, "onUnavailable"),
                    section(op, "headers") == null ? Map.of() : Map.copyOf(get(op, "headers"))));
        });
        return Map.copyOf(out);
    }

    private static Auth auth(Map<String, Object> t) {
        if (t == null) return Auth.NONE;
        var apiKey = section(t, "apiKey");
        var basic = section(t, "basic");
        var oauth2 = section(t, "oauth2");
        var csrf = section(t, "csrf");
        return new Auth(get(t, "type"),
                apiKey == null ? null : new ApiKey(get(apiKey, "header"), get(apiKey, "value")),
                basic == null ? null : new Basic(get(basic, "username"), get(basic, "password")),
                oauth2 == null ? null : new OAuth2(get(oauth2, "tokenUrl"), get(oauth2, "clientId"), get(oauth2, "clientSecret"),
                        get(oauth2, "scope"), get(oauth2, "audience")),
                csrf == null ? null : new Csrf(get(csrf, "fetchPath"), get(csrf, "header")));
    }

    /**
     * Outbound TLS beyond the JVM's defaults: whom to trust (the system's CA or its certificate) and the client
     * certificate to present (mutual TLS). Verification of the server's certificate and name is always on.
     */
    public record Tls(java.nio.file.Path trustStore, Secret trustStorePassword, java.nio.file.Path keyStore, Secret keyStorePassword, String type) {
    }

    /** @return null when the section names no store (the JVM's defaults) */
    private static Tls tls(Map<String, Object> t) {
        if (t == null || get(t, "trustStore") == null && get(t, "keyStore") == null) return null;
        String trust = get(t, "trustStore"), key = get(t, "keyStore");
        return new Tls(trust == null ? null : java.nio.file.Path.of(trust).toAbsolutePath(), get(t, "trustStorePassword"),
                key == null ? null : java.nio.file.Path.of(key).toAbsolutePath(), get(t, "keyStorePassword"), get(t, "type"));
    }

    static SystemConfig from(Map<String, Object> t) {
        var outbound = section(t, "outbound");
        var inbound = section(t, "inbound");
        Map<String, InboundChannel> channels = new java.util.LinkedHashMap<>();
        OutboundChannel out = null;
        for (PlantSpecs.Connector c : PlantSpecs.CONNECTORS) {
            Map<String, Object> in = c.inbound() == null || inbound == null ? null : section(inbound, c.name());
            if (in != null) channels.put(c.name(), c.inbound().apply(in));
            Map<String, Object> to = c.outbound() == null || outbound == null ? null : section(outbound, c.name());
            if (to != null) out = c.outbound().apply(to); // PlantConfig refuses a file that declares two
        }
        Inbound in = channels.isEmpty() ? Inbound.NONE : new Inbound(java.util.Collections.unmodifiableMap(channels));
        var producer = section(t, "producer");
        return new SystemConfig(get(t, "name"), get(t, "description"), out, in, get(t, "plants"), get(t, "sources"),
                producer == null ? null : get(producer, "token"));
    }

    static HttpOutbound outboundHttp(Map<String, Object> http) {
        Map<String, Secret> headers = section(http, "headers") == null ? Map.of() : Map.copyOf(get(http, "headers"));
        return new HttpOutbound(get(http, "baseUrl"), headers, get(http, "timeout"), get(http, "maxConcurrency"),
                get(http, "rateLimit"), RetryPolicy.from(section(http, "retry")), auth(section(http, "auth")),
                new Breaker(get(section(http, "circuitBreaker"), "failureThreshold"), get(section(http, "circuitBreaker"), "openFor")),
                operations(section(http, "operations")), tls(section(http, "tls")));
    }

    static FileOutbound outboundFile(Map<String, Object> file) {
        return new FileOutbound(java.nio.file.Path.of((String) get(file, "dir")).toAbsolutePath(), get(file, "format"), get(file, "mapping"),
                RetryPolicy.from(section(file, "retry")), get(file, "neutralizeFormulas"));
    }

    static MqttOutbound outboundMqtt(Map<String, Object> mqtt) {
        return new MqttOutbound(broker(section(mqtt, "broker")), get(mqtt, "topic"), get(mqtt, "retain"), get(mqtt, "timeout"),
                RetryPolicy.from(section(mqtt, "retry")));
    }

    static KafkaOutbound outboundKafka(Map<String, Object> kafka) {
        return new KafkaOutbound(get(kafka, "bootstrapServers"), get(kafka, "topic"), get(kafka, "key"), get(kafka, "timeout"),
                RetryPolicy.from(section(kafka, "retry")), properties(kafka));
    }

    static InboundHttp inboundHttp(Map<String, Object> in) {
        if (in == null) return null;
        var auth = section(in, "auth");
        return new InboundHttp(get(in, "mapping"), get(in, "source"), get(auth, "type"), get(auth, "secret"), get(auth, "signs"),
                get(auth, "signatureHeader"), "none".equals(get(auth, "prefix")) ? "" : get(auth, "prefix"), get(auth, "encoding"), get(auth, "timestampHeader"),
                get(auth, "replayWindow"), get(auth, "token"));
    }

    static InboundFiles inboundFiles(Map<String, Object> f) {
        if (f == null) return null;
        return new InboundFiles(java.nio.file.Path.of((String) get(f, "dir")).toAbsolutePath(), get(f, "pattern"), get(f, "format"),
                get(f, "mapping"), get(f, "source"), get(f, "stableFor"), get(f, "marker"), get(f, "pollInterval"),
                ((Number) get(f, "maxFileBytes")).longValue());
    }

    private static Map<String, Secret> properties(Map<String, Object> section) {
        return section(section, "properties") == null ? Map.of() : Map.copyOf(get(section, "properties"));
    }

    static InboundOpcUa inboundOpcUa(Map<String, Object> o) {
        if (o == null) return null;
        Map<String, OpcNode> nodes = new java.util.LinkedHashMap<>();
        Map<String, Object> given = get(o, "nodes");
        given.forEach((name, v) -> {
            @SuppressWarnings("unchecked") Map<String, Object> n = (Map<String, Object>) v;
            nodes.put(name, new OpcNode(get(n, "nodeId"), get(n, "samplingInterval")));
        });
        var sec = section(o, "security");
        OpcSecurity security = sec == null || "None".equals(get(sec, "policy")) ? null
                : new OpcSecurity(get(sec, "policy"), get(sec, "mode"), new Tls(path(get(sec, "trustStore")), get(sec, "trustStorePassword"),
                path(get(sec, "keyStore")), get(sec, "keyStorePassword"), get(sec, "type")));
        return new InboundOpcUa(get(o, "endpoint"), Map.copyOf(nodes), get(o, "publishingInterval"), get(o, "mapping"), get(o, "source"),
                get(o, "reconnectMax"), security, get(o, "username"), get(o, "password"));
    }

    private static java.nio.file.Path path(String p) {
        return p == null ? null : java.nio.file.Path.of(p).toAbsolutePath();
    }

    static InboundKafka inboundKafka(Map<String, Object> k) {
        if (k == null) return null;
        return new InboundKafka(get(k, "bootstrapServers"), get(k, "topics"), get(k, "groupId"), get(k, "format"), get(k, "mapping"),
                get(k, "source"), get(k, "maxPollRecords"), properties(k));
    }

    static InboundMqtt inboundMqtt(Map<String, Object> m) {
        if (m == null) return null;
        return new InboundMqtt(broker(section(m, "broker")), get(m, "topics"), get(m, "format"), get(m, "mapping"), get(m, "source"),
                get(m, "sessionExpiry"));
    }

    static MqttBroker broker(Map<String, Object> b) {
        return new MqttBroker(get(b, "host"), get(b, "port"), get(b, "clientId"), get(b, "username"),
                get(b, "password"), get(b, "reconnectMax"), mqttTls(section(b, "tls")));
    }

    /** @return null: plain TCP */
    private static Tls mqttTls(Map<String, Object> t) {
        if (t == null || !Boolean.TRUE.equals(get(t, "enabled"))) return null;
        Tls stores = tls(t);
        return stores != null ? stores : new Tls(null, null, null, null, get(t, "type"));
    }
}
