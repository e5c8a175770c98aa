package dev.millwright.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.config.PlantConfig;
import dev.millwright.config.spec.ConfigError;
import dev.millwright.config.spec.ConfigException;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import dev.millwright.support.TestTarget.Received;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Operations: a system's named calls with their own method, path and body mapping (an ERP hold, a chat alert). */
class OperationsTest {
    @TempDir
    Path dir;

    private TestPlant plant(TestTarget erp) {
        return new TestPlant(dir.resolve("plant"))
                .write("mappings/erp-hold.jsonata", """
                        { "Batch": data.lot, "Material": data.material, "Reason": "QI " & data.inspection, "Quantity": $number(data.qty) }""")
                .write("mappings/chat-alert.jsonata", """
                        { "text": ":warning: Lot " & subject & " failed inspection " & data.inspection }""")
                .system("erp", erp.baseUrl(), """
                        circuitBreaker: { failureThreshold: 0 }
                        operations:
                          createQualityHold: { method: PUT, path: /api/holds, mapping: erp-hold.jsonata }
                        """)
                .system("chat", erp.baseUrl(), """
                        operations:
                          notify: { path: /hooks/T000/B000, mapping: chat-alert.jsonata }
                        """)
                .write("subscriptions/holds.yaml", """
                        name: holds
                        on: test.failed
                        deliver: { system: erp, operation: createQualityHold }
                        orderBy: subject
                        """)
                .write("subscriptions/alerts.yaml", """
                        name: alerts
                        on: test.failed
                        deliver: { system: chat, operation: notify }
                        """);
    }

    @Test
    void operationsCallWithTheirMethodPathAndMappedBody() throws Exception {
        try (TestTarget erp = new TestTarget(); TestHub hub = TestHub.start("operations", plant(erp))) {
            hub.client.postEvents("application/cloudevents+json",
                    event("op-1", "test.failed", "LOT-4711", "{\"lot\":\"LOT-4711\",\"material\":\"PUMP-7\",\"inspection\":\"INSP-1\",\"qty\":\"240\"}"));
            await().atMost(Duration.ofSeconds(20)).until(() -> erp.received().size() == 2);
            Received hold = erp.received().stream().filter(r -> r.path().equals("/api/holds")).findFirst().orElseThrow();
            assertThat(hold.method()).isEqualTo("PUT");
            assertThat(hold.header("Content-Type")).isEqualTo("application/json");
            assertThat(hold.idempotencyKey()).isNotBlank();
            JsonNode body = hold.event();
            assertThat(body.get("Batch").asText()).isEqualTo("LOT-4711");
            assertThat(body.get("Quantity").asInt()).isEqualTo(240);
            Received alert = erp.received().stream().filter(r -> r.path().equals("/hooks/T000/B000")).findFirst().orElseThrow();
            assertThat(alert.method()).isEqualTo("POST");
            assertThat(alert.event().get("text").asText()).isEqualTo(":warning: Lot LOT-4711 failed inspection INSP-1");
        }
    }

    @Test
    void aMappingThatFailsDeadLettersTheDeliveryWithTheReason() throws Exception {
        try (TestTarget erp = new TestTarget(); TestHub hub = TestHub.start("operations_bad", plant(erp))) {
            hub.client.postEvents("application/cloudevents+json",
                    event("op-2", "test.failed", "LOT-1", "{\"lot\":\"LOT-1\",\"material\":\"M\",\"inspection\":\"INSP-2\",\"qty\":\"lots\"}"));
            await().atMost(Duration.ofSeconds(20)).until(() -> hub.client.get("/api/v1/deliveries?status=dead").json().get("items").size() == 1);
            JsonNode dead = hub.client.get("/api/v1/deliveries?status=dead").json().get("items").get(0);
            assertThat(dead.get("subscription").asText()).isEqualTo("holds");
            assertThat(dead.get("lastError").asText()).contains("mapping erp-hold.jsonata").contains("\"qty\":\"lots\"");
            await().atMost(Duration.ofSeconds(20)).until(() -> erp.received().size() == 1); // the chat alert still goes
            assertThat(erp.received().getFirst().path()).isEqualTo("/hooks/T000/B000");
        }
    }

    @Test
    void anUnknownOperationIsAConfigError() throws Exception {
        try (TestTarget erp = new TestTarget()) {
            TestPlant plant = plant(erp).write("subscriptions/holds.yaml", """
                    name: holds
                    on: test.failed
                    deliver: { system: erp, operation: createHold }
                    """);
            assertThatThrownBy(() -> PlantConfig.load(plant.dir(), n -> null))
                    .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).extracting(ConfigError::toString)
                            .contains("subscriptions/holds.yaml:3: deliver.operation: system 'erp' has no operation 'createHold'; its operations: createQualityHold"));
        }
    }
}
