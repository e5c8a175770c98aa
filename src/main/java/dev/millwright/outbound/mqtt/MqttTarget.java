package dev.millwright.outbound.mqtt;

import dev.millwright.delivery.Fence;
import dev.millwright.delivery.Outcome;
import dev.millwright.delivery.Target;
import dev.millwright.delivery.TopicTemplate;
import dev.millwright.health.Health;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import dev.millwright.config.RetryPolicy;
import dev.millwright.event.Json;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.mqtt.MqttSession;
import dev.millwright.store.LaneItem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes deliveries to an MQTT broker (the normalized event stream for analytics): QoS 1, the
 * CloudEvent as payload, the topic from a template of event attributes (e.g. plant and subject, so each
 * asset has its own ordered topic). Delivered once the broker acknowledges (PUBACK). Nothing is handed
 * to the client while it is disconnected, so a dead broker gives quick retries instead of a backlog.
 */
public final class MqttTarget implements Target {
    private static final Logger log = LoggerFactory.getLogger(MqttTarget.class);
    /** A topic level must not contain wildcards or separators taken from the data. */
    private static final java.util.function.UnaryOperator<String> LEVEL = v -> v.replaceAll("[/#+\\u0000]", "_");

    private final String name;
    private final MqttOutbound config;
    private final MqttSession session;
    private final TopicTemplate topic;
    private final HubMetrics metrics;
    private volatile String problem = "not connected yet";

    public MqttTarget(String name, MqttOutbound config, HubMetrics metrics) {
        this.name = name;
        this.config = config;
        this.metrics = metrics;
        this.topic = new TopicTemplate(config.topic(), LEVEL);
        this.session = MqttSession.open(name, config.broker(), "out", Duration.ofMinutes(5), metrics, new MqttSession.Listener() {
            @Override
            public void problem(String p) {
                if (!p.equals(problem)) log.warn("{}: {}", name, p);
                problem = p;
            }

            @Override
            public void ok() {
                problem = null;
            }
        }, client -> {
        }, client -> {
        });
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Duration callTimeout() {
        return config.timeout();
    }

    @Override
    public RetryPolicy retry() {
        return config.retry();
    }

    @Override
    public Outcome send(LaneItem item, String body, Fence fence) throws InterruptedException {
        if (!fence.allows(config.timeout())) return Outcome.unsent("the lane's lease ran out before the publish; not sent");
        if (!session.client().getState().isConnected()) {
            return Outcome.retry(null, "not connected to MQTT broker " + where() + (problem == null ? "" : ": " + problem), null);
        }
        String topic;
        try {
            topic = this.topic.fill(Json.MAPPER.readTree(body));
        } catch (IOException e) {
            return Outcome.permanent(null, "the stored event is not JSON");
        }
        long t0 = System.nanoTime();
        try {
            var result = session.client().publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(config.retain())
                    .contentType("application/cloudevents+json")
                    .userProperties().add("idempotency-key", item.idempotencyKey()).applyUserProperties()
                    .payload(body.getBytes(StandardCharsets.UTF_8)).send()
                    .get(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (result.getError().isPresent()) return Outcome.retry(null, "broker refused the publish: " + result.getError().get().getMessage(), null);
            metrics.published(name, 1);
            return Outcome.delivered(0);
        } catch (TimeoutException e) {
            return Outcome.retry(null, "no PUBACK from " + where() + " within " + config.timeout().toMillis() + " ms", null);
        } catch (ExecutionException e) {
            return Outcome.retry(null, "publish to " + where() + " failed: " + e.getCause().getMessage(), null);
        } finally {
            metrics.call(name, System.nanoTime() - t0);
        }
    }

    private String where() {
        return config.broker().host() + ":" + config.broker().port();
    }

    /** Connected now, or within the timeout (a fresh session connects in the background). */
    @Override
    public Health check() throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + config.timeout().toNanos();
        while (!session.client().getState().isConnected() && System.nanoTime() < deadline) Thread.sleep(50);
        boolean connected = session.client().getState().isConnected();
        return new Health(name, connected, (config.broker().tls() == null ? "mqtt://" : "mqtts://") + where(), null, (System.nanoTime() - t0) / 1_000_000,
                config.broker().username() == null ? "anonymous" : "user " + config.broker().username(), connected ? null : problem);
    }

    @Override
    public void close() {
        session.close();
    }
}
