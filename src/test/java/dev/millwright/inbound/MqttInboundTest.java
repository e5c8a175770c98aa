package dev.millwright.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestMosquitto;
import dev.millwright.support.TestMqttPublisher;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** MQTT in: machine states from the shop floor, through a real mosquitto broker. */
class MqttInboundTest {
    @TempDir
    static Path brokerDir;
    static TestMosquitto broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = new TestMosquitto(brokerDir);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) broker.close();
    }

    private TestPlant plant(String clientId) {
        return new TestPlant(dir.resolve("plant"))
                .write("mappings/machine-state.jsonata", """
                        { "type": "mes.machine.state", "id": $topic & "/" & seq, "subject": $split($topic, "/")[2],
                          "data": { "state": state, "seq": seq } }""")
                .write("systems/mes.yaml", """
                        name: mes
                        inbound:
                          mqtt:
                            broker: { port: %d, clientId: %s, reconnectMax: 2s }
                            topics: [ "plant/+/+/state" ]
                            mapping: machine-state.jsonata
                        """.formatted(broker.port(), clientId));
    }

    private static Set<Integer> storedSeqs(TestHub hub) {
        Set<Integer> out = ConcurrentHashMap.newKeySet();
        long after = 0;
        while (true) {
            JsonNode page = hub.client.get("/api/v1/events?type=mes.machine.state&limit=1000&after=" + after).json();
            page.get("items").forEach(i -> out.add(i.get("event").get("data").get("seq").asInt()));
            if (page.get("next").isNull()) return out;
            after = page.get("next").asLong();
        }
    }

    @Test
    void messagesBecomeEventsAndAMalformedOneIsDeadLetteredWithoutStoppingTheRest() throws Exception {
        try (TestHub hub = TestHub.start("mqtt_basic", plant("hub-basic")); TestMqttPublisher press = new TestMqttPublisher(broker.port())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> readingHere(hub));
            JsonNode health = hub.client.get("/api/v1/systems/mes/health").json();
            assertThat(health.get("ok").asBoolean()).as(health.toString()).isTrue();
            assertThat(health.get("inbound").get(0).get("where").asText()).isEqualTo("mqtt://127.0.0.1:" + broker.port());
            for (int i = 0; i < 100; i++) press.publish(i).join();
            press.publish("plant/line1/cnc07/state", -1, "RUNNING at 08:00").join();
            for (int i = 100; i < 110; i++) press.publish(i).join();
            await().atMost(Duration.ofSeconds(20)).until(() -> storedSeqs(hub).size() == 110);
            JsonNode failures = hub.client.get("/api/v1/inbound-failures?system=mes").json().get("items");
            assertThat(failures).hasSize(1);
            assertThat(failures.get(0).get("channel").asText()).isEqualTo("mqtt");
            assertThat(failures.get(0).get("reference").asText()).isEqualTo("plant/line1/cnc07/state");
            assertThat(failures.get(0).get("reason").asText()).contains("not valid JSON");
            JsonNode event = hub.client.get("/api/v1/events?type=mes.machine.state&limit=1").json().get("items").get(0).get("event");
            assertThat(event.get("subject").asText()).isEqualTo("cnc07");
            assertThat(event.get("source").asText()).isEqualTo("system://mes");
            assertThat(hub.client.get("/metrics").body()).contains("millwright_connector_messages_in_total{outcome=\"accepted\",system=\"mes\"} 110.0");
        }
    }

    @Test
    void aBrokerRestartMidStreamLosesNothing() throws Exception {
        try (TestHub hub = TestHub.start("mqtt_broker_restart", plant("hub-broker")); TestMqttPublisher press = new TestMqttPublisher(broker.port())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> readingHere(hub));
            List<CompletableFuture<?>> sent = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 150; i++) sent.add(press.publish(i));
            broker.stop();
            // The publisher queues while the broker is down (and blocks once its window is full): publish from another thread.
            Thread publishing = Thread.startVirtualThread(() -> {
                for (int i = 150; i < 300; i++) sent.add(press.publish(i));
            });
            broker.start();
            publishing.join(Duration.ofSeconds(30));
            assertThat(publishing.isAlive()).isFalse();
            await().atMost(Duration.ofSeconds(30)).until(() -> sent.stream().allMatch(CompletableFuture::isDone));
            await().atMost(Duration.ofSeconds(30)).until(() -> storedSeqs(hub).containsAll(press.acked));
            assertThat(press.acked).hasSizeGreaterThanOrEqualTo(150);
            assertThat(Sql.count(hub.db, "select count(*) from events")).isEqualTo(storedSeqs(hub).size());
            assertThat(hub.client.get("/metrics").body()).contains("millwright_connector_reconnects_total{system=\"mes\"}");
        }
    }

    @Test
    void messagesSentWhileTheHubIsDownArriveWhenItIsBackAndNoneTwice() throws Exception {
        String schema = TestPostgres.newSchema("mqtt_hub_restart");
        try (TestMqttPublisher press = new TestMqttPublisher(broker.port())) {
            try (TestHub hub = TestHub.startOn(schema, plant("hub-restart"), Clock.systemUTC())) {
                await().atMost(Duration.ofSeconds(10)).until(() -> readingHere(hub));
                for (int i = 0; i < 200; i++) press.publish(i);
                await().atMost(Duration.ofSeconds(10)).until(() -> storedSeqs(hub).size() > 20);
            } // stops mid-stream: what it had not acknowledged stays with the broker's session
            for (int i = 200; i < 300; i++) press.publish(i).join();
            try (TestHub hub = TestHub.startOn(schema, plant("hub-restart"), Clock.systemUTC())) {
                await().atMost(Duration.ofSeconds(30)).until(() -> storedSeqs(hub).size() == 300);
                assertThat(Sql.count(hub.db, "select count(*) from events")).isEqualTo(300);
            }
        }
    }

    @Test
    void anUnreachableBrokerIsAVisibleProblemAndTheHubStillAcceptsEvents() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        TestPlant plant = new TestPlant(dir.resolve("plant"))
                .write("mappings/machine-state.jsonata", "{}")
                .write("systems/mes.yaml", """
                        name: mes
                        inbound:
                          mqtt:
                            broker: { port: %d, reconnectMax: 1s }
                            topics: [ "plant/#" ]
                            mapping: machine-state.jsonata
                        """.formatted(closedPort));
        try (TestHub hub = TestHub.start("mqtt_unreachable", plant)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> !hub.client.get("/api/v1/connectors").json().get("items").get(0).get("problem").isNull());
            assertThat(hub.client.get("/api/v1/connectors").json().get("items").get(0).get("problem").asText())
                    .contains("MQTT broker 127.0.0.1:" + closedPort).contains("reconnecting");
            assertThat(hub.client.get("/health/ready").status()).isEqualTo(200);
            HubClient.Response health = hub.client.get("/api/v1/systems/mes/health");
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.json().get("problem").asText()).contains("cannot reach the broker at 127.0.0.1:" + closedPort);
            assertThat(hub.client.get("/metrics").body()).contains("millwright_connector_errors_total{error=\"mqtt-disconnected\",system=\"mes\"}");
        }
    }

    private static boolean readingHere(TestHub hub) {
        JsonNode items = hub.client.get("/api/v1/connectors").json().get("items");
        return items.size() == 1 && items.get(0).get("ready").asBoolean();
    }
}
