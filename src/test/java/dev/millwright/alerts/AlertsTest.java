package dev.millwright.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.config.PlantConfig;
import dev.millwright.config.spec.ConfigException;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * "A quality hold not in ERP within N seconds of the failed inspection": an expectation per lot, met in time (nothing
 * fires), missed (the alert fires once, is delivered to the chat system through the ordinary path and counted), met
 * late (resolved, delivered too), acknowledged by a person (audited).
 */
class AlertsTest {
    @TempDir
    Path dir;

    private static String event(String id, String type, String lot) {
        return """
                {"specversion":"1.0","id":"%s","source":"test://qms","type":"%s","subject":"%s","plant":"acme/plant-a","data":{}}"""
                .formatted(id, type, lot);
    }

    @Test
    void aMissedMilestoneFiresOnceIsDeliveredResolvesWhenLateAndIsAcknowledged() throws Exception {
        try (TestTarget chat = new TestTarget()) {
            TestPlant plant = new TestPlant(dir.resolve("plant"))
                    .hub("plant: alerts\ncontracts: { allowUnknownTypes: true }\n")
                    .system("chat", chat.baseUrl())
                    .subscription("alert-chat", "millwright.alert.*", "chat", "/hooks/quality", null)
                    .write("alerts/hold-late.yaml", """
                            name: hold-late
                            description: A quality hold not in ERP within 3 s of the failed inspection
                            severity: critical
                            when: { on: test.inspection.failed, key: subject }
                            expect: { on: test.lot.held, key: subject }
                            within: 3s
                            """);
            try (TestHub hub = TestHub.start("alerts", plant)) {
                HubClient client = hub.client;
                // met in time
                client.postEvents("application/cloudevents+json", event("i-1", "test.inspection.failed", "LOT-1"));
                client.postEvents("application/cloudevents+json", event("h-1", "test.lot.held", "LOT-1"));
                // missed; and a repeated trigger while open changes nothing
                client.postEvents("application/cloudevents+json", event("i-2", "test.inspection.failed", "LOT-2"));
                client.postEvents("application/cloudevents+json", event("i-2b", "test.inspection.failed", "LOT-2"));
                await().atMost(Duration.ofSeconds(20)).until(() -> client.get("/api/v1/alerts?state=firing").json().get("items").size() == 1);
                JsonNode alert = client.get("/api/v1/alerts?state=firing").json().get("items").get(0);
                assertThat(alert.get("key").asText()).isEqualTo("LOT-2");
                assertThat(alert.get("severity").asText()).isEqualTo("critical");
                assertThat(alert.get("plant").asText()).isEqualTo("acme/plant-a");
                assertThat(alert.get("summary").asText()).contains("A quality hold not in ERP").contains("LOT-2").contains("no test.lot.held within 3s");
                assertThat(Sql.count(hub.db, "select count(*) from alert_expectations where key = 'LOT-2'")).isEqualTo(1);
                assertThat(Sql.count(hub.db, "select count(*) from alert_expectations where key = 'LOT-1' and state = 'met'")).isEqualTo(1);

                // delivered to the chat system like any event
                await().atMost(Duration.ofSeconds(20)).until(() -> chat.received().stream().anyMatch(r -> "millwright.alert.fired".equals(r.event().path("type").asText())));
                JsonNode fired = chat.received().stream().filter(r -> "millwright.alert.fired".equals(r.event().path("type").asText())).findFirst().orElseThrow().event();
                assertThat(fired.get("subject").asText()).isEqualTo("LOT-2");
                assertThat(fired.at("/data/rule").asText()).isEqualTo("hold-late");
                assertThat(fired.at("/data/dueAt").asText()).isNotEmpty();
                await().atMost(Duration.ofSeconds(20)).until(() -> client.get("/metrics").body().contains("millwright_alerts_firing{rule=\"hold-late\"} 1.0"));
                // it fires once, however often the evaluators look
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> Sql.count(hub.db, "select count(*) from alerts") == 1);

                long id = alert.get("id").asLong();
                HubClient.Response ack = client.postJson("/api/v1/alerts/" + id + "/acknowledge", "{}");
                assertThat(ack.status()).isEqualTo(200);
                assertThat(ack.json().get("acknowledgedBy").asText()).isEqualTo("bootstrap-admin");
                assertThat(client.postJson("/api/v1/alerts/" + id + "/acknowledge", "{}").status()).isEqualTo(409);
                assertThat(client.get("/api/v1/audit?action=alert.").body()).contains("alert.acknowledge").contains("LOT-2");

                // a silence: the alert is recorded, nobody is told
                HubClient.Response silence = client.postJson("/api/v1/alert-silences",
                        "{\"rule\":\"hold-late\",\"key\":\"LOT-3\",\"for\":\"1h\",\"reason\":\"line 2 stopped for maintenance\"}");
                assertThat(silence.status()).as(silence.body()).isEqualTo(201);
                client.postEvents("application/cloudevents+json", event("i-3", "test.inspection.failed", "LOT-3"));
                await().atMost(Duration.ofSeconds(20)).until(() -> Sql.count(hub.db, "select count(*) from alerts where key = 'LOT-3' and silenced") == 1);
                assertThat(client.get("/api/v1/alerts?state=firing").body()).contains("LOT-3").contains("\"silenced\":true");
                int firedEvents = (int) chat.received().stream().filter(r -> "millwright.alert.fired".equals(r.event().path("type").asText())).count();
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() ->
                        chat.received().stream().filter(r -> "millwright.alert.fired".equals(r.event().path("type").asText())).count() == firedEvents);
                assertThat(chat.received().stream().noneMatch(r -> "LOT-3".equals(r.event().path("subject").asText()))).isTrue();
                long silenceId = silence.json().get("id").asLong();
                assertThat(client.postJson("/api/v1/alert-silences/" + silenceId + "/lift", "{}").status()).isEqualTo(200);
                assertThat(client.postJson("/api/v1/alert-silences/" + silenceId + "/lift", "{}").status()).isEqualTo(404);
                assertThat(client.get("/api/v1/audit?action=alert.silence").body()).contains("line 2 stopped for maintenance").contains("alert.silence-lift");
                HubClient.Response bad = client.postJson("/api/v1/alert-silences", "{\"rule\":\"nope\",\"until\":\"2000-01-01T00:00:00Z\"}");
                assertThat(bad.status()).isEqualTo(400);
                assertThat(bad.body()).contains("no alert rule 'nope'").contains("/reason").contains("lies in the past");

                // the milestone, late: resolved, and said so
                client.postEvents("application/cloudevents+json", event("h-2", "test.lot.held", "LOT-2"));
                await().atMost(Duration.ofSeconds(20)).until(() -> "resolved".equals(client.get("/api/v1/alerts/" + id).json().get("state").asText()));
                await().atMost(Duration.ofSeconds(20)).until(() -> chat.received().stream().anyMatch(r -> "millwright.alert.resolved".equals(r.event().path("type").asText())));
                assertThat(client.get("/api/v1/alerts?state=firing").json().get("items").findValuesAsText("key")).containsExactly("LOT-3");
            }
        }
    }

    @Test
    void deadLettersAndAnOldQueueFireAndResolveWithTheState() throws Exception {
        try (TestTarget chat = new TestTarget(); TestTarget erp = new TestTarget(); TestTarget eam = new TestTarget()) {
            java.util.concurrent.atomic.AtomicBoolean erpRefuses = new java.util.concurrent.atomic.AtomicBoolean(true);
            java.util.concurrent.atomic.AtomicBoolean eamDown = new java.util.concurrent.atomic.AtomicBoolean(true);
            erp.respond(r -> erpRefuses.get() ? new TestTarget.Reply(422, "{\"error\":\"M7/021 deficit\"}", null) : TestTarget.Reply.ok());
            eam.respond(r -> eamDown.get() ? new TestTarget.Reply(503, "maintenance", null) : TestTarget.Reply.ok());
            TestPlant plant = new TestPlant(dir.resolve("plant"))
                    .hub("plant: alerts-state\ncontracts: { allowUnknownTypes: true }\n")
                    .system("chat", chat.baseUrl())
                    .system("erp", erp.baseUrl())
                    .system("eam", eam.baseUrl())
                    .subscription("alert-chat", "millwright.alert.*", "chat", "/hooks", null)
                    .subscription("to-erp", "test.move", "erp", "/moves", null)
                    .subscription("to-eam", "test.order", "eam", "/orders", null)
                    .write("alerts/erp-dead.yaml", "name: erp-dead\nseverity: critical\ndeadLetters: { system: erp }\n")
                    .write("alerts/eam-queue.yaml", "name: eam-queue\nqueueAge: { system: eam, above: 2s }\n");
            try (TestHub hub = TestHub.start("alerts_state", plant)) {
                HubClient client = hub.client;
                client.postEvents("application/cloudevents+json", event("m-1", "test.move", "LOT-7"));
                client.postEvents("application/cloudevents+json", event("o-1", "test.order", "WO-1"));
                await().atMost(Duration.ofSeconds(20)).until(() -> client.get("/api/v1/alerts?rule=erp-dead&state=firing").json().get("items").size() == 1);
                JsonNode dead = client.get("/api/v1/alerts?rule=erp-dead&state=firing").json().get("items").get(0);
                long deliveryId = Long.parseLong(dead.get("key").asText());
                assertThat(dead.get("summary").asText()).contains("delivery " + deliveryId + " to erp is dead").contains("M7/021");
                assertThat(dead.get("plant").asText()).isEqualTo("acme/plant-a");
                await().atMost(Duration.ofSeconds(20)).until(() -> client.get("/api/v1/alerts?rule=eam-queue&state=firing").json().get("items").size() == 1);
                assertThat(client.get("/api/v1/alerts?rule=eam-queue").json().get("items").get(0).get("summary").asText())
                        .contains("the oldest delivery waiting for eam");
                await().atMost(Duration.ofSeconds(20)).until(() -> chat.received().stream()
                        .filter(r -> "millwright.alert.fired".equals(r.event().path("type").asText())).count() == 2);

                erpRefuses.set(false);
                assertThat(client.postJson("/api/v1/deliveries/" + deliveryId + "/retry", "{}").status()).isEqualTo(202);
                eamDown.set(false);
                await().atMost(Duration.ofSeconds(30)).until(() -> client.get("/api/v1/alerts?state=firing").json().get("items").isEmpty());
                await().atMost(Duration.ofSeconds(20)).until(() -> chat.received().stream()
                        .filter(r -> "millwright.alert.resolved".equals(r.event().path("type").asText())).count() == 2);
                assertThat(Sql.count(hub.db, "select count(*) from alerts")).as("each fired once").isEqualTo(2);
            }
        }
    }

    @Test
    void aBadAlertFileNamesFileLineAndKey() {
        TestPlant plant = new TestPlant(dir.resolve("bad"))
                .write("alerts/late.yaml", """
                        name: late
                        when: { on: test.a, key: "not a key" }
                        expect: { on: test.b, key: subject }
                        within: 0s
                        """)
                .write("alerts/both.yaml", """
                        name: both
                        deadLetters: { system: erp }
                        queueAge: { system: nowhere, above: 1m }
                        """)
                .write("alerts/half.yaml", """
                        name: half
                        when: { on: test.a, key: subject }
                        """);
        assertThatThrownBy(() -> PlantConfig.load(plant.dir())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("alerts/late.yaml:2: when.key")
                .hasMessageContaining("alerts/late.yaml:4: within")
                .hasMessageContaining("alerts/both.yaml:1: an alert watches one thing")
                .hasMessageContaining("alerts/half.yaml:1: expect: is required")
                .hasMessageContaining("alerts/half.yaml:1: within: is required");
    }
}
