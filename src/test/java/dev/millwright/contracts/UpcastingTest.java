package dev.millwright.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.event.CloudEvent;
import dev.millwright.event.Json;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import dev.millwright.support.TestTarget.Received;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class UpcastingTest {
    static final ContractCatalog CATALOG = ContractCatalog.builtIn();

    @TempDir
    Path dir;

    @Test
    void upcastV1ExamplesAreValidV2() throws Exception {
        Contracts contracts = new Contracts(CATALOG, false);
        Upcasting upcasting = Upcasting.builtIn(CATALOG);
        for (String type : List.of("quality.inspection.passed", "quality.inspection.failed")) {
            String v1 = envelope("e-1", type, "v1", CATALOG.types().get(type).version("v1").example(), "acme/a");
            ObjectNode up = (ObjectNode) Json.MAPPER.readTree(upcasting.toLatest(type, v1));
            assertThat(up.get("dataschema").asText()).endsWith(type + "/v2");
            assertThat(up.at("/data/characteristics/0/limits/upper").asDouble()).isEqualTo(25.2);
            assertThat(up.at("/data/characteristics/0/uncertainty").isNull()).isTrue();
            assertThat(up.at("/data/characteristics/0").has("upperLimit")).isFalse();
            CloudEvent event = new CloudEvent("e-1", "test://qms", type, null, null, up, up.toString());
            assertThat(contracts.check(List.of(event), false)).as("upcast %s is valid v2", type).isEmpty();
        }
    }

    @Test
    void latestVersionsAndOtherTypesPassUntouched() {
        Upcasting upcasting = Upcasting.builtIn(CATALOG);
        String v2 = envelope("e-2", "quality.inspection.failed", "v2", CATALOG.types().get("quality.inspection.failed").version("v2").example(), "a");
        assertThat(upcasting.toLatest("quality.inspection.failed", v2)).isSameAs(v2);
        String other = "{\"type\":\"quality.lot.held\",\"data\":{}}";
        assertThat(upcasting.toLatest("quality.lot.held", other)).isSameAs(other);
    }

    @Test
    void aMissingUpcasterIsRefusedAtStart() {
        assertThatThrownBy(() -> new Upcasting(CATALOG, List.of()))
                .hasMessageContaining("no upcaster from TestResult/v1 toward TestResult/v2");
    }

    @Test
    void v1AndV2FromTwoPlantsReachTheSubscriptionAsV2WhileTheLogKeepsWhatWasSent() throws Exception {
        try (TestTarget target = new TestTarget();
             TestHub hub = TestHub.start("upcast", new TestPlant(dir).system("erp", target.baseUrl())
                     .subscription("holds", "quality.inspection.failed", "erp", "/holds", "data.lotId"))) {
            JsonNode v1 = CATALOG.types().get("quality.inspection.failed").version("v1").example();
            JsonNode v2 = CATALOG.types().get("quality.inspection.failed").version("v2").example();
            assertThat(hub.client.postEvents("application/cloudevents+json",
                    envelope("from-a", "quality.inspection.failed", "v1", v1, "acme/plant-a")).status()).isEqualTo(202);
            assertThat(hub.client.postEvents("application/cloudevents+json",
                    envelope("from-b", "quality.inspection.failed", "v2", v2, "acme/plant-b")).status()).isEqualTo(202);

            await().atMost(Duration.ofSeconds(20)).until(() -> target.received().size() == 2);
            for (Received r : target.received()) {
                assertThat(r.event().get("dataschema").asText()).isEqualTo("https://millwright.dev/contracts/quality.inspection.failed/v2");
                assertThat(r.event().at("/data/characteristics/0/limits/lower").asDouble()).isEqualTo(24.8);
            }
            assertThat(target.received()).extracting(r -> r.event().get("plant").asText())
                    .containsExactlyInAnyOrder("acme/plant-a", "acme/plant-b");

            JsonNode stored = hub.client.get("/api/v1/events/from-a").json().get("event");
            assertThat(stored.get("dataschema").asText()).endsWith("/v1");
            assertThat(stored.at("/data/characteristics/0/lowerLimit").asDouble()).isEqualTo(24.8);
            assertThat(stored.at("/data/characteristics/0").has("limits")).isFalse();
        }
    }

    static String envelope(String id, String type, String version, JsonNode data, String plant) {
        ObjectNode e = Json.MAPPER.createObjectNode();
        e.put("specversion", "1.0").put("id", id).put("source", "qms://" + plant).put("type", type)
                .put("dataschema", ContractCatalog.BASE + type + "/" + version)
                .put("plant", plant).put("correlationid", "INSP-1002");
        e.set("data", data);
        return e.toString();
    }
}
