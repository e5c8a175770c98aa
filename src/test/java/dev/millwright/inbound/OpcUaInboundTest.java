package dev.millwright.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestOpcUaServer;
import dev.millwright.support.TestPlant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** OPC UA in: a machine's state and temperature on a real Milo server become downtime and alarm events. */
class OpcUaInboundTest {
    @TempDir
    Path dir;

    /** Downtime starts when the state turns STOPPED; a temperature alarm when it crosses 80 °C upwards. */
    private static final String MAPPING = """
            node = "state" ? (
              value = "STOPPED" and previous != "STOPPED" ? {
                "type": "equipment.downtime.started",
                "id": "dt-" & sourceTime,
                "subject": "CNC-07",
                "plant": "acme/plant-a",
                "correlationid": "dt-" & sourceTime,
                "data": { "downtimeId": "DT-" & sourceTime, "equipment": { "id": "CNC-07", "level": "WorkCell" },
                          "start": sourceTime, "planned": false, "reasonCode": "UNKNOWN" }
              } : value = "RUNNING" and previous = "STOPPED" ? {
                "type": "equipment.state.running", "id": "run-" & sourceTime, "subject": "CNC-07", "data": { "since": sourceTime }
              } : []
            ) : node = "temperature" and value > 80 and (previous = null or previous <= 80) ? {
              "type": "equipment.temperature.high", "id": "temp-" & sourceTime, "subject": "CNC-07", "data": { "celsius": value }
            } : []""";

    private TestPlant plant(TestOpcUaServer plc) {
        return new TestPlant(dir.resolve("plant"))
                .write("mappings/machine.jsonata", MAPPING)
                .write("systems/plc.yaml", """
                        name: plc
                        inbound:
                          opcua:
                            endpoint: %s
                            publishingInterval: 100ms
                            reconnectMax: 1s
                            nodes:
                              state: { nodeId: "%s", samplingInterval: 50ms }
                              temperature: { nodeId: "%s", samplingInterval: 50ms }
                            mapping: machine.jsonata
                        """.formatted(plc.endpoint(), plc.nodeId("CNC-07/State"), plc.nodeId("CNC-07/SpindleTemp")));
    }

    private static List<JsonNode> events(TestHub hub, String type) {
        List<JsonNode> out = new java.util.ArrayList<>();
        hub.client.get("/api/v1/events?type=" + type).json().get("items").forEach(i -> out.add(i.get("event")));
        return out;
    }

    private static boolean monitoring(TestHub hub) {
        JsonNode c = hub.client.get("/api/v1/connectors").json().get("items").get(0);
        return c.get("ready").asBoolean();
    }

    @Test
    void stateChangesAndThresholdCrossingsRaiseEvents() throws Exception {
        Map<String, Object> initial = new HashMap<>(Map.of("CNC-07/State", "RUNNING", "CNC-07/SpindleTemp", 60.0));
        try (TestOpcUaServer plc = new TestOpcUaServer(initial); TestHub hub = TestHub.start("opcua", plant(plc))) {
            await().atMost(Duration.ofSeconds(20)).until(() -> monitoring(hub));
            assertThat(hub.client.get("/api/v1/systems/plc/health").json().get("ok").asBoolean()).isTrue();
            plc.set("CNC-07/State", "STOPPED");
            await().atMost(Duration.ofSeconds(10)).until(() -> events(hub, "equipment.downtime.started").size() == 1);
            JsonNode downtime = events(hub, "equipment.downtime.started").getFirst();
            assertThat(downtime.get("data").get("equipment").get("id").asText()).isEqualTo("CNC-07");
            assertThat(downtime.get("source").asText()).isEqualTo("system://plc");

            plc.set("CNC-07/SpindleTemp", 85.5);
            await().atMost(Duration.ofSeconds(10)).until(() -> events(hub, "equipment.temperature.high").size() == 1);
            plc.set("CNC-07/SpindleTemp", 90.0); // still above: no new alarm
            plc.set("CNC-07/State", "RUNNING");
            // The server samples values: a change shorter than the sampling interval may never be seen, so wait for it.
            await().atMost(Duration.ofSeconds(10)).until(() -> events(hub, "equipment.state.running").size() == 1);
            plc.set("CNC-07/State", "STOPPED");
            await().atMost(Duration.ofSeconds(10)).until(() -> events(hub, "equipment.downtime.started").size() == 2);
            assertThat(events(hub, "equipment.temperature.high")).hasSize(1);
            assertThat(events(hub, "equipment.temperature.high").getFirst().get("data").get("celsius").asDouble()).isEqualTo(85.5);
        }
    }

    @Test
    void aServerRestartIsSurvivedAndAStopWhileAwayIsStillSeen() throws Exception {
        Map<String, Object> initial = new HashMap<>(Map.of("CNC-07/State", "RUNNING", "CNC-07/SpindleTemp", 60.0));
        TestOpcUaServer plc = new TestOpcUaServer(initial);
        try (TestHub hub = TestHub.start("opcua_restart", plant(plc))) {
            await().atMost(Duration.ofSeconds(20)).until(() -> monitoring(hub));
            plc.stop();
            await().atMost(Duration.ofSeconds(20)).until(() -> !monitoring(hub));
            JsonNode status = hub.client.get("/api/v1/connectors").json().get("items").get(0);
            assertThat(status.get("problem").asText()).contains(plc.endpoint());
            assertThat(hub.client.get("/api/v1/systems/plc/health").json().get("problem").asText())
                    .startsWith("cannot connect to " + plc.endpoint());
            // The machine stops while the hub cannot see it; when the server is back, its current value tells.
            initial.put("CNC-07/State", "STOPPED");
            plc.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> events(hub, "equipment.downtime.started").size() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> monitoring(hub));
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    hub.client.get("/metrics").body().contains("millwright_connector_reconnects_total{system=\"plc\"}"));
        } finally {
            plc.close();
        }
    }
}
