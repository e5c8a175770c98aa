package dev.millwright.flow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.support.HubClient;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import dev.millwright.support.TestTarget.Received;
import dev.millwright.support.TestTarget.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The demo plant's nonconformance-to-CAPA flow, as shipped, against real HTTP systems standing in for ERP, EAM and QMS. */
class DemoFlowTest {
    @TempDir
    Path dir;

    @Test
    void aFailedInspectionClosesTheLoopFromHoldToRepairToPartsCapaReleaseAndLabourCost() throws Exception {
        AtomicInteger documents = new AtomicInteger(4900);
        try (TestTarget erp = new TestTarget(); TestTarget eam = new TestTarget(); TestTarget qms = new TestTarget()) {
            erp.respond(r -> new Reply(201, "{\"id\":\"" + documents.incrementAndGet() + "\"}", null));
            eam.respond(r -> new Reply(201, "{\"id\":\"WO-1001\",\"status\":\"WAPPR\"}", null));
            qms.respond(r -> new Reply(200, "{}", null));
            Path plant = dev.millwright.support.TestPlant.copyOf(Path.of("plants/demo"), dir.resolve("demo"));
            rewrite(plant.resolve("systems/erp.yaml"), "http://127.0.0.1:9101", erp.baseUrl());
            rewrite(plant.resolve("systems/eam.yaml"), "http://127.0.0.1:9102", eam.baseUrl());
            rewrite(plant.resolve("systems/qms.yaml"), "http://127.0.0.1:9103", qms.baseUrl());
            rewrite(plant.resolve("systems/cmms.yaml"), "data/exports/cmms", dir.resolve("exports").toString());
            rewrite(plant.resolve("systems/eam.yaml"), "data/inbound/eam-completions", dir.resolve("eam-in").toString());

            // Test hub settings (port 0, fast polls) over the demo's millwright.yaml.
            TestPlant demo = new TestPlant(plant).hub("""
                    plant: demo-plant
                    http: { host: 127.0.0.1, port: 0 }
                    ingest: { groupCommitWindow: 1ms }
                    delivery: { lanes: 16, leaseTtl: 12s, pollInterval: 200ms, drainTimeout: 5s }
                    """);
            try (TestHub hub = TestHub.start("demoflow", demo)) {
                HubClient.Response accepted = hub.client.postEvents("application/cloudevents+json", """
                        {"specversion":"1.0","id":"insp-1002","source":"qms://plant-a/inspection","type":"quality.inspection.failed",
                         "subject":"LOT-4711","time":"2026-12-02T10:00:00Z","plant":"acme/plant-a","correlationid":"INSP-1002",
                         "datacontenttype":"application/json",
                         "data":{"inspectionId":"INSP-1002","lotId":"LOT-4711","materialId":"PUMP-HOUSING-7","result":"fail",
                                 "inspectedAt":"2026-12-02T10:00:00Z","equipment":{"id":"CNC-07","level":"WorkCell"},
                                 "characteristics":[{"name":"bore diameter","nominal":25.0,"lowerLimit":24.8,"upperLimit":25.2,
                                                     "measured":25.31,"unit":"mm","result":"fail","defectCode":"DIM-OOT"}]}}""");
                assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
                await().atMost(Duration.ofSeconds(20)).until(() -> state(hub).equals("waiting") && step(hub).equals("await-repair"));
                Received hold = erp.received().getFirst();
                assertThat(hold.path()).endsWith("/quality-holds");
                assertThat(hold.event().path("Material").asText()).isEqualTo("4711-PH7");
                assertThat(eam.received().getFirst().event().path("assetnum").asText()).isEqualTo("CNC-07");

                // The repair is done: EAM reports it under its own work-order number, with two parts and the labour.
                accepted = hub.client.postEvents("application/cloudevents+json", """
                        {"specversion":"1.0","id":"wo-1001-done","source":"eam://plant-a","type":"maintenance.workorder.completed",
                         "plant":"acme/plant-a","correlationid":"WO-1001","datacontenttype":"application/json",
                         "data":{"workOrderId":"WO-1001","assetId":"CNC-07","completedAt":"2026-12-02T14:00:00Z",
                                 "labor":[{"craft":"mechanic","hours":{"value":2.5,"unit":"h"}},{"craft":"electrician","hours":{"value":1,"unit":"h"}}],
                                 "parts":[{"materialId":"BRG-6205","quantity":{"value":2,"unit":"EA"},"storageLocation":"MRO-01"},
                                          {"materialId":"SEAL-40","quantity":{"value":1,"unit":"EA"},"storageLocation":"MRO-01"}],
                                 "causeCode":"BEARING-WEAR","remedyCode":"REPLACE"}}""");
                assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
                await().atMost(Duration.ofSeconds(20)).until(() -> state(hub).equals("completed"));

                // The loop's own calls, in order; the labour went to ERP through maintenance-to-cost, which every completion starts.
                await().atMost(Duration.ofSeconds(20)).until(() -> erp.received().stream().filter(r -> r.path().endsWith("/activity-allocations")).count() == 2);
                List<String> erpCalls = erp.received().stream().map(r -> r.path().replace("/erp", ""))
                        .filter(p -> !p.equals("/activity-allocations")).toList();
                assertThat(erpCalls).containsExactly("/quality-holds", "/material-documents", "/material-documents", "/quality-holds/release");
                List<Received> issues = erp.received().stream().filter(r -> r.path().endsWith("/material-documents")).toList();
                assertThat(issues).extracting(r -> r.event().path("Material").asText()).containsExactly("BRG-6205", "SEAL-40");
                assertThat(issues).allMatch(r -> r.event().path("GoodsMovementType").asText().equals("261")
                        && r.event().path("OrderID").asText().equals("WO-1001"));
                assertThat(issues.get(0).idempotencyKey()).isNotEqualTo(issues.get(1).idempotencyKey());
                double hours = erp.received().stream().filter(r -> r.path().endsWith("/activity-allocations"))
                        .mapToDouble(r -> r.event().path("Hours").asDouble()).sum();
                assertThat(hours).isEqualTo(3.5);
                assertThat(qms.received().getFirst().event().path("rootCause").asText()).isEqualTo("BEARING-WEAR");
            }
        }
    }

    private static String state(TestHub hub) {
        JsonNode items = hub.client.get("/api/v1/flow-instances?flow=nonconformance-to-capa&key=LOT-4711").json().path("items");
        return items.isEmpty() ? "" : items.get(0).path("state").asText();
    }

    private static String step(TestHub hub) {
        return hub.client.get("/api/v1/flow-instances?flow=nonconformance-to-capa&key=LOT-4711").json().path("items").get(0).path("step").asText();
    }

    private static void rewrite(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        assertThat(text).contains(from);
        Files.writeString(file, text.replace(from, to));
    }

}
