package dev.millwright.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.support.HubClient;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import dev.millwright.support.TestTarget.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** $fetch: a mapping asks EAM for the equipment master while mapping a MES message, cached, with a fallback when EAM is down. */
class EnrichmentTest {
    @TempDir
    Path dir;

    private TestPlant plant(TestTarget eam, String operation) {
        return new TestPlant(dir.resolve("plant"))
                .write("mappings/mes-stop.jsonata", """
                        ( $master := $fetch("eam", "%s", machine);
                          { "type": "mes.machine.stopped", "id": "stop-" & no, "subject": machine,
                            "data": { "machine": machine, "criticality": $master.criticality, "costCenter": $master.costCenter } } )"""
                        .formatted(operation))
                .write("systems/mes.yaml", """
                        name: mes
                        inbound:
                          http: { mapping: mes-stop.jsonata, auth: { type: token, token: "${env:HOME}" } }
                        """)
                .system("eam", eam.baseUrl(), """
                        circuitBreaker: { failureThreshold: 0 }
                        operations:
                          equipmentMaster: { method: GET, path: "/equipment/{key}", cacheTtl: 5m }
                          equipmentMasterLenient: { method: GET, path: "/equipment/{key}", onUnavailable: proceed }
                        """);
    }

    private static HubClient.Response send(TestHub hub, String no, String machine) {
        return hub.client.postBytes("/api/v1/inbound/mes", Map.of("Content-Type", "application/json", "Authorization", "Bearer " + System.getenv("HOME")),
                ("{\"no\": \"" + no + "\", \"machine\": \"" + machine + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode events(TestHub hub) {
        return hub.client.get("/api/v1/events?type=mes.machine.stopped").json().get("items");
    }

    private static Reply master(TestTarget.Received r) {
        // The key is sent URL-encoded (/equipment/CNC%2007); the server sees it decoded.
        if (r.path().equals("/equipment/CNC 07")) return new Reply(200, "{\"criticality\": \"A\", \"costCenter\": \"4711\"}", null);
        return new Reply(404, "{\"error\": \"no such equipment\"}", null);
    }

    @Test
    void contextIsFetchedOnceWhileFreshAndAWaitingOperationRefusesUntilTheSystemAnswers() throws Exception {
        try (TestTarget eam = new TestTarget(); TestHub hub = TestHub.start("enrich_wait", plant(eam, "equipmentMaster"))) {
            eam.respond(EnrichmentTest::master);
            assertThat(send(hub, "1", "CNC 07").status()).isEqualTo(202);
            assertThat(send(hub, "2", "CNC 07").status()).isEqualTo(202);
            assertThat(eam.received()).hasSize(1); // the second came from the cache
            JsonNode first = events(hub).get(0).get("event");
            assertThat(first.get("data").get("criticality").asText()).isEqualTo("A");
            assertThat(first.get("data").get("costCenter").asText()).isEqualTo("4711");
            assertThat(first.has("contextmissing")).isFalse();

            // An unknown machine: EAM says 404, the mapping gets null and goes on.
            assertThat(send(hub, "3", "LATHE-9").status()).isEqualTo(202);
            assertThat(events(hub).get(2).get("event").get("data").has("criticality")).isFalse();

            // EAM down: nothing is stored and the sender is told to come back.
            eam.stop();
            HubClient.Response down = send(hub, "4", "PRESS-1");
            assertThat(down.status()).isEqualTo(503);
            assertThat(down.contentType()).startsWith("application/problem+json");
            assertThat(down.body()).contains("context unavailable").contains("eam equipmentMaster for 'PRESS-1'").contains("connection refused");
            assertThat(events(hub)).hasSize(3);
            eam.restart();
            assertThat(send(hub, "4", "PRESS-1").status()).isEqualTo(202);
            assertThat(events(hub)).hasSize(4);
        }
    }

    @Test
    void aProceedingOperationGoesOnWithoutTheContextAndFlagsTheEvent() throws Exception {
        try (TestTarget eam = new TestTarget(); TestHub hub = TestHub.start("enrich_proceed", plant(eam, "equipmentMasterLenient"))) {
            eam.respond(r -> new Reply(503, "maintenance window", null));
            assertThat(send(hub, "1", "CNC 07").status()).isEqualTo(202);
            JsonNode event = events(hub).get(0).get("event");
            assertThat(event.get("contextmissing").asText()).isEqualTo("eam.equipmentMasterLenient");
            assertThat(event.get("data").has("criticality")).isFalse();
            assertThat(event.get("data").get("machine").asText()).isEqualTo("CNC 07");
        }
    }
}
