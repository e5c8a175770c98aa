package dev.millwright.outbound.kafka;

import dev.millwright.delivery.Fence;
import dev.millwright.delivery.Outcome;
import dev.millwright.delivery.Target;
import dev.millwright.delivery.TopicTemplate;
import dev.millwright.health.Health;
import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.config.RetryPolicy;
import dev.millwright.event.Json;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.store.LaneItem;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Produces deliveries to Kafka (the normalized event stream for analytics): an idempotent producer with
 * acks=all, the CloudEvent as the value in structured mode, the key from a template (plant and asset, so
 * each asset's events share a partition and keep their order). Delivered once the brokers acknowledge.
 * Sends from all lanes share one producer, which batches them into few requests.
 */
public final class KafkaTarget implements Target {
    /** Kafka topic names allow letters, digits, '.', '_' and '-'. */
    private static final java.util.function.UnaryOperator<String> TOPIC = v -> v.replaceAll("[^a-zA-Z0-9._-]", "_");

    private final String name;
    private final KafkaOutbound config;
    private final HubMetrics metrics;
    private final KafkaProducer<String, byte[]> producer;
    private final TopicTemplate topic;
    private final TopicTemplate key;

    public KafkaTarget(String name, KafkaOutbound config, HubMetrics metrics) {
        this.name = name;
        this.config = config;
        this.metrics = metrics;
        this.topic = new TopicTemplate(config.topic(), TOPIC);
        this.key = new TopicTemplate(config.key(), v -> v);
        this.producer = new KafkaProducer<>(properties());
    }

    private Properties properties() {
        Properties p = new Properties();
        config.properties().forEach((k, v) -> p.put(k, v.value()));
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "millwright-" + name);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(config.timeout().toMillis()));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(Math.max(config.timeout().toMillis(), 1000)));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(config.timeout().toMillis() - 5, 500)));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
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
        JsonNode event;
        try {
            event = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return Outcome.permanent(null, "the stored event is not JSON");
        }
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic.fill(event), key.fill(event), body.getBytes(StandardCharsets.UTF_8));
        record.headers().add("content-type", "application/cloudevents+json".getBytes(StandardCharsets.UTF_8));
        record.headers().add("idempotency-key", item.idempotencyKey().getBytes(StandardCharsets.UTF_8));
        long t0 = System.nanoTime();
        try {
            producer.send(record).get(config.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
            metrics.published(name, 1);
            return Outcome.delivered(0);
        } catch (TimeoutException e) {
            return Outcome.retry(null, "no acknowledgement from Kafka (" + config.bootstrapServers() + ") within " + config.timeout().toMillis() + " ms", null);
        } catch (ExecutionException e) {
            return classify(record.topic(), e.getCause());
        } catch (org.apache.kafka.common.KafkaException e) {
            return classify(record.topic(), e);
        } finally {
            metrics.call(name, System.nanoTime() - t0);
        }
    }

    private Outcome classify(String topicName, Throwable cause) {
        String what = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        if (cause instanceof RecordTooLargeException || cause instanceof SerializationException || cause instanceof InvalidTopicException
                || cause instanceof TopicAuthorizationException) {
            return Outcome.permanent(null, "Kafka refused the record for topic " + topicName + ": " + what);
        }
        String kind = cause instanceof RetriableException ? "temporary Kafka error" : "Kafka error";
        return Outcome.retry(null, kind + " producing to " + topicName + " at " + config.bootstrapServers() + ": " + what, null);
    }

    /** Asks the cluster for its nodes: reachable brokers and accepted credentials. */
    @Override
    public Health check() throws InterruptedException {
        return dev.millwright.kafka.KafkaCluster.check(name, config.bootstrapServers(), config.properties(), config.timeout(), List.of());
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
