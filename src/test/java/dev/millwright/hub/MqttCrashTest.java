package dev.millwright.hub;

import dev.millwright.store.Database;
import dev.millwright.support.HubProcess;
import dev.millwright.support.Sql;
import dev.millwright.support.TestMosquitto;
import dev.millwright.support.TestMqttPublisher;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** kill -9 of a hub process while it takes MQTT messages: every message the broker accepted becomes one event. */
class MqttCrashTest {
    @TempDir
    Path dir;

    @Test
    void killWhileConsumingLosesNoMessageAndStoresNoneTwice() throws Exception {
        String schema = TestPostgres.newSchema("mqtt_crash");
        try (TestMosquitto broker = new TestMosquitto(dir.resolve("broker"));
             TestMqttPublisher press = new TestMqttPublisher(broker.port());
             Database db = Database.open(TestPostgres.jdbcUrl(), "postgres", null, schema, 2)) {
            Path plant = new TestPlant(dir.resolve("plant"))
                    .write("mappings/machine-state.jsonata", """
                            { "type": "mes.machine.state", "id": "state-" & seq, "subject": "cnc07", "data": { "state": state, "seq": seq } }""")
                    .write("systems/mes.yaml", """
                            name: mes
                            inbound:
                              mqtt:
                                broker: { port: %d, clientId: hub-crash, reconnectMax: 1s }
                                topics: [ "plant/+/+/state" ]
                                mapping: machine-state.jsonata
                            """.formatted(broker.port())).dir();

            HubProcess first = HubProcess.start(plant, HubProcess.onTestDatabase(schema));
            // MQTT queues messages only for a subscription that exists: wait until the hub's session has one.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                press.publish(0).join();
                return events(db) > 0;
            });
            CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
                for (int i = 1; i < 3000; i++) press.publish(i).join();
            });
            await().atMost(Duration.ofSeconds(60)).until(() -> events(db) > 300);
            first.kill9();
            long atKill = events(db);
            publishing.get(); // the broker keeps taking messages while no hub is there

            try (HubProcess second = HubProcess.start(plant, HubProcess.onTestDatabase(schema))) {
                await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(events(db))
                        .as("events stored (%d at the kill); the second hub said:%n%s", atKill, tail(second.output()))
                        .isEqualTo(3000));
                assertThat(atKill).isLessThan(3000);
                assertThat(press.acked).contains(0, 1, 2999);
                assertThat(Sql.count(db, "select count(distinct (body::jsonb->'data'->>'seq')::int) from events")).isEqualTo(3000);
            }
        }
    }

    private static String tail(java.util.List<String> lines) {
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    private static long events(Database db) {
        return Sql.count(db, "select count(*) from events");
    }
}
