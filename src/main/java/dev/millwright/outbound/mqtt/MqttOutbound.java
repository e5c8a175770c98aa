package dev.millwright.outbound.mqtt;

import dev.millwright.config.RetryPolicy;
import dev.millwright.config.spec.Spec;
import dev.millwright.connector.Connector;
import dev.millwright.delivery.Target;
import dev.millwright.mqtt.MqttBroker;

import java.time.Duration;
import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.ConfigValues.section;
import static dev.millwright.config.spec.Spec.bool;
import static dev.millwright.config.spec.Spec.duration;
import static dev.millwright.config.spec.Spec.object;
import static dev.millwright.config.spec.Spec.optional;
import static dev.millwright.config.spec.Spec.required;
import static dev.millwright.config.spec.Spec.string;

/** Publishing deliveries to an MQTT broker (outbound.mqtt). */
public record MqttOutbound(MqttBroker broker, String topic, boolean retain, Duration timeout, RetryPolicy retry) implements Target.Channel {

    public static final Spec.Obj SPEC = object(
            optional("broker", MqttBroker.SPEC, null, "The broker."),
            required("topic", string(), "Topic template; {type}, {subject}, {source}, {id} and extension attributes such as {plant} "
                    + "are filled from the event ('/', '+', '#' in values become '_'). Key it by plant and asset so each asset's "
                    + "events share a topic and keep their order.", "millwright/{plant}/{type}/{subject}"),
            optional("retain", bool(), false, "Publish with the retain flag (the broker keeps the last event per topic for new subscribers)."),
            optional("timeout", duration(), "10s", "How long to wait for the broker's PUBACK."),
            optional("retry", RetryPolicy.SPEC, null, "Retries while the broker is unreachable or does not acknowledge.")
    );

    public static final Connector CONNECTOR = Connector.out("mqtt", SPEC, "mqtt-outbound", "MQTT publish",
            "Publish to an MQTT broker with QoS 1, the CloudEvent as payload "
                    + "(content type application/cloudevents+json, user property idempotency-key); delivered on PUBACK.",
            MqttOutbound::from);

    static MqttOutbound from(Map<String, Object> mqtt) {
        return new MqttOutbound(MqttBroker.from(section(mqtt, "broker")), get(mqtt, "topic"), get(mqtt, "retain"), get(mqtt, "timeout"),
                RetryPolicy.from(section(mqtt, "retry")));
    }

    @Override
    public String kind() {
        return "mqtt";
    }

    @Override
    public Duration longestCall() {
        return timeout;
    }

    @Override
    public Target target(String system, Target.Deps deps) {
        return new MqttTarget(system, this, deps.metrics());
    }
}
