package dev.millwright.delivery;

import com.fasterxml.jackson.databind.JsonNode;
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
import static org.awaitility.Awaitility.await;

/**
 * A dead letter corrected by an operator and retried: the target gets the corrected event, the event log keeps the
 * original, the audit trail the differences. A replay's dry run counts without writing.
 */
class PayloadEditTest {
    @TempDir
    Path dir;

    @Test
    void aDeadLettersPayloadIsEditedRetriedAndAudited() throws Exception {
        try (TestTarget erp = new TestTarget()) {
            erp.respond(r -> r.event() != null && r.event().path("data").path("qty").asInt() < 0
                    ? new TestTarget.Reply(422, "{\"error\":\"quantity must be positive\"}", null) : TestTarget.Reply.ok());
            TestPlant plant = new TestPlant(dir).system("erp", erp.baseUrl()).subscription("moves", "test.move", "erp", "/moves", null);
            try (TestHub hub = TestHub.start("payload_edit", plant)) {
                HubClient client = hub.client;
                String original = HubClient.event("mv-1", "test.move", "LOT-1", "{\"qty\":-2,\"material\":\"BRG-6205\"}");
                assertThat(client.postEvents("application/cloudevents+json", original).status()).isEqualTo(202);
                await().atMost(Duration.ofSeconds(15)).until(() -> client.get("/api/v1/deliveries?status=dead").json().get("items").size() == 1);
                long id = client.get("/api/v1/deliveries?status=dead").json().get("items").get(0).get("id").asLong();

                String identityChanged = original.replace("\"mv-1\"", "\"mv-2\"");
                HubClient.Response refused = client.putJson("/api/v1/deliveries/" + id + "/payload", identityChanged);
                assertThat(refused.status()).isEqualTo(409);
                assertThat(refused.body()).contains("'id' cannot change");

                String corrected = original.replace("\"qty\":-2", "\"qty\":2").replace("\"data\":{", "\"data\":{\"note\":\"sign fixed\",");
                HubClient.Response edited = client.putJson("/api/v1/deliveries/" + id + "/payload", corrected);
                assertThat(edited.status()).as(edited.body()).isEqualTo(200);
                assertThat(edited.body()).contains("/data/qty: -2 → 2").contains("/data/note: added \\\"sign fixed\\\"");
                JsonNode shown = client.get("/api/v1/deliveries/" + id).json();
                assertThat(shown.get("edited").asBoolean()).isTrue();
                assertThat(shown.at("/payload/data/qty").asInt()).isEqualTo(2);

                assertThat(client.postJson("/api/v1/deliveries/" + id + "/retry", "{}").status()).isEqualTo(202);
                await().atMost(Duration.ofSeconds(15)).until(() -> "delivered".equals(client.get("/api/v1/deliveries/" + id).json().at("/delivery/state").asText()));
                assertThat(erp.received().getLast().event().at("/data/qty").asInt()).isEqualTo(2);
                assertThat(client.get("/api/v1/events/mv-1").json().at("/event/data/qty").asInt()).as("the log keeps what was sent").isEqualTo(-2);
                assertThat(client.putJson("/api/v1/deliveries/" + id + "/payload", corrected).status()).as("a delivered delivery").isEqualTo(409);

                String audit = client.get("/api/v1/audit?action=delivery.edit").body();
                assertThat(audit).contains("bootstrap-admin").contains("/data/qty: -2 → 2").contains("127.0.0.1");
                assertThat(Sql.count(hub.db, "select count(*) from audit_log where action = 'delivery.edit'")).isEqualTo(1);

                long deliveriesBefore = Sql.count(hub.db, "select count(*) from deliveries");
                HubClient.Response dry = client.postJson("/api/v1/replays", "{\"subscription\":\"moves\",\"dryRun\":true}");
                assertThat(dry.status()).isEqualTo(200);
                assertThat(dry.json().get("events").asInt()).isEqualTo(1);
                assertThat(dry.json().get("deliveries").asInt()).isEqualTo(1);
                assertThat(dry.json().get("alreadyDelivered").asInt()).isEqualTo(1);
                assertThat(client.postJson("/api/v1/replays", "{\"subscription\":\"moves\",\"dryRun\":true,\"newKeys\":true}").json()
                        .get("alreadyDelivered").asInt()).isZero();
                assertThat(Sql.count(hub.db, "select count(*) from deliveries")).as("a dry run writes nothing").isEqualTo(deliveriesBefore);
            }
        }
    }

    @Test
    void failuresAreFoundByTypeAndTimeAndRetriedAsASelection() throws Exception {
        try (TestTarget erp = new TestTarget()) {
            erp.respond(r -> new TestTarget.Reply(422, "{\"error\":\"refused\"}", null));
            TestPlant plant = new TestPlant(dir).system("erp", erp.baseUrl()).subscription("all", "test.*", "erp", "/in", null);
            try (TestHub hub = TestHub.start("failure_filters", plant)) {
                HubClient client = hub.client;
                for (String[] e : new String[][]{{"f-1", "test.move.issue"}, {"f-2", "test.move.receipt"}, {"f-3", "test.cost.posted"}}) {
                    client.postEvents("application/cloudevents+json", HubClient.event(e[0], e[1], "S", "{}"));
                }
                await().atMost(Duration.ofSeconds(15)).until(() -> client.get("/api/v1/deliveries?status=dead").json().get("items").size() == 3);
                assertThat(client.get("/api/v1/deliveries?status=dead&type=test.move.*").json().get("items").findValuesAsText("eventId"))
                        .containsExactlyInAnyOrder("f-1", "f-2");
                assertThat(client.get("/api/v1/deliveries?status=dead&type=test.cost.posted").json().get("items")).hasSize(1);
                String later = java.time.Instant.now().plusSeconds(3600).toString(), earlier = java.time.Instant.now().minusSeconds(3600).toString();
                assertThat(client.get("/api/v1/deliveries?status=dead&from=" + later).json().get("items")).isEmpty();
                assertThat(client.get("/api/v1/deliveries?status=dead&from=" + earlier + "&to=" + later).json().get("items")).hasSize(3);

                long first = client.get("/api/v1/deliveries?status=dead&type=test.move.issue").json().get("items").get(0).get("id").asLong();
                HubClient.Response selection = client.postJson("/api/v1/deliveries/retry", "{\"ids\":[" + first + "]}");
                assertThat(selection.status()).as(selection.body()).isEqualTo(202);
                assertThat(selection.json().get("retried").asInt()).isEqualTo(1);
                // The retry is a batch whose progress can be followed: the target still refuses, so its one delivery is dead again.
                long batch = selection.json().get("batch").asLong();
                await().atMost(Duration.ofSeconds(15)).until(() -> client.get("/api/v1/retry-batches/" + batch).json().get("dead").asInt() == 1);
                var progress = client.get("/api/v1/retry-batches/" + batch).json();
                assertThat(progress.get("requested").asInt()).isEqualTo(1);
                assertThat(progress.get("delivered").asInt()).isZero();
                assertThat(progress.get("actor").asText()).isEqualTo("bootstrap-admin");
                assertThat(progress.get("filter").asText()).contains("\"ids\":[" + first + "]");
                assertThat(client.get("/api/v1/retry-batches").json().get("items").findValuesAsText("id")).contains(Long.toString(batch));
                assertThat(client.postJson("/api/v1/deliveries/retry", "{\"status\":\"dead\",\"type\":\"test.cost.*\"}").json().get("retried").asInt())
                        .isEqualTo(1);
                HubClient.Response bad = client.postJson("/api/v1/deliveries/retry", "{\"ids\":[\"x\"],\"from\":\"yesterday\"}");
                assertThat(bad.status()).isEqualTo(400);
                assertThat(bad.body()).contains("/ids/0").contains("/from");
            }
        }
    }
}
