package dev.millwright.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.support.HubClient;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import dev.millwright.support.TestTarget.Received;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** $xref, $lookup and $plant inside mappings, and what happens when a reference or a value is missing. */
class MappingFunctionsTest {
    @TempDir
    Path dir;

    private TestPlant plant(TestTarget erp) {
        return new TestPlant(dir.resolve("plant"))
                .write("xref/equipment.csv", """
                        entityType,canonicalId,system,localId
                        equipment,EQ-LATHE-7,mes,CNC-07
                        equipment,EQ-LATHE-7,erp,10004711
                        equipment,EQ-MILL-2,mes,CNC-02
                        """)
                .write("valuemaps/defect-codes.csv", """
                        key,value
                        DIM-OOT,Q-017
                        SURF-SCR,Q-022
                        *,Q-999
                        """)
                .write("valuemaps/severity.csv", """
                        key,value
                        major,1
                        minor,2
                        """)
                .write("mappings/qms-defect.jsonata", """
                        {
                          "type": "qms.defect.found", "id": "qms-" & no, "subject": $xref("equipment", "mes", machine, "canonical"),
                          "data": { "equipment": $xref("equipment", "mes", machine, "canonical"), "defect": $lookup("defect-codes", defect),
                                    "priority": $lookup("severity", severity), "plant": $plant() }
                        }""")
                .write("mappings/erp-notification.jsonata", """
                        { "Equipment": $xref("equipment", "canonical", data.equipment, "erp"), "QualityCode": data.defect }""")
                .write("systems/qms.yaml", """
                        name: qms
                        inbound:
                          http: { mapping: qms-defect.jsonata, auth: { type: token, token: "${env:HOME}" } }
                        """)
                .system("erp", erp.baseUrl(), """
                        retry: { maxAttempts: 50, initialBackoff: 100ms, maxBackoff: 300ms, jitter: 0.1 }
                        circuitBreaker: { failureThreshold: 0 }
                        operations:
                          notify: { path: /notifications, mapping: erp-notification.jsonata, onUnresolved: wait }
                          notifyStrict: { path: /strict, mapping: erp-notification.jsonata }
                        """)
                .write("subscriptions/erp.yaml", """
                        name: erp
                        on: qms.defect.found
                        deliver: { system: erp, operation: notify }
                        """)
                .write("subscriptions/erp-strict.yaml", """
                        name: erp-strict
                        on: qms.defect.found
                        deliver: { system: erp, operation: notifyStrict }
                        """);
    }

    private static HubClient.Response send(TestHub hub, String payload) {
        return hub.client.postBytes("/api/v1/inbound/qms", Map.of("Content-Type", "application/json", "Authorization", "Bearer " + System.getenv("HOME")),
                payload.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void mappingsTranslateIdsAndCodesAndMissingOnesFailAsDeclared() throws Exception {
        try (TestTarget erp = new TestTarget(); TestHub hub = TestHub.start("mapping_functions", plant(erp))) {
            // Seeded from xref/equipment.csv at start.
            HubClient.Response ok = send(hub, """
                    {"no": "D-1", "machine": "CNC-07", "defect": "DIM-OOT", "severity": "major"}""");
            assertThat(ok.status()).as(ok.body()).isEqualTo(202);
            JsonNode event = hub.client.get("/api/v1/events?type=qms.defect.found").json().get("items").get(0).get("event");
            assertThat(event.get("subject").asText()).isEqualTo("EQ-LATHE-7");
            assertThat(event.get("data").get("defect").asText()).isEqualTo("Q-017");
            assertThat(event.get("data").get("priority").asText()).isEqualTo("1");
            assertThat(event.get("data").get("plant").asText()).isEqualTo("test-plant");
            await().atMost(Duration.ofSeconds(10)).until(() -> erp.received().size() == 2);
            assertThat(erp.received()).allSatisfy(r -> assertThat(r.event().get("Equipment").asText()).isEqualTo("10004711"));

            // A code the value map does not list falls back to its default (*).
            send(hub, """
                    {"no": "D-2", "machine": "CNC-07", "defect": "NEW-CODE", "severity": "minor"}""");
            JsonNode second = hub.client.get("/api/v1/events?type=qms.defect.found").json().get("items").get(1).get("event");
            assertThat(second.get("data").get("defect").asText()).isEqualTo("Q-999");

            // A value map without a default refuses an unlisted key, naming the map and the key; nothing is stored.
            HubClient.Response unmapped = send(hub, """
                    {"no": "D-3", "machine": "CNC-07", "defect": "DIM-OOT", "severity": "cosmetic"}""");
            assertThat(unmapped.status()).isEqualTo(422);
            assertThat(unmapped.body()).contains("qms-defect.jsonata").contains("valuemaps/severity.csv").contains("no entry for 'cosmetic'");

            // An unknown machine on the way in: the payload is refused with the reference that is missing.
            HubClient.Response unknownMachine = send(hub, """
                    {"no": "D-4", "machine": "CNC-99", "defect": "DIM-OOT", "severity": "major"}""");
            assertThat(unknownMachine.status()).isEqualTo(422);
            assertThat(unknownMachine.body()).contains("unresolved reference: equipment 'CNC-99' of mes has no canonical id");
            assertThat(hub.client.get("/api/v1/events?type=qms.defect.found").json().get("items")).hasSize(2);

            // The mill has no ERP id yet: 'wait' keeps its delivery failed and retrying, 'deadLetter' kills it at once.
            send(hub, """
                    {"no": "D-5", "machine": "CNC-02", "defect": "SURF-SCR", "severity": "minor"}""");
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    hub.client.get("/api/v1/deliveries?status=dead").json().get("items").size() == 1
                            && hub.client.get("/api/v1/deliveries?status=failed").json().get("items").size() == 1);
            JsonNode dead = hub.client.get("/api/v1/deliveries?status=dead").json().get("items").get(0);
            assertThat(dead.get("operation").asText()).isEqualTo("notifyStrict");
            assertThat(dead.get("lastError").asText()).contains("erp-notification.jsonata")
                    .contains("unresolved reference: equipment 'EQ-MILL-2' of canonical has no erp id");
            // It is in flight for a moment at each retry: look until it is seen failed again.
            JsonNode waiting = await().atMost(Duration.ofSeconds(10))
                    .until(() -> hub.client.get("/api/v1/deliveries?status=failed").json().get("items").get(0), java.util.Objects::nonNull);
            assertThat(waiting.get("lastError").asText()).contains("unresolved reference");
            // Operators find (and retry) what waits for the cross-reference by its reason.
            assertThat(hub.client.get("/api/v1/deliveries?reason=unresolved%20reference").json().get("items")).hasSize(2);
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    hub.client.get("/api/v1/deliveries?status=failed&reason=unresolved%20reference").json().get("items").size() == 1);
            assertThat(hub.client.get("/api/v1/deliveries?reason=no%20such%20thing").json().get("items")).isEmpty();

            hub.client.putJson("/api/v1/xref/equipment/EQ-MILL-2", "{\"systems\": {\"mes\": \"CNC-02\", \"erp\": \"10004712\"}}");
            await().atMost(Duration.ofSeconds(10)).until(() -> erp.received().stream()
                    .anyMatch(r -> r.path().equals("/notifications") && r.event().get("Equipment").asText().equals("10004712")));
            assertThat(erp.received().stream().filter(r -> r.path().equals("/strict")).map(Received::event)
                    .noneMatch(e -> e.get("Equipment").asText().equals("10004712"))).isTrue();
        }
    }
}
