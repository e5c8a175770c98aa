package dev.millwright.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.event.Json;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestKafka;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestPostgres;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static dev.millwright.support.HubClient.batch;
import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Kafka in (telemetry consumed in a group) and out (the normalized event stream), against a real KRaft broker. */
class KafkaConnectorTest {
    @TempDir
    static Path kafkaDir;
    static TestKafka kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = new TestKafka(kafkaDir);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) kafka.close();
    }

    private TestPlant plant(String topic, String group) {
        return new TestPlant(dir.resolve("plant"))
                .write("mappings/telemetry.jsonata", """
                        { "type": "iot.counter.reported", "id": $topic & "-" & seq, "subject": machine, "data": { "seq": seq, "count": count } }""")
                .write("systems/iot.yaml", """
                        name: iot
                        inbound:
                          kafka:
                            bootstrapServers: %s
                            topics: [ %s ]
                            groupId: %s
                            mapping: telemetry.jsonata
                            maxPollRecords: 200
                        """.formatted(kafka.bootstrap(), topic, group));
    }

    /** Records seq from..to-1, each acknowledged by the broker. */
    private static void produce(String topic, int from, int to) throws Exception {
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String machine = "M-" + (i % 7);
            records.add(new ProducerRecord<>(topic, machine, "{\"machine\":\"" + machine + "\",\"seq\":" + i + ",\"count\":" + (i * 3) + "}"));
        }
        kafka.produceAll(records);
    }

    private static long events(TestHub hub) {
        return Sql.count(hub.db, "select count(*) from events where body::jsonb->>'type' = 'iot.counter.reported'");
    }

    @Test
    void recordsBecomeEventsOffsetsAreCommittedAndABadRecordIsKept() throws Exception {
        kafka.createTopic("line1.telemetry", 3);
        try (TestHub hub = TestHub.start("kafka_in", plant("line1.telemetry", "g-basic"))) {
            produce("line1.telemetry", 0, 500);
            kafka.produceAll(List.of(new ProducerRecord<>("line1.telemetry", "M-1", "counter=17")));
            produce("line1.telemetry", 500, 1000);
            await().atMost(Duration.ofSeconds(60)).until(() -> events(hub) == 1000);
            JsonNode failures = hub.client.get("/api/v1/inbound-failures?system=iot").json().get("items");
            assertThat(failures).hasSize(1);
            assertThat(failures.get(0).get("channel").asText()).isEqualTo("kafka");
            assertThat(failures.get(0).get("reference").asText()).matches("line1\\.telemetry/[0-2]@\\d+");
            assertThat(failures.get(0).get("reason").asText()).contains("not valid JSON");
            assertThat(hub.client.get("/api/v1/systems/iot/health").json().get("ok").asBoolean()).isTrue();
            // Offsets reach the end of every partition once everything is stored.
            await().atMost(Duration.ofSeconds(20)).until(() -> lag("g-basic", "line1.telemetry") == 0);
        }
    }

    @Test
    void aHubRestartMidStreamLosesNothingAndStoresNothingTwice() throws Exception {
        kafka.createTopic("line2.telemetry", 3);
        String schema = TestPostgres.newSchema("kafka_restart");
        produce("line2.telemetry", 0, 3000);
        try (TestHub hub = TestHub.startOn(schema, plant("line2.telemetry", "g-restart"), Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> events(hub) > 200);
        } // stops mid-stream: records after the last offset commit are read again
        produce("line2.telemetry", 3000, 4000);
        try (TestHub hub = TestHub.startOn(schema, plant("line2.telemetry", "g-restart"), Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> events(hub) == 4000);
            await().atMost(Duration.ofSeconds(20)).until(() -> lag("g-restart", "line2.telemetry") == 0);
            assertThat(Sql.count(hub.db, "select count(distinct body::jsonb->>'id') from events")).isEqualTo(4000);
        }
    }

    @Test
    void theHealthCheckNamesATopicThatDoesNotExist() throws Exception {
        try (TestHub hub = TestHub.start("kafka_health", plant("no.such.topic", "g-health"))) {
            HubClient.Response health = hub.client.get("/api/v1/systems/iot/health");
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.json().get("problem").asText()).isEqualTo("no such topic: no.such.topic");
        }
    }

    @Test
    void aBrokerRestartMidStreamLosesNothing() throws Exception {
        kafka.createTopic("line3.telemetry", 3);
        try (TestHub hub = TestHub.start("kafka_broker", plant("line3.telemetry", "g-broker"))) {
            produce("line3.telemetry", 0, 500);
            await().atMost(Duration.ofSeconds(60)).until(() -> events(hub) > 0);
            kafka.stop();
            kafka.start();
            produce("line3.telemetry", 500, 1000);
            await().atMost(Duration.ofSeconds(90)).until(() -> events(hub) == 1000);
        }
    }

    @Test
    void eventsAreProducedKeyedByPlantAndAssetInOrder() throws Exception {
        TestPlant plant = new TestPlant(dir.resolve("plant"))
                .write("systems/analytics.yaml", """
                        name: analytics
                        outbound:
                          kafka:
                            bootstrapServers: %s
                            topic: "millwright.{plant}.events"
                            timeout: 1s
                            retry: { maxAttempts: 50, initialBackoff: 100ms, maxBackoff: 1s }
                        """.formatted(kafka.bootstrap()))
                .write("subscriptions/stream.yaml", """
                        name: stream
                        on: "*"
                        deliver: { system: analytics }
                        orderBy: subject
                        """);
        kafka.createTopic("millwright.acme_plant-a.events", 3);
        try (TestHub hub = TestHub.start("kafka_out", plant)) {
            assertThat(hub.client.get("/api/v1/systems/analytics/health").status()).isEqualTo(200);
            List<String> events = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                events.add(event("k-" + i, "equipment.counter.reported", "PRESS-" + (i % 5), "{\"seq\":" + i + "}")
                        .replace("\"specversion\"", "\"plant\":\"acme/plant-a\",\"specversion\""));
            }
            hub.client.postEvents("application/cloudevents-batch+json", batch(events));
            List<ConsumerRecord<String, String>> read = new ArrayList<>();
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap(),
                    ConsumerConfig.GROUP_ID_CONFIG, "oee", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()))) {
                c.subscribe(List.of("millwright.acme_plant-a.events"));
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    c.poll(Duration.ofMillis(200)).forEach(read::add);
                    return read.stream().map(r -> seq(r.value())).distinct().count() == 300;
                });
            }
            Map<String, List<Integer>> perKey = read.stream().collect(Collectors.groupingBy(ConsumerRecord::key,
                    Collectors.mapping(r -> seq(r.value()), Collectors.toList())));
            assertThat(perKey.keySet()).containsExactlyInAnyOrder("acme/plant-a/PRESS-0", "acme/plant-a/PRESS-1", "acme/plant-a/PRESS-2",
                    "acme/plant-a/PRESS-3", "acme/plant-a/PRESS-4");
            perKey.values().forEach(seqs -> assertThat(seqs).isSorted().hasSize(60));
            assertThat(new String(read.getFirst().headers().lastHeader("content-type").value(), StandardCharsets.UTF_8))
                    .isEqualTo("application/cloudevents+json");
            assertThat(hub.client.get("/api/v1/deliveries?status=delivered&limit=1000").json().get("items")).hasSize(300);
        }
    }

    private static int seq(String value) {
        try {
            return Json.MAPPER.readTree(value).get("data").get("seq").asInt();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Records of the topic the group has not committed yet. */
    private static long lag(String group, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap()))) {
            Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int i = 0; i < 3; i++) latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
            var ends = admin.listOffsets(latest).all().get();
            long lag = 0;
            for (var e : ends.entrySet()) {
                var c = committed.get(e.getKey());
                lag += e.getValue().offset() - (c == null ? 0 : c.offset());
            }
            return lag;
        }
    }

}
