package dev.millwright.inbound.mqtt;

import dev.millwright.config.ConfigValues;
import dev.millwright.config.spec.Spec;
import dev.millwright.connector.Connector;
import dev.millwright.inbound.InboundConnector;
import dev.millwright.inbound.InboundFields;
import dev.millwright.inbound.Inbox;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.mqtt.MqttBroker;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.spec.Spec.duration;
import static dev.millwright.config.spec.Spec.object;
import static dev.millwright.config.spec.Spec.optional;
import static dev.millwright.config.spec.Spec.required;
import static dev.millwright.config.spec.Spec.string;

/** Topics the system publishes to, subscribed with QoS 1 (inbound.mqtt). */
public record InboundMqtt(MqttBroker broker, List<String> topics, String format, String mapping, String source,
                          Duration sessionExpiry) implements InboundConnector.Channel {

    public static final Spec.Obj SPEC = object(
            optional("broker", MqttBroker.SPEC, null, "The broker."),
            required("topics", Spec.listOf(string()), "Topic filters to subscribe to with QoS 1 (+ and # wildcards).", "[plant/+/+/state]"),
            InboundFields.format(),
            InboundFields.mapping("mes-machine-state.jsonata"),
            InboundFields.source(),
            optional("sessionExpiry", duration(), "1h", "How long the broker keeps the hub's session, and queues QoS 1 messages for it, "
                    + "while the hub is away.")
    );

    public static final Connector CONNECTOR = Connector.in("mqtt", SPEC, "mqtt-inbound", "MQTT in",
            "Messages the system publishes to an MQTT broker; each is acknowledged to the "
                    + "broker only once its events are stored.", InboundMqtt::from);

    static InboundMqtt from(Map<String, Object> m) {
        return new InboundMqtt(MqttBroker.from(ConfigValues.section(m, "broker")), get(m, "topics"), get(m, "format"), get(m, "mapping"), get(m, "source"),
                get(m, "sessionExpiry"));
    }

    @Override
    public String kind() {
        return "mqtt";
    }

    @Override
    public Map<String, String> variables(String reference) {
        return Map.of("topic", reference);
    }

    @Override
    public InboundConnector.Reader reader(String system, Inbox inbox, Clock clock, HubMetrics metrics) {
        return new MqttInbound(system, this, inbox, metrics);
    }
}
