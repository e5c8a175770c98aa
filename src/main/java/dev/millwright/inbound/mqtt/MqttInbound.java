package dev.millwright.inbound.mqtt;

import dev.millwright.health.Health;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.millwright.inbound.InboundConnector;
import dev.millwright.inbound.Inbox;
import dev.millwright.inbound.PayloadFormat;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.mqtt.MqttSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Subscribes to a system's MQTT topics with QoS 1 on a persistent session, and acknowledges each message
 * to the broker only once its events (or its inbound failure) are committed. Messages not acknowledged
 * when the hub dies are sent again by the broker to the next session — on this node or the one that takes
 * the lease — and come back as duplicates, since event ids come from the payload.
 */
public final class MqttInbound implements InboundConnector.Reader {
    private static final Logger log = LoggerFactory.getLogger(MqttInbound.class);

    /** One received message and how to acknowledge it. */
    private record Message(String topic, byte[] payload, Runnable ack) {
    }

    private final String system;
    private final InboundMqtt config;
    private final Inbox inbox;
    private final HubMetrics metrics;
    private final PayloadFormat format;

    public MqttInbound(String system, InboundMqtt config, Inbox inbox, HubMetrics metrics) {
        this.system = system;
        this.config = config;
        this.inbox = inbox;
        this.metrics = metrics;
        this.format = PayloadFormat.of(config.format());
    }

    @Override
    public String system() {
        return system;
    }

    @Override
    public String channel() {
        return config.kind();
    }

    @Override
    public void run(InboundConnector.Lease lease) throws InterruptedException {
        BlockingQueue<Message> received = new LinkedBlockingQueue<>();
        MqttSession.Listener listener = new MqttSession.Listener() {
            @Override
            public void problem(String problem) {
                lease.problem(problem);
            }

            @Override
            public void ok() {
                lease.ok();
            }
        };
        // ALL, not SUBSCRIBED: a resumed session delivers its queued messages before this client instance subscribes.
        try (MqttSession session = MqttSession.open(system, config.broker(), "in", config.sessionExpiry(), metrics, listener,
                client -> client.publishes(MqttGlobalPublishFilter.ALL,
                        p -> received.add(new Message(p.getTopic().toString(), p.getPayloadAsBytes(), p::acknowledge)), true),
                this::subscribe)) {
            while (lease.held()) {
                Message m = received.poll(200, TimeUnit.MILLISECONDS);
                if (m == null) continue;
                if (!take(m, lease)) return; // lease lost while the database was away: leave it unacknowledged
                m.ack().run();
            }
        }
        // Unacknowledged messages stay with the broker's session for whoever connects next.
    }

    @Override
    public Health check() throws InterruptedException {
        return MqttSession.check(system, config.broker());
    }

    /** Stores the message's events or its failure; retries while the database is away. @return false if the lease was lost meanwhile */
    private boolean take(Message m, InboundConnector.Lease lease) throws InterruptedException {
        Inbox.Receipt receipt = lease.untilStored(() -> inbox.take(new Inbox.Origin(system, config.kind(), m.topic()),
                new Inbox.Route(config.mapping(), config.source()), format, m.payload(), config.variables(m.topic())), "MQTT messages wait unacknowledged");
        if (receipt != null && receipt.deadLettered()) {
            log.warn("{}: message on {} dead-lettered as inbound failure {}: {}", system, m.topic(), receipt.failureId(), receipt.reason());
        }
        return receipt != null;
    }

    /** Subscribes after every connection: harmless when the broker kept the session, needed when it lost it. */
    private void subscribe(Mqtt5AsyncClient client) {
        client.subscribe(com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe.builder()
                .addSubscriptions(config.topics().stream().map(topic -> com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscription.builder()
                        .topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).build()))
                .build()).join();
    }
}
