package dev.millwright.outbound.kafka;

import dev.millwright.config.RetryPolicy;
import dev.millwright.config.spec.Secret;
import dev.millwright.config.spec.Spec;
import dev.millwright.connector.Connector;
import dev.millwright.delivery.Target;
import dev.millwright.kafka.KafkaProperties;

import java.time.Duration;
import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.ConfigValues.section;
import static dev.millwright.config.spec.Spec.duration;
import static dev.millwright.config.spec.Spec.object;
import static dev.millwright.config.spec.Spec.optional;
import static dev.millwright.config.spec.Spec.required;
import static dev.millwright.config.spec.Spec.secret;
import static dev.millwright.config.spec.Spec.string;

/** Producing deliveries to Kafka (outbound.kafka); properties hold resolved secret references. */
public record KafkaOutbound(String bootstrapServers, String topic, String key, Duration timeout, RetryPolicy retry,
                            Map<String, Secret> properties) implements Target.Channel {

    public static final Spec.Obj SPEC = object(
            required("bootstrapServers", string(), "Kafka brokers to start from.", "127.0.0.1:9092"),
            required("topic", string(), "Topic template; {type}, {plant} and other event attributes are filled in (characters Kafka "
                    + "does not allow in topic names become '_').", "millwright.{plant}.events"),
            optional("key", string(), "{plant}/{subject}", "Record key template: events with the same key go to the same partition, in order."),
            optional("timeout", duration(), "10s", "How long to wait for the broker's acknowledgement (acks=all)."),
            optional("retry", RetryPolicy.SPEC, null, "Retries while the brokers are unreachable or do not acknowledge."),
            KafkaProperties.field("producer")
    );

    public static final Connector CONNECTOR = Connector.out("kafka", SPEC, "kafka-outbound", "Kafka produce",
            "Produce to Kafka (idempotent producer, acks=all), the CloudEvent as value in "
                    + "structured mode (header content-type: application/cloudevents+json), keyed by plant and asset.",
            KafkaOutbound::from);

    static KafkaOutbound from(Map<String, Object> kafka) {
        return new KafkaOutbound(get(kafka, "bootstrapServers"), get(kafka, "topic"), get(kafka, "key"), get(kafka, "timeout"),
                RetryPolicy.from(section(kafka, "retry")), KafkaProperties.of(kafka));
    }

    @Override
    public String kind() {
        return "kafka";
    }

    @Override
    public Duration longestCall() {
        return timeout;
    }

    @Override
    public Target target(String system, Target.Deps deps) {
        return new KafkaTarget(system, this, deps.metrics());
    }
}
