package dev.millwright.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.simulate.erp.SapErp;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.millwright.support.HubClient.batch;
import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An operation batched as OData $batch, against the simulated SAP ERP (OAuth2, CSRF, its own stock rules): flow calls
 * of many instances share calls, each posted or refused alone, and each instance gets its own answer — the ERP's
 * document number — as a call made alone would.
 */
class ODataBatchingTest {
    @TempDir
    Path dir;

    @Test
    void flowCallsShareODataBatchesAndEachGetsItsOwnDocumentNumberOrRefusal() throws Exception {
        String secret = "odata-secret-7";
        Files.writeString(dir.resolve("erp.secret"), secret);
        try (SapErp erp = new SapErp(0, "millwright", secret, Clock.systemUTC())
                .material("10045-BRG", "EA").stock("10045-BRG", "1000", "MRO-01", null, new BigDecimal("25"))) {
            String root = erp.baseUrl() + "/sap/opu/odata/sap";
            TestPlant plant = new TestPlant(dir.resolve("plant"))
                    .hub("""
                            plant: test-plant
                            http: { host: 127.0.0.1, port: 0 }
                            delivery: { lanes: 16, leaseTtl: 6s, pollInterval: 200ms, drainTimeout: 5s }
                            flows: { pollInterval: 200ms }
                            contracts: { allowUnknownTypes: true }
                            """)
                    .write("mappings/issue.jsonata", """
                            { "GoodsMovementCode": "03", "to_MaterialDocumentItem": { "results": [ { "Material": "10045-BRG", "Plant": "1000",
                              "StorageLocation": "MRO-01", "GoodsMovementType": "261", "QuantityInEntryUnit": data.qty, "EntryUnit": "EA",
                              "OrderID": data.order } ] } }""")
                    .system("erp", root, """
                            timeout: 2s
                            retry: { maxAttempts: 5, initialBackoff: 100ms, maxBackoff: 500ms }
                            circuitBreaker: { failureThreshold: 0 }
                            auth:
                              type: oauth2
                              oauth2: { tokenUrl: %s/sap/bc/sec/oauth2/token, clientId: millwright, clientSecret: "${file:%s}" }
                              csrf: { fetchPath: /API_MATERIAL_DOCUMENT_SRV/ }
                            operations:
                              issue:
                                method: POST
                                path: /API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader
                                mapping: issue.jsonata
                                batch: { format: odata, path: /API_MATERIAL_DOCUMENT_SRV/$batch, maxItems: 10, maxWait: 300ms }
                            """.formatted(erp.baseUrl(), dir.resolve("erp.secret")))
                    .write("flows/issue.yaml", """
                            name: issue
                            trigger: { on: test.issue, key: subject }
                            steps:
                              - id: post
                                call: { system: erp, operation: issue, data: '{"qty": trigger.data.qty, "order": trigger.data.order}' }
                                as: doc
                              - id: done
                                end: true
                            """);
            try (TestHub hub = TestHub.start("odata_batching", plant)) {
                long servedBefore = erp.requestsServed();
                List<String> events = new ArrayList<>();
                for (int i = 0; i < 20; i++) events.add(event("is-" + i, "test.issue", "ORDER-" + i, "{\"qty\":\"1\",\"order\":\"9" + i + "\"}"));
                events.add(event("is-big", "test.issue", "ORDER-BIG", "{\"qty\":\"100\",\"order\":\"999\"}"));
                hub.client.postEvents("application/cloudevents-batch+json", batch(events));

                await().atMost(Duration.ofSeconds(30)).until(() -> instances(hub, "completed").size() == 20 && instances(hub, "failed").size() == 1);
                // Each instance has the document number ERP gave its own request.
                Set<String> documents = new HashSet<>();
                for (JsonNode i : instances(hub, "completed")) {
                    JsonNode detail = hub.client.get("/api/v1/flow-instances/" + i.get("id").asText()).json();
                    documents.add(detail.at("/vars/doc/d/MaterialDocument").asText());
                }
                assertThat(documents).hasSize(20).doesNotContain("");
                // The one ERP refused fails alone, with SAP's own message; the others were posted once each.
                JsonNode failed = hub.client.get("/api/v1/flow-instances/" + instances(hub, "failed").getFirst().get("id").asText()).json();
                assertThat(failed.toString()).contains("M7/021").contains("Deficit");
                assertThat(erp.quantity("10045-BRG", "1000", "MRO-01")[0]).isEqualByComparingTo("5");
                assertThat(erp.state().get("materialDocuments")).hasSize(20);
                // 21 postings in a few calls (the token and CSRF fetch included), not one call each.
                long served = erp.requestsServed() - servedBefore;
                assertThat(served).as("requests the ERP served").isLessThanOrEqualTo(8);
            }
        }
    }

    private static List<JsonNode> instances(TestHub hub, String state) {
        List<JsonNode> out = new ArrayList<>();
        hub.client.get("/api/v1/flow-instances?flow=issue&state=" + state + "&limit=100").json().get("items").forEach(out::add);
        return out;
    }
}
