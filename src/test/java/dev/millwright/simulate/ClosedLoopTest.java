package dev.millwright.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.config.PlantConfig;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestHub;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The demo plant as shipped, against the simulated SAP-shaped ERP, Maximo-shaped EAM and SaaS QMS: the whole loop
 * through incidents, judged by each system's final state, and each system's refusals shown by the hub with the
 * system's own reason.
 */
class ClosedLoopTest {
    @TempDir
    static Path dir;
    static SimulatedPlant simulated;
    static PlantInABox box;
    static TestHub hub;

    @BeforeAll
    static void start() throws Exception {
        simulated = new SimulatedPlant(dir, "contracts: { allowUnknownTypes: true }\n");
        box = simulated.box;
        Path plant = simulated.plant;
        // Two routes the demo does not have, so a refusal of the ERP and of the EAM reaches them as a plain delivery.
        Files.writeString(plant.resolve("mappings/eam-status.jsonata"), "{ \"status\": data.status }");
        for (String[] route : new String[][]{{"erp-postings", "test.erp.posting", "erp", "postMaterialDocument"},
                {"eam-status", "test.workorder.status", "eam", "setStatus"}}) {
            Files.writeString(plant.resolve("subscriptions/" + route[0] + ".yaml"),
                    "name: %s\non: %s\ndeliver: { system: %s, operation: %s }\n".formatted((Object[]) route));
        }
        Files.writeString(plant.resolve("systems/eam.yaml"), Files.readString(plant.resolve("systems/eam.yaml")) + """
                      setStatus:
                        method: POST
                        path: /mxwo/{data.restId}?lean=1
                        mapping: eam-status.jsonata
                        headers: { x-method-override: PATCH }
                """);
        hub = TestHub.start("closedloop", PlantConfig.load(plant, simulated.env::get));
        box.hub(URI.create("http://127.0.0.1:" + hub.hub.port()));
    }

    @AfterAll
    static void stop() {
        if (hub != null) hub.close();
        if (simulated != null) simulated.close();
    }

    private static String qmsToken() throws Exception {
        return Files.readString(Path.of("plants/demo/secrets/qms-api.token")).strip();
    }

    @Test
    void theLoopClosesThroughAnErpOutageAStaleCsrfTokenAndAWebhookStormWithNothingMissingOrDoubled() throws Exception {
        box.qms.storm(5);                      // every webhook five times over
        box.erp.down(Duration.ofSeconds(4));   // the ERP refuses connections while the hold should be placed
        int refusals = box.erp.state().get("csrfRefusals").asInt();
        List<String> lines = new ArrayList<>();
        ClosedLoop.Result result;
        try {
            result = new ClosedLoop(box, qmsToken(), line -> {
                lines.add(line);
                // Once the hold is placed the ERP forgets every CSRF session (a Gateway restart): the hub's token is stale.
                if (line.contains("restricted (quality hold)")) box.erp.expireSessions();
            }).run("LOT-4711", "CNC-07", Duration.ofSeconds(90));
        } finally {
            box.qms.storm(1);
        }
        assertThat(result.problems()).as(String.join("\n", result.timeline()) + diagnosis()).isEmpty();
        assertThat(lines).anyMatch(l -> l.contains("restricted (quality hold)")).anyMatch(l -> l.contains("261 goods issue of 2 EA 10045-BRG"))
                .anyMatch(l -> l.contains("261 goods issue of 1 EA 10046-SEAL")).anyMatch(l -> l.contains("2.5 h labour = 212.50 EUR"));
        assertThat(box.erp.state().get("csrfRefusals").asInt()).as("the stale token was refused, fetched again, and the call made once more")
                .isGreaterThan(refusals);
        // The storm's copies were acknowledged as duplicates of one event; nothing the hub sent is dead or waiting.
        await().atMost(Duration.ofSeconds(30)).until(() -> box.qms.webhooksPending() == 0);
        assertThat(Sql.count(hub.db, "select count(*) from events where type = 'quality.inspection.failed'")).isEqualTo(1);
        assertThat(Sql.count(hub.db, "select count(*) from deliveries where state <> 'delivered' "
                + "and subscription in ('flow:nonconformance-to-capa', 'flow:maintenance-to-cost')")).isZero();
        JsonNode instance = hub.client.get("/api/v1/flow-instances?flow=nonconformance-to-capa&key=LOT-4711").json().get("items").get(0);
        assertThat(instance.get("state").asText()).isEqualTo("completed");
        // Enriched before the holds: the EAM's master data of the asset went into the work order, the MES's production
        // order of the lot into the CAPA.
        assertThat(box.eam.state().get("workOrders")).anyMatch(wo -> wo.path("assetnum").asText().equals("CNC-07")
                && wo.path("description").asText().contains("(5-axis machining centre, LINE-2/CELL-7)"));
        assertThat(box.qms.state().get("capas")).anyMatch(c -> c.path("reference").asText().matches("EAM work order \\d+, production order PO-\\d+"));
        // The only inspection of the material failed (rate 100 %, over the 5 % tolerance): a supplier case for the casting
        // batch LOT-4711 was made from, and a notice naming it in the quality leadership channel; the board's rework,
        // decided before the repair was done (and sent five times), was kept for the wait and released the lot.
        assertThat(Sql.count(hub.db, "select count(*) from events where type = 'quality.nonconformance.dispositioned'")).isEqualTo(1);
        JsonNode supplierCase = box.qms.state().get("supplierCases").get(0);
        assertThat(box.qms.state().get("supplierCases")).hasSize(1);
        assertThat(supplierCase.path("supplier").asText()).isEqualTo("SUP-0042");
        assertThat(supplierCase.path("batch").asText()).isEqualTo("CB-2291");
        List<JsonNode> qualityPosts = new ArrayList<>();
        box.chat.state().get("posts").forEach(p -> {
            if (p.path("channel_id").asText().equals(PlantInABox.QUALITY_CHANNEL)) qualityPosts.add(p);
        });
        assertThat(qualityPosts).singleElement().satisfies(p -> {
            assertThat(p.path("message").asText()).contains("is 100 % over 30 days (tolerance 5 %)")
                    .contains("supplier case " + supplierCase.path("id").asText() + " opened with SUP-0042");
        });
    }

    @Test
    void aBreakdownGetsItsSparesAndAConfirmationItsPostingsInTheSimulatedSystems() throws Exception {
        String p = PlantInABox.PLANT;
        // breakdown-to-spares: PRESS-2 needs two SEAL40 (ERP 10046-SEAL, in stock): a breakdown work order, a
        // reservation, and when Maximo's technician is done, the two seals issued to the order (stock down by two).
        java.math.BigDecimal seals = box.erp.quantity("10046-SEAL", p, "MRO-01")[0];
        post("""
                {"specversion":"1.0","id":"dt-77","source":"mes://plant-a","type":"equipment.downtime.started","subject":"PRESS-2",
                 "plant":"acme/plant-a","correlationid":"DT-77","datacontenttype":"application/json",
                 "data":{"downtimeId":"DT-77","equipment":{"id":"PRESS-2","level":"WorkCell"},"start":"2026-12-02T10:00:00Z",
                         "planned":false,"reasonCode":"BREAKDOWN","reasonText":"hydraulic leak"}}""");
        JsonNode breakdown = completedInstance("breakdown-to-spares", "DT-77");
        String wonum = breakdown.at("/vars/workOrder/wonum").asText();
        assertThat(box.eam.state().get("workOrders")).anyMatch(wo -> wo.path("wonum").asText().equals(wonum)
                && wo.path("worktype").asText().equals("EM") && wo.path("status").asText().equals("COMP"));
        assertThat(box.erp.state().get("reservations")).anyMatch(r -> r.toString().contains("10046-SEAL") && r.toString().contains(wonum));
        assertThat(box.erp.quantity("10046-SEAL", p, "MRO-01")[0]).isEqualByComparingTo(seals.subtract(java.math.BigDecimal.TWO));
        assertThat(box.chat.state().get("posts")).anyMatch(post -> post.path("channel_id").asText().equals(PlantInABox.MAINTENANCE_CHANNEL)
                && post.path("message").asText().equals("Breakdown DT-77 of PRESS-2: EAM work order " + wonum + "; reserved: 2 EA SEAL-40"));

        // confirmation-to-inventory: 40 good and 2 scrap from 42 castings: receipt, consumption and scrap postings.
        java.math.BigDecimal castings = box.erp.quantity("4711-C7", p, "RAW-01")[0];
        java.math.BigDecimal finished = box.erp.quantity(PlantInABox.LOT_MATERIAL, p, "FG-01")[0];
        box.mes.confirm("PO-104722", "0020", 40, 2, "CASTING-7", 42);
        await().atMost(Duration.ofSeconds(30)).until(() -> hub.client.get("/api/v1/flow-instances?flow=confirmation-to-inventory&state=completed")
                .json().get("items").toString().contains("PO-104722/"));
        assertThat(box.erp.quantity("4711-C7", p, "RAW-01")[0]).isEqualByComparingTo(castings.subtract(new java.math.BigDecimal("42")));
        assertThat(box.erp.quantity(PlantInABox.LOT_MATERIAL, p, "FG-01")[0]).isEqualByComparingTo(finished.add(new java.math.BigDecimal("38")));
    }

    private static JsonNode completedInstance(String flow, String key) {
        await().atMost(Duration.ofSeconds(30)).conditionEvaluationListener(c -> {
            if (c.getRemainingTimeInMS() <= 0) System.out.println(diagnosis());
        }).until(() -> hub.client.get("/api/v1/flow-instances?flow=" + flow + "&key=" + key + "&state=completed").json().get("items").size() == 1);
        long id = hub.client.get("/api/v1/flow-instances?flow=" + flow + "&key=" + key).json().get("items").get(0).get("id").asLong();
        return hub.client.get("/api/v1/flow-instances/" + id).json();
    }

    @Test
    void eachSystemsRefusalIsAFailedStepWithTheSystemsOwnReason() throws Exception {
        // ERP: the MES reports consuming more castings than are in stock — SAP's deficit message, and nothing posted.
        java.math.BigDecimal castings = box.erp.quantity("4711-C7", PlantInABox.PLANT, "RAW-01")[0];
        box.mes.confirm("PO-104720", "0030", 0, 0, "CASTING-7", 99999);
        JsonNode confirmation = failedInstance("confirmation-to-inventory");
        assertThat(confirmation.toString()).contains("M7/021").contains("Deficit of SL Unrestricted-use");
        assertThat(box.erp.quantity("4711-C7", PlantInABox.PLANT, "RAW-01")[0]).isEqualByComparingTo(castings);

        // EAM: a breakdown of an asset Maximo does not know — its BMXAA error, and no work order.
        post("""
                {"specversion":"1.0","id":"dt-1","source":"mes://plant-a","type":"equipment.downtime.started","subject":"GHOST-9",
                 "plant":"acme/plant-a","correlationid":"DT-1","datacontenttype":"application/json",
                 "data":{"downtimeId":"DT-1","equipment":{"id":"GHOST-9","level":"WorkCell"},"start":"2026-12-02T10:00:00Z",
                         "planned":false,"reasonCode":"BREAKDOWN"}}""");
        JsonNode breakdown = failedInstance("breakdown-to-spares");
        assertThat(breakdown.toString()).contains("BMXAA4153E").contains("Asset GHOST-9 is not a valid asset");
        assertThat(box.eam.state().get("workOrders").toString()).doesNotContain("GHOST-9");
    }

    /** What the hub and the systems hold, for a failure message. */
    private static String diagnosis() {
        return "\nflow instances: " + hub.client.get("/api/v1/flow-instances").body()
                + "\ndeliveries: " + hub.client.get("/api/v1/deliveries?limit=20").body().replaceAll(".*\"target\":\"eam\"", "EAM:")
                + "\ninbound failures: " + hub.client.get("/api/v1/inbound-failures").body()
                + "\nqms: " + box.qms.state().get("webhooks") + "\neam: " + box.eam.state();
    }

    @Test
    void anErpOrEamRefusalOfADeliveryIsADeadLetterWithTheSystemsOwnReason() throws Exception {
        // A goods issue against a reservation for movement 261, posted as 201: SAP refuses it (M7/445).
        Direct http = new Direct();
        String reservation = http.reservation(box);
        post("""
                {"specversion":"1.0","id":"post-1","source":"test://plant-a","type":"test.erp.posting","subject":"R","plant":"acme/plant-a",
                 "correlationid":"R","datacontenttype":"application/json",
                 "data":{"GoodsMovementType":"201","Material":"BRG-6205","QuantityInEntryUnit":1,"EntryUnit":"EA","CostCenter":"4200-MAINT",
                         "Reservation":"%s"}}""".formatted(reservation));
        // A work order completed straight from WAPPR: Maximo refuses the status change (BMXAA4590E).
        String restId = http.workOrder(box);
        post("""
                {"specversion":"1.0","id":"status-1","source":"test://plant-a","type":"test.workorder.status","subject":"W","plant":"acme/plant-a",
                 "correlationid":"W","datacontenttype":"application/json","data":{"restId":"%s","status":"COMP"}}""".formatted(restId));
        for (String[] expected : new String[][]{{"erp-postings", "M7/445", "does not agree with reservation " + reservation},
                {"eam-status", "BMXAA4590E", "cannot be changed from WAPPR to COMP"}}) {
            await().atMost(Duration.ofSeconds(20)).until(() -> Sql.count(hub.db,
                    "select count(*) from deliveries where subscription = '" + expected[0] + "' and state = 'dead'") == 1);
            assertThat(Sql.text(hub.db, "select last_error from deliveries where subscription = '" + expected[0] + "'"))
                    .startsWith("permanent failure: HTTP 400").contains(expected[1]).contains(expected[2]);
        }
    }

    /** Calls the simulators directly, for what a test needs to exist in them first. */
    private static final class Direct {
        private final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();

        String reservation(PlantInABox box) throws Exception {
            String token = dev.millwright.event.Json.MAPPER.readTree(send(java.net.http.HttpRequest.newBuilder(URI.create(box.erp.baseUrl()
                    + "/sap/bc/sec/oauth2/token")).header("Content-Type", "application/x-www-form-urlencoded").POST(java.net.http.HttpRequest.BodyPublishers
                    .ofString("grant_type=client_credentials&client_id=millwright&client_secret="
                            + Files.readString(Path.of("plants/demo/secrets/erp-client.secret")).strip())))).get("access_token").asText();
            var fetch = http.send(java.net.http.HttpRequest.newBuilder(URI.create(box.erp.baseUrl() + "/sap/opu/odata/sap/API_RESERVATION_DOCUMENT_SRV/"))
                    .header("Authorization", "Bearer " + token).header("x-csrf-token", "Fetch").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            String body = send(java.net.http.HttpRequest.newBuilder(URI.create(box.erp.baseUrl()
                            + "/sap/opu/odata/sap/API_RESERVATION_DOCUMENT_SRV/A_ReservationDocumentHeader"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .header("x-csrf-token", fetch.headers().firstValue("x-csrf-token").orElseThrow())
                    .header("Cookie", fetch.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0])
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("""
                            {"GoodsMovementType":"261","OrderID":"9001","to_ResvnDocItem":{"results":[{"Product":"10045-BRG","Plant":"1000",
                             "StorageLocation":"MRO-01","ResvnItmRequiredQtyInEntryUnit":"1","EntryUnit":"EA"}]}}""")));
            return dev.millwright.event.Json.MAPPER.readTree(body).at("/d/Reservation").asText();
        }

        String workOrder(PlantInABox box) throws Exception {
            String body = send(java.net.http.HttpRequest.newBuilder(URI.create(box.eam.baseUrl() + "/maximo/oslc/os/mxwo?lean=1"))
                    .header("apikey", Files.readString(Path.of("plants/demo/secrets/eam-api.key")).strip()).header("properties", "*")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"assetnum\":\"LATHE-3\",\"worktype\":\"PM\"}")));
            String href = dev.millwright.event.Json.MAPPER.readTree(body).get("href").asText();
            return href.substring(href.lastIndexOf('/') + 1);
        }

        private String send(java.net.http.HttpRequest.Builder request) throws Exception {
            return http.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    private static void post(String event) {
        HubClient.Response r = hub.client.postEvents("application/cloudevents+json", event);
        assertThat(r.status()).as(r.body()).isEqualTo(202);
    }

    private static JsonNode failedInstance(String flow) {
        await().atMost(Duration.ofSeconds(30)).failFast(() -> false).conditionEvaluationListener(c -> {
            if (c.getRemainingTimeInMS() <= 0) System.out.println(diagnosis());
        }).until(() -> {
            JsonNode items = hub.client.get("/api/v1/flow-instances?flow=" + flow + "&state=failed").json().get("items");
            return items != null && !items.isEmpty();
        });
        long id = hub.client.get("/api/v1/flow-instances?flow=" + flow + "&state=failed").json().get("items").get(0).get("id").asLong();
        return hub.client.get("/api/v1/flow-instances/" + id).json();
    }
}
