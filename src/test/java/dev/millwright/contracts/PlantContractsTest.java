package dev.millwright.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.support.HubClient;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A plant's own contract is enforced at the door and served by the registry like a catalog one. */
class PlantContractsTest {
    @TempDir
    Path dir;

    @Test
    void plantTypeIsValidatedListedAndDelivered() throws Exception {
        try (TestTarget target = new TestTarget()) {
            TestPlant plant = new TestPlant(dir).hub("""
                            plant: test-plant
                            http: { host: 127.0.0.1, port: 0 }
                            delivery: { leaseTtl: 3s, pollInterval: 200ms }
                            """)
                    .system("mes", target.baseUrl())
                    .subscription("alarms", "acme.furnace.alarm", "mes", "/alarms", "data.furnaceId")
                    .write("contracts/acme.furnace.alarm/v1.json", """
                            {"description": "A furnace raised an alarm.", "type": "object", "additionalProperties": false,
                             "required": ["furnaceId", "temperature"],
                             "properties": {"furnaceId": {"type": "string"},
                                            "temperature": {"$ref": "https://millwright.dev/contracts/entities/common/v1#/$defs/Quantity"}}}
                            """);
            try (TestHub hub = TestHub.start("plant_contracts", plant)) {
                String ok = """
                        {"specversion":"1.0","id":"a-1","source":"scada://f2","type":"acme.furnace.alarm","plant":"acme/plant-a",
                         "correlationid":"ALM-1","dataschema":"https://millwright.dev/contracts/acme.furnace.alarm/v1",
                         "data":{"furnaceId":"F-2","temperature":{"value":1180,"unit":"CEL"}}}""";
                assertThat(hub.client.postEvents("application/cloudevents+json", ok).status()).isEqualTo(202);
                HubClient.Response bad = hub.client.postEvents("application/cloudevents+json",
                        ok.replace("a-1", "a-2").replace(",\"unit\":\"CEL\"", ""));
                assertThat(bad.status()).isEqualTo(400);
                assertThat(bad.json().at("/errors/0/pointer").asText()).isEqualTo("/data/temperature/unit");
                HubClient.Response unknown = hub.client.postEvents("application/cloudevents+json", ok.replace("acme.furnace.alarm", "acme.other"));
                assertThat(unknown.status()).as("types outside catalog and plant contracts are refused by default").isEqualTo(400);

                JsonNode listed = hub.client.get("/api/v1/contracts").json().get("items");
                assertThat(listed.findValuesAsText("type")).contains("acme.furnace.alarm", "quality.inspection.failed");
                assertThat(hub.client.get("/api/v1/contracts/acme.furnace.alarm/v1").json().get("$id").asText())
                        .isEqualTo("https://millwright.dev/contracts/acme.furnace.alarm/v1");
                await().atMost(Duration.ofSeconds(20)).until(() -> target.received().size() == 1);
            }
        }
    }
}
