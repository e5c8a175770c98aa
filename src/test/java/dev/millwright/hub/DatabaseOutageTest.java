package dev.millwright.hub;

import dev.millwright.config.PlantConfig;
import dev.millwright.store.Database;
import dev.millwright.support.HubClient;
import dev.millwright.support.TestMosquitto;
import dev.millwright.support.TestMqttPublisher;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The database goes away under a running hub: requests get 503 and nothing is half-stored; it comes back and work resumes. */
class DatabaseOutageTest {
    private static final String CE = "application/cloudevents+json";

    @TempDir
    Path dir;

    @Test
    void outageAnswers503AndRecoveryResumesWithNothingLost() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path data = dir.resolve("pg");
        EmbeddedPostgres pg = start(data, port);
        try (TestTarget target = new TestTarget();
             Database db = Database.open(pg.getJdbcUrl("postgres", "postgres"), "postgres", null, "outage", 4)) {
            Path plant = new TestPlant(dir.resolve("plant")).system("erp", target.baseUrl())
                    .subscription("holds", "test.*", "erp", "/holds", "subject").dir();
            try (Hub hub = Hub.start(PlantConfig.load(plant), db, List.of(HubClient.TOKEN), Clock.systemUTC());
                 HubClient client = new HubClient(hub.port())) {
                assertThat(client.postEvents(CE, event("before", "test.inspection.failed", "L1", "{}")).status()).isEqualTo(202);
                await().atMost(Duration.ofSeconds(20)).until(() -> target.received().size() == 1);

                pg.close();
                HubClient.Response down = client.postEvents(CE, event("during", "test.inspection.failed", "L1", "{}"));
                assertThat(down.status()).isEqualTo(503);
                assertThat(down.contentType()).startsWith("application/problem+json");
                assertThat(down.body()).contains("nothing was stored").doesNotContain("Exception");
                assertThat(client.getWithoutToken("/health/ready").status()).isEqualTo(503);
                assertThat(client.getWithoutToken("/health/live").status()).isEqualTo(200);

                pg = start(data, port);
                await().atMost(Duration.ofSeconds(60)).until(() -> client.getWithoutToken("/health/ready").status() == 200);
                assertThat(client.postEvents(CE, event("during", "test.inspection.failed", "L1", "{}")).json().get("accepted").asInt())
                        .as("the event refused during the outage was not stored, so it is new now").isEqualTo(1);
                assertThat(client.postEvents(CE, event("before", "test.inspection.failed", "L1", "{}")).json().get("duplicates").asInt())
                        .isEqualTo(1);
                await().atMost(Duration.ofSeconds(30)).until(() -> target.received().size() == 2);
                assertThat(target.received()).extracting(TestTarget.Received::eventId).containsExactly("before", "during");
            }
        } finally {
            pg.close();
        }
    }

    @Test
    void mqttMessagesDuringAnOutageWaitAtTheBrokerAndAreStoredWhenItIsBack() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path data = dir.resolve("pg-mqtt");
        EmbeddedPostgres pg = start(data, port);
        try (TestMosquitto broker = new TestMosquitto(dir.resolve("broker"));
             TestMqttPublisher press = new TestMqttPublisher(broker.port());
             Database db = Database.open(pg.getJdbcUrl("postgres", "postgres"), "postgres", null, "outage_mqtt", 4)) {
            Path plant = new TestPlant(dir.resolve("plant"))
                    .write("mappings/state.jsonata", """
                            { "type": "mes.machine.state", "id": "s-" & seq, "subject": "cnc07", "data": { "seq": seq } }""")
                    .write("systems/mes.yaml", """
                            name: mes
                            inbound:
                              mqtt:
                                broker: { port: %d, reconnectMax: 1s }
                                topics: [ "plant/#" ]
                                mapping: state.jsonata
                            """.formatted(broker.port())).dir();
            try (Hub hub = Hub.start(PlantConfig.load(plant), db, List.of(HubClient.TOKEN), Clock.systemUTC());
                 HubClient client = new HubClient(hub.port())) {
                await().atMost(Duration.ofSeconds(20)).until(() -> {
                    press.publish(0).join();
                    return client.get("/api/v1/events?type=mes.machine.state").json().get("items").size() == 1;
                });
                pg.close();
                for (int i = 1; i <= 20; i++) press.publish(i).join(); // the broker has them; the hub cannot store them
                await().atMost(Duration.ofSeconds(20)).until(() -> client.get("/api/v1/connectors").json().get("items").get(0).get("problem").isTextual());

                pg = start(data, port);
                await().atMost(Duration.ofSeconds(60)).until(() -> client.getWithoutToken("/health/ready").status() == 200);
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        client.get("/api/v1/events?type=mes.machine.state&limit=100").json().get("items").size() == 21);
            }
        } finally {
            pg.close();
        }
    }

    private static EmbeddedPostgres start(Path data, int port) throws Exception {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port)
                .setServerConfig("listen_addresses", "127.0.0.1").start();
    }
}
