package dev.millwright.mqtt;

import dev.millwright.health.Health;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import dev.millwright.metrics.HubMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One MQTT 5 connection of the hub to a broker: a persistent session (the broker keeps subscriptions and
 * queues QoS 1 messages while the hub is away), reconnection with backoff from 1 s up to reconnectMax,
 * and {@code onConnected} run after every (re)connection, so subscriptions are made again when the
 * broker lost the session.
 */
public final class MqttSession implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MqttSession.class);

    /** Where connection problems are reported (an inbound connector's status, or the log). */
    public interface Listener {
        void problem(String problem);

        void ok();
    }

    private final Mqtt5AsyncClient client;

    private MqttSession(Mqtt5AsyncClient client) {
        this.client = client;
    }

    /**
     * Starts connecting; returns at once. {@code setUp} runs before the first connection (register message
     * callbacks there), {@code onConnected} after each connection.
     */
    public static MqttSession open(String system, MqttBroker broker, String role, Duration sessionExpiry, HubMetrics metrics,
                                   Listener listener, Consumer<Mqtt5AsyncClient> setUp, Consumer<Mqtt5AsyncClient> onConnected) {
        String where = broker.host() + ":" + broker.port();
        AtomicBoolean connectedBefore = new AtomicBoolean();
        Mqtt5AsyncClient[] holder = new Mqtt5AsyncClient[1];
        Mqtt5ClientBuilder builder = builder(broker, broker.clientId() != null ? broker.clientId() : "millwright-" + system + "-" + role)
                .automaticReconnect().initialDelay(1, TimeUnit.SECONDS).maxDelay(broker.reconnectMax().toMillis(), TimeUnit.MILLISECONDS)
                .applyAutomaticReconnect()
                .addConnectedListener(ctx -> {
                    if (connectedBefore.getAndSet(true)) metrics.reconnected(system);
                    log.info("{}: connected to MQTT broker {}", system, where);
                    Thread.startVirtualThread(() -> {
                        try {
                            onConnected.accept(holder[0]);
                            listener.ok(); // only once subscribed: before that, messages are not queued for the hub
                        } catch (RuntimeException e) {
                            listener.problem("connected to " + where + " but setting up failed: " + cause(e));
                        }
                    });
                })
                .addDisconnectedListener(ctx -> {
                    metrics.connectorError(system, "mqtt-disconnected");
                    listener.problem("MQTT broker " + where + " unreachable or disconnected: " + cause(ctx.getCause()) + "; reconnecting");
                });
        Mqtt5AsyncClient client = builder.buildAsync();
        holder[0] = client;
        setUp.accept(client);
        client.connectWith().cleanStart(false).sessionExpiryInterval(sessionExpiry.toSeconds()).send();
        return new MqttSession(client);
    }

    private static Mqtt5ClientBuilder builder(MqttBroker broker, String clientId) {
        Mqtt5ClientBuilder builder = MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost(broker.host()).serverPort(broker.port());
        if (broker.tls() != null) {
            var ssl = com.hivemq.client.mqtt.MqttClientSslConfig.builder();
            var trust = dev.millwright.security.TlsStores.trust(broker.tls());
            var keys = dev.millwright.security.TlsStores.keys(broker.tls());
            if (trust != null) ssl = ssl.trustManagerFactory(trust);
            if (keys != null) ssl = ssl.keyManagerFactory(keys);
            builder = builder.sslConfig(ssl.build());
        }
        if (broker.username() == null) return builder;
        var auth = builder.simpleAuth().username(broker.username());
        if (broker.password() != null) auth = auth.password(broker.password().value().getBytes(StandardCharsets.UTF_8));
        return auth.applySimpleAuth();
    }

    /** Connects once with a throwaway session (client id millwright-NAME-check) and says what the broker answered. */
    public static Health check(String system, MqttBroker broker) throws InterruptedException {
        String where = (broker.tls() == null ? "mqtt://" : "mqtts://") + broker.host() + ":" + broker.port();
        String auth = broker.username() == null ? "anonymous" : "user " + broker.username();
        long t0 = System.nanoTime();
        Mqtt5AsyncClient client = builder(broker, "millwright-" + system + "-check").buildAsync();
        String problem = null;
        try {
            client.connectWith().cleanStart(true).sessionExpiryInterval(0).send().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            problem = e.getCause() instanceof com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException refused
                    ? "the broker refused the connection: " + refused.getMqttMessage().getReasonCode()
                    : "cannot reach the broker at " + broker.host() + ":" + broker.port() + ": " + cause(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            problem = "no answer from the broker at " + broker.host() + ":" + broker.port() + " within 10 s";
        } finally {
            client.disconnect();
        }
        return new Health(system, problem == null, where, null, (System.nanoTime() - t0) / 1_000_000, auth, problem);
    }

    public Mqtt5AsyncClient client() {
        return client;
    }

    private static String cause(Throwable t) {
        if (t == null) return "unknown";
        while (t.getCause() != null && t.getMessage() == null) t = t.getCause();
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /** Disconnects, keeping the session (and any unacknowledged messages) at the broker. */
    @Override
    public void close() {
        try {
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Not connected (or the broker is gone): nothing to say goodbye to; stop reconnecting regardless.
            log.debug("MQTT disconnect: {}", e.getMessage());
        }
    }
}
