package dev.millwright.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.millwright.event.Json;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestMosquitto;
import dev.millwright.support.TestPlant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.millwright.support.HubClient.batch;
import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** MQTT publish: the normalized event stream for analytics, through a real mosquitto broker. */
class MqttOutboundTest {
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

    private TestPlant plant() {
        return new TestPlant(dir.resolve("plant"))
                .write("systems/analytics.yaml", """
                        name: analytics
                        outbound:
                          mqtt:
                            broker: { port: %d, reconnectMax: 1s }
                            topic: "millwright/{plant}/{type}/{subject}"
                            timeout: 1s
                            retry: { maxAttempts: 50, initialBackoff: 100ms, maxBackoff: 500ms }
                        """.formatted(broker.port()))
                .write("subscriptions/stream.yaml", """
                        name: stream
                        on: "*"
                        deliver: { system: analytics }
                        orderBy: subject
                        """);
    }

    /** An analytics consumer on a persistent session, so nothing published while it is briefly away is missed. */
    private static Mqtt5AsyncClient subscriber(List<Mqtt5Publish> received) {
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier("oee-" + System.nanoTime())
                .serverHost("127.0.0.1").serverPort(broker.port())
                .automaticReconnect().initialDelay(100, TimeUnit.MILLISECONDS).maxDelay(1, TimeUnit.SECONDS).applyAutomaticReconnect()
                .buildAsync();
        client.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL, received::add);
        client.connectWith().cleanStart(false).sessionExpiryInterval(600).send().join();
        client.subscribeWith().topicFilter("millwright/#").qos(MqttQos.AT_LEAST_ONCE).send().join();
        return client;
    }

    private static String ev(String id, String subject, int seq) {
        return event(id, "equipment.counter.reported", subject, "{\"seq\":" + seq + "}").replace("\"specversion\"", "\"plant\":\"acme/plant-a\",\"specversion\"");
    }

    @Test
    void eventsArePublishedPerAssetTopicInOrderAndSurviveABrokerOutage() throws Exception {
        List<Mqtt5Publish> received = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient oee = subscriber(received);
        try (TestHub hub = TestHub.start("mqtt_out", plant())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.client.get("/api/v1/systems/analytics/health").status() == 200);
            List<String> first = new ArrayList<>();
            for (int i = 0; i < 50; i++) first.add(ev("c-" + i, i % 2 == 0 ? "CNC-07" : "PRESS/2", i));
            hub.client.postEvents("application/cloudevents-batch+json", batch(first));
            await().atMost(Duration.ofSeconds(15)).until(() -> received.size() >= 50);

            broker.stop();
            List<String> second = new ArrayList<>();
            for (int i = 50; i < 100; i++) second.add(ev("c-" + i, i % 2 == 0 ? "CNC-07" : "PRESS/2", i));
            hub.client.postEvents("application/cloudevents-batch+json", batch(second));
            // Taken as it is seen: a failed delivery is in flight again while its retry is attempted.
            java.util.concurrent.atomic.AtomicReference<JsonNode> seen = new java.util.concurrent.atomic.AtomicReference<>();
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                JsonNode items = hub.client.get("/api/v1/deliveries?status=failed").json().get("items");
                if (items.isEmpty()) return false;
                seen.set(items.get(0));
                return true;
            });
            JsonNode failed = seen.get();
            // refused while the broker is away, or a publish the stopping broker never acknowledged: both name it
            assertThat(failed.get("lastError").asText()).containsAnyOf("MQTT broker 127.0.0.1:" + broker.port(),
                    "no PUBACK from 127.0.0.1:" + broker.port());
            assertThat(hub.client.get("/api/v1/systems/analytics/health").status()).isEqualTo(503);
            broker.start();

            await().atMost(Duration.ofSeconds(30)).until(() ->
                    hub.client.get("/api/v1/deliveries?status=delivered&limit=1000").json().get("items").size() == 100);
            await().atMost(Duration.ofSeconds(15)).until(() -> received.stream().map(MqttOutboundTest::seq).distinct().count() == 100);

            Map<String, List<Integer>> perTopic = new HashMap<>();
            for (Mqtt5Publish p : received) perTopic.computeIfAbsent(p.getTopic().toString(), k -> new ArrayList<>()).add(seq(p));
            assertThat(perTopic.keySet()).containsExactlyInAnyOrder(
                    "millwright/acme_plant-a/equipment.counter.reported/CNC-07", "millwright/acme_plant-a/equipment.counter.reported/PRESS_2");
            // At least once: a publish whose PUBACK was lost may come twice, but each asset's stream stays in order.
            perTopic.values().forEach(seqs -> assertThat(seqs.stream().distinct().toList()).isSorted());
            Mqtt5Publish one = received.getFirst();
            assertThat(one.getContentType().map(Object::toString)).hasValue("application/cloudevents+json");
            assertThat(one.getUserProperties().asList()).anySatisfy(p -> assertThat(p.getName().toString()).isEqualTo("idempotency-key"));
        } finally {
            oee.disconnect();
        }
    }

    private static int seq(Mqtt5Publish p) {
        try {
            return Json.MAPPER.readTree(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).get("data").get("seq").asInt();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
