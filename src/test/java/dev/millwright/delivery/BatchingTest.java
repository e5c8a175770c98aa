package dev.millwright.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.millwright.event.Json;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import dev.millwright.support.TestTarget.Received;
import dev.millwright.support.TestTarget.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.millwright.support.HubClient.batch;
import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Bulk calls: deliveries of one operation share a call, and each item is settled by its own result. */
class BatchingTest {
    @TempDir
    Path dir;

    private TestPlant plant(TestTarget erp, int maxItems, String maxWait, String orderBy) {
        return new TestPlant(dir.resolve("plant"))
                .hub("""
                        plant: test-plant
                        http: { host: 127.0.0.1, port: 0 }
                        delivery: { lanes: 16, leaseTtl: 6s, pollInterval: 200ms, drainTimeout: 5s }
                        contracts: { allowUnknownTypes: true }
                        """)
                .write("mappings/movement.jsonata", """
                        { "material": data.material, "quantity": $number(data.qty), "lot": subject }""")
                .system("erp", erp.baseUrl(), """
                        retry: { maxAttempts: 20, initialBackoff: 100ms, maxBackoff: 500ms, jitter: 0.1 }
                        circuitBreaker: { failureThreshold: 0 }
                        operations:
                          postMovement:
                            path: /movements
                            mapping: movement.jsonata
                            batch: { path: /movements/bulk, maxItems: %d, maxWait: %s, itemKey: externalId, results: "results" }
                        """.formatted(maxItems, maxWait))
                .write("subscriptions/movements.yaml", """
                        name: movements
                        on: inventory.moved
                        deliver: { system: erp, operation: postMovement }
                        """ + (orderBy == null ? "" : "orderBy: " + orderBy + "\n"));
    }

    private static List<String> events(int n, String prefix, java.util.function.IntFunction<String> subject, java.util.function.IntFunction<String> qty) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(event(prefix + i, "inventory.moved", subject.apply(i), "{\"material\":\"M-" + i + "\",\"qty\":\"" + qty.apply(i) + "\"}"));
        }
        return out;
    }

    /** Answers a bulk call with one result per item: 201, or 422 for a negative quantity. */
    private static Reply perItem(Received r) {
        ArrayNode results = Json.MAPPER.createArrayNode();
        for (JsonNode item : r.event()) {
            if (item.path("quantity").asDouble() < 0) results.addObject().put("status", 422).put("error", "quantity must not be negative");
            else results.addObject().put("status", 201);
        }
        return new Reply(200, Json.MAPPER.createObjectNode().set("results", results).toString(), null);
    }

    private static List<JsonNode> items(List<Received> calls) {
        List<JsonNode> out = new ArrayList<>();
        calls.forEach(c -> c.event().forEach(out::add));
        return out;
    }

    @Test
    void deliveriesShareBulkCallsAndTheCallCountFallsByTheBatchFactor() throws Exception {
        try (TestTarget erp = new TestTarget(); TestHub hub = TestHub.start("batching_count", plant(erp, 10, "1s", null))) {
            erp.respond(BatchingTest::perItem);
            hub.client.postEvents("application/cloudevents-batch+json", batch(events(100, "mv-", i -> "LOT-" + i, i -> "5")));
            await().atMost(Duration.ofSeconds(30)).until(() -> items(erp.received()).size() >= 100);

            List<Received> calls = erp.received();
            assertThat(calls).allSatisfy(c -> {
                assertThat(c.path()).isEqualTo("/movements/bulk");
                assertThat(c.header("Content-Type")).isEqualTo("application/json");
                assertThat(c.event().isArray()).isTrue();
                assertThat(c.event().size()).isLessThanOrEqualTo(10);
            });
            // 100 deliveries at 10 per call: 10 calls, give or take a call cut short by the wait.
            assertThat(calls.size()).isBetween(10, 12);
            List<JsonNode> items = items(calls);
            assertThat(items).hasSize(100);
            assertThat(items.stream().map(i -> i.get("externalId").asText()).distinct().count()).isEqualTo(100);
            assertThat(items.stream().map(i -> i.get("lot").asText()).distinct().count()).isEqualTo(100);
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    hub.client.get("/api/v1/deliveries?status=delivered&limit=1000").json().get("items").size() == 100);
        }
    }

    @Test
    void eachItemIsSettledByItsOwnResult() throws Exception {
        try (TestTarget erp = new TestTarget(); TestHub hub = TestHub.start("batching_items", plant(erp, 10, "1s", null))) {
            erp.respond(BatchingTest::perItem);
            hub.client.postEvents("application/cloudevents-batch+json",
                    batch(events(20, "it-", i -> "LOT-" + i, i -> i % 7 == 3 ? "-1" : "2")));
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    hub.client.get("/api/v1/deliveries?status=dead").json().get("items").size() == 3
                            && hub.client.get("/api/v1/deliveries?status=delivered&limit=100").json().get("items").size() == 17);
            JsonNode dead = hub.client.get("/api/v1/deliveries?status=dead").json().get("items");
            for (JsonNode d : dead) {
                assertThat(d.get("lastError").asText()).contains("HTTP 422").contains("quantity must not be negative");
                assertThat(d.get("lastStatus").asInt()).isEqualTo(422);
            }
            // Every item was sent once: no item was repeated because another in its call failed.
            assertThat(items(erp.received())).hasSize(20);
        }
    }

    @Test
    void aFailedBulkCallRetriesItsItemsAndNothingIsLostOrDoubled() throws Exception {
        try (TestTarget erp = new TestTarget(); TestHub hub = TestHub.start("batching_retry", plant(erp, 5, "300ms", null))) {
            AtomicBoolean down = new AtomicBoolean(true);
            Map<String, Integer> seenOk = new HashMap<>();
            erp.respond(r -> {
                if (down.get()) return new Reply(503, "maintenance", null);
                // A result list that does not match the items retries them all with the same keys.
                if (r.event().size() == 5 && seenOk.isEmpty()) {
                    seenOk.put("short", 1);
                    return new Reply(200, "{\"results\":[201]}", null);
                }
                return perItem(r);
            });
            hub.client.postEvents("application/cloudevents-batch+json", batch(events(25, "rt-", i -> "LOT-" + i, i -> "1")));
            await().atMost(Duration.ofSeconds(20)).until(() -> erp.failures().size() >= 3);
            down.set(false);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    hub.client.get("/api/v1/deliveries?status=delivered&limit=100").json().get("items").size() == 25);
            JsonNode retried = hub.client.get("/api/v1/deliveries?status=delivered&limit=100").json().get("items");
            assertThat(retried).anySatisfy(d -> assertThat(d.get("attempts").asInt()).isGreaterThan(1));
            // Items accepted by a well-formed answer: each exactly once.
            List<Received> wellAnswered = erp.received().stream().filter(r -> r.event().size() != 5 || !seenOk.isEmpty()).toList();
            Map<String, Long> perKey = new HashMap<>();
            items(wellAnswered).forEach(i -> perKey.merge(i.get("externalId").asText(), 1L, Long::sum));
            assertThat(perKey.keySet()).hasSize(25);
        }
    }

    @Test
    void batchingKeepsEachKeyInOrder() throws Exception {
        try (TestTarget erp = new TestTarget(); TestHub hub = TestHub.start("batching_order", plant(erp, 5, "100ms", "subject"))) {
            erp.respond(BatchingTest::perItem);
            hub.client.postEvents("application/cloudevents-batch+json", batch(events(30, "or-", i -> "LOT-" + (i % 5), i -> String.valueOf(i))));
            await().atMost(Duration.ofSeconds(30)).until(() -> items(erp.received()).size() >= 30);
            Map<String, List<Integer>> byLot = new HashMap<>();
            items(erp.received()).forEach(i -> byLot.computeIfAbsent(i.get("lot").asText(), k -> new ArrayList<>()).add(i.get("quantity").asInt()));
            assertThat(byLot).hasSize(5);
            byLot.values().forEach(q -> assertThat(q).isSorted().hasSize(6));
            // Several keys share each call.
            assertThat(erp.received().size()).isLessThan(30);
        }
    }
}
