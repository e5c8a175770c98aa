package dev.millwright.hub;

import dev.millwright.store.Database;
import dev.millwright.support.HubProcess;
import dev.millwright.support.Sql;
import dev.millwright.support.TestKafka;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestPostgres;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** kill -9 of a hub process while it consumes Kafka: records after its last offset commit are read again, stored once. */
class KafkaCrashTest {
    @TempDir
    Path dir;

    @Test
    void killWhileConsumingLosesNoRecordAndStoresNoneTwice() throws Exception {
        String schema = TestPostgres.newSchema("kafka_crash");
        try (TestKafka kafka = new TestKafka(dir.resolve("kafka"));
             Database db = Database.open(TestPostgres.jdbcUrl(), "postgres", null, schema, 2)) {
            kafka.createTopic("press.counters", 3);
            Path plant = new TestPlant(dir.resolve("plant"))
                    .write("mappings/counter.jsonata", """
                            { "type": "iot.counter.reported", "id": "c-" & seq, "subject": machine, "data": { "seq": seq } }""")
                    .write("systems/iot.yaml", """
                            name: iot
                            inbound:
                              kafka:
                                bootstrapServers: %s
                                topics: [ press.counters ]
                                mapping: counter.jsonata
                                maxPollRecords: 50
                                properties: { session.timeout.ms: "6000", heartbeat.interval.ms: "1000" }
                            """.formatted(kafka.bootstrap())).dir();
            List<ProducerRecord<String, String>> records = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                records.add(new ProducerRecord<>("press.counters", "P-" + (i % 9), "{\"machine\":\"P-" + (i % 9) + "\",\"seq\":" + i + "}"));
            }
            kafka.produceAll(records);

            HubProcess first = HubProcess.start(plant, HubProcess.onTestDatabase(schema));
            await().atMost(Duration.ofSeconds(60)).until(() -> events(db) > 2_000);
            first.kill9();
            long atKill = events(db);
            assertThat(atKill).isLessThan(20_000);

            try (HubProcess second = HubProcess.start(plant, HubProcess.onTestDatabase(schema))) {
                await().atMost(Duration.ofSeconds(120)).until(() -> events(db) == 20_000);
                assertThat(Sql.count(db, "select count(distinct (body::jsonb->'data'->>'seq')::int) from events")).isEqualTo(20_000);
            }
        }
    }

    private static long events(Database db) {
        return Sql.count(db, "select count(*) from events");
    }
}
