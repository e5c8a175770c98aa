package dev.millwright.inbound.kafka;

import dev.millwright.health.Health;
import dev.millwright.inbound.InboundConnector;
import dev.millwright.inbound.Inbox;
import dev.millwright.inbound.PayloadFormat;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Consumes a system's Kafka topics in a consumer group that every hub node joins. Each poll's records are
 * mapped and their events stored in one commit; only then are the offsets committed to Kafka. A crash in
 * between gives the records again to whichever node gets the partition, and their events come back as
 * duplicates (ids come from the payload): at least once from Kafka, exactly once in the event log.
 */
public final class KafkaInbound implements InboundConnector.Reader {
    private static final Logger log = LoggerFactory.getLogger(KafkaInbound.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration POLL_RETRY = Duration.ofSeconds(1);

    private final String system;
    private final InboundKafka config;
    private final Inbox inbox;
    private final PayloadFormat format;

    public KafkaInbound(String system, InboundKafka config, Inbox inbox) {
        this.system = system;
        this.config = config;
        this.inbox = inbox;
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
    public boolean exclusive() {
        return false;
    }

    Properties properties() {
        Properties p = new Properties();
        config.properties().forEach((k, v) -> p.put(k, v.value()));
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId() != null ? config.groupId() : "millwright-" + system);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // Reading never creates a topic: on a broker that allows it, subscribing to a mistyped name made an empty
        // topic, and the health check then reported a system that can never deliver as healthy.
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPollRecords());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    @Override
    public void run(InboundConnector.Lease lease) throws InterruptedException {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties())) {
            consumer.subscribe(config.topics());
            while (lease.held()) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(POLL);
                } catch (WakeupException e) {
                    return;
                } catch (RuntimeException e) {
                    lease.problem("polling " + config.topics() + " from " + config.bootstrapServers() + " failed: " + e.getMessage());
                    lease.pause(POLL_RETRY);
                    continue;
                }
                if (records.isEmpty()) {
                    lease.ok();
                    continue;
                }
                if (!store(records, lease)) return;
                try {
                    consumer.commitSync(nextOffsets(records));
                    lease.ok();
                } catch (RuntimeException e) {
                    // The partitions moved to another node (or the broker is away): it reads them again from the
                    // last commit, and what this node stored comes back as duplicates.
                    lease.problem("offset commit failed (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                            + "); the records will be read again and found to be duplicates");
                }
            }
        }
    }

    @Override
    public Health check() throws InterruptedException {
        return dev.millwright.kafka.KafkaCluster.check(system, config.bootstrapServers(), config.properties(), Duration.ofSeconds(10), config.topics());
    }

    /** Stores a poll's events; retries while the database is away. @return false if the hub stops meanwhile */
    private boolean store(ConsumerRecords<byte[], byte[]> records, InboundConnector.Lease lease) throws InterruptedException {
        List<Inbox.Payload> payloads = new ArrayList<>(records.count());
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String reference = r.topic() + "/" + r.partition() + "@" + r.offset();
            Map<String, String> variables = new HashMap<>(config.variables(reference));
            if (r.key() != null) variables.put("key", new String(r.key(), java.nio.charset.StandardCharsets.UTF_8));
            payloads.add(new Inbox.Payload(new Inbox.Origin(system, config.kind(), reference), r.value() == null ? new byte[0] : r.value(), variables));
        }
        Inbox.Receipt receipt = lease.untilStored(() -> inbox.takeAll(new Inbox.Route(config.mapping(), config.source()), format, payloads),
                "offsets stay uncommitted");
        if (receipt != null && receipt.deadLettered()) {
            log.warn("{}: records dead-lettered, the last as inbound failure {}: {}", system, receipt.failureId(), receipt.reason());
        }
        return receipt != null;
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
            out.put(tp, new OffsetAndMetadata(rs.getLast().offset() + 1));
        }
        return out;
    }
}
