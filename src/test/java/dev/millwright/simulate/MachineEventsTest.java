package dev.millwright.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.config.PlantConfig;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestMosquitto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The demo plant in its with-broker environment: a machine the MES reports DOWN on MQTT (Sparkplug-like topic) becomes a
 * breakdown — a Maximo work order, a reservation in SAP per spare part in stock — and when the repair is done the
 * parts it used are issued to the order.
 */
class MachineEventsTest {
    @TempDir
    Path dir;

    @Test
    void aMachineDownOnMqttBecomesABreakdownWorkOrderReservationsAndIssuedParts() throws Exception {
        try (TestMosquitto broker = new TestMosquitto(dir.resolve("mqtt"))) {
            try (SimulatedPlant simulated = new SimulatedPlant(dir, "")) {
                PlantInABox box = simulated.box;
                Map<String, String> env = new java.util.HashMap<>(simulated.env);
                env.put("MQTT_HOST", "127.0.0.1");
                env.put("MQTT_PORT", Integer.toString(broker.port()));
                Path plant = simulated.plant;
                try (TestHub hub = TestHub.start("machines", PlantConfig.load(plant, env::get, "with-broker"))) {
                    box.hub(URI.create("http://127.0.0.1:" + hub.hub.port()));
                    box.mes.broker("127.0.0.1", broker.port());
                    // The hub's MQTT reader subscribes once it holds its lease and is connected.
                    await().atMost(Duration.ofSeconds(20)).until(() -> {
                        for (JsonNode c : hub.client.get("/api/v1/connectors").json().get("items")) {
                            if (c.get("system").asText().equals("mes") && c.get("channel").asText().equals("mqtt")) return c.get("ready").asBoolean();
                        }
                        return false;
                    });
                    box.mes.machineState("line-2", "CNC-07", "DOWN", "SPINDLE-ALARM");
                    box.mes.machineState("line-2", "CNC-07", "RUNNING", null); // makes no event
                    await().atMost(Duration.ofSeconds(30)).until(() -> hub.client.get("/api/v1/flow-instances?flow=breakdown-to-spares&state=completed")
                            .json().get("items").size() == 1);
                    assertThat(hub.client.get("/api/v1/flow-instances?flow=breakdown-to-spares").json().get("items")).hasSize(1);
                    JsonNode erp = box.erp.state();
                    assertThat(box.eam.state().get("workOrders")).hasSize(1);
                    JsonNode wo = box.eam.state().get("workOrders").get(0);
                    assertThat(wo.get("worktype").asText()).isEqualTo("EM");
                    assertThat(wo.get("assetnum").asText()).isEqualTo("CNC-07");
                    assertThat(erp.get("reservations").findValuesAsText("Product")).contains("10045-BRG", "10046-SEAL");
                    assertThat(erp.get("reservations").findValuesAsText("OrderID")).allMatch(o -> o.equals(wo.get("wonum").asText()));
                    assertThat(erp.get("purchaseRequisitions")).isEmpty(); // both parts were in stock
                    // The repair's parts were issued to the order: stock down by exactly what it used (2 bearings, 1 seal).
                    assertThat(box.erp.quantity("10045-BRG", PlantInABox.PLANT, "MRO-01")[0]).isEqualByComparingTo("38");
                    assertThat(box.erp.quantity("10046-SEAL", PlantInABox.PLANT, "MRO-01")[0]).isEqualByComparingTo("24");
                }
            }
        }
    }
}
