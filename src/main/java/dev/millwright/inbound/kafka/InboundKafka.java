package dev.millwright.inbound.kafka;

import dev.millwright.config.spec.Secret;
import dev.millwright.config.spec.Spec;
import dev.millwright.connector.Connector;
import dev.millwright.inbound.InboundConnector;
import dev.millwright.inbound.InboundFields;
import dev.millwright.inbound.Inbox;
import dev.millwright.kafka.KafkaProperties;
import dev.millwright.metrics.HubMetrics;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.spec.Spec.integer;
import static dev.millwright.config.spec.Spec.object;
import static dev.millwright.config.spec.Spec.optional;
import static dev.millwright.config.spec.Spec.required;
import static dev.millwright.config.spec.Spec.string;

/** Consuming a system's Kafka topics (inbound.kafka). */
public record InboundKafka(String bootstrapServers, List<String> topics, String groupId, String format, String mapping,
                           String source, int maxPollRecords, Map<String, Secret> properties) implements InboundConnector.Channel {

    public static final Spec.Obj SPEC = object(
            required("bootstrapServers", string(), "Kafka brokers to start from.", "127.0.0.1:9092"),
            required("topics", Spec.listOf(string()), "Topics to consume.", "[plant-a.telemetry]"),
            optional("groupId", string(), null, "Consumer group (default millwright-NAME). Every hub node joins it, so partitions "
                    + "are shared out over the nodes and move when one dies — after the consumer's session.timeout.ms (45 s by "
                    + "default; set it lower in properties to move them sooner)."),
            InboundFields.format(),
            InboundFields.mapping("telemetry.jsonata"),
            InboundFields.source(),
            optional("maxPollRecords", integer(1, 10_000), 500, "Most records taken (and committed to PostgreSQL together) per poll."),
            KafkaProperties.field("consumer")
    );

    public static final Connector CONNECTOR = Connector.in("kafka", SPEC, "kafka-inbound", "Kafka in",
            "Records on Kafka topics, consumed in a consumer group; offsets are committed "
                    + "only after the records' events are stored.", InboundKafka::from);

    static InboundKafka from(Map<String, Object> k) {
        return new InboundKafka(get(k, "bootstrapServers"), get(k, "topics"), get(k, "groupId"), get(k, "format"), get(k, "mapping"),
                get(k, "source"), get(k, "maxPollRecords"), KafkaProperties.of(k));
    }

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

    @Override
    public InboundConnector.Reader reader(String system, Inbox inbox, Clock clock, HubMetrics metrics) {
        return new KafkaInbound(system, this, inbox);
    }
}
