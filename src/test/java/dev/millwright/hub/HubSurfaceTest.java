package dev.millwright.hub;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.api.ApiServer;
import dev.millwright.config.HubSettings;
import dev.millwright.maintenance.RetentionJob;
import dev.millwright.store.Database;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.EventStore;
import dev.millwright.store.LeaseStore;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestTarget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;

import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The operator-facing surface: OpenAPI, health, metrics, retention. */
class HubSurfaceTest {
    @TempDir
    static Path dir;
    static TestHub hub;
    static Database db;
    static TestTarget target;
    static HubClient client;

    @BeforeAll
    static void start() throws Exception {
        target = new TestTarget();
        TestPlant plant = new TestPlant(dir).system("erp", target.baseUrl())
                .subscription("holds", "test.*", "erp", "/holds", "subject");
        hub = TestHub.start("surface", plant);
        db = hub.db;
        client = hub.client;
    }

    @AfterAll
    static void stop() {
        hub.close();
        target.close();
    }

    @Test
    void openApiDocumentListsExactlyTheServedRoutes() {
        HubClient.Response r = client.getWithoutToken("/api/v1/openapi.json");
        assertThat(r.status()).isEqualTo(200);
        JsonNode paths = r.json().get("paths");
        Set<String> documented = new HashSet<>();
        paths.fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase() + " " + p.getKey())));
        Set<String> served = new HashSet<>();
        for (ApiServer.Route route : hub.hub.api().routes()) served.add(route.method() + " " + route.path());
        assertThat(documented).isEqualTo(served);
    }

    @Test
    void healthAndMetrics() {
        assertThat(client.getWithoutToken("/health/live").status()).isEqualTo(200);
        HubClient.Response ready = client.getWithoutToken("/health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().get("database").asText()).isEqualTo("up");

        client.postEvents("application/cloudevents+json", event("m-1", "test.inspection.failed", "L", "{}"));
        client.postEvents("application/cloudevents+json", event("m-1", "test.inspection.failed", "L", "{}"));
        await().atMost(Duration.ofSeconds(20)).until(() -> target.distinctKeys().size() >= 1);
        HubClient.Response anonymous = client.getWithoutToken("/metrics");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.contentType()).startsWith("application/problem+json");
        String metrics = client.get("/metrics").body();
        assertThat(metrics)
                .contains("millwright_events_accepted_total")
                .contains("millwright_events_duplicates_total")
                .contains("millwright_deliveries{state=\"dead\",target=\"erp\"}")
                .doesNotContain("millwright_deliveries{state=\"delivered\"")
                .contains("millwright_delivery_queue_depth{target=\"erp\"}")
                .contains("millwright_delivery_latency_seconds_bucket")
                .contains("millwright_delivery_attempts_total{outcome=\"delivered\",target=\"erp\"}");
        assertThat(metricValue(metrics, "millwright_events_duplicates_total")).isGreaterThanOrEqualTo(1.0);

        // Delivery counts come from the node's refresher, not from the scrape: a dead delivery written straight into
        // the database shows up once the refresher ran.
        long deadBefore = (long) metricValue(metrics, "millwright_deliveries{state=\"dead\",target=\"erp\"}");
        Sql.execute(db, "update deliveries set state = 'dead', last_error = 'test' where id = "
                + "(select d.id from deliveries d join events e on e.seq = d.event_seq where e.id = 'm-1')");
        await().atMost(Duration.ofSeconds(20)).until(() ->
                (long) metricValue(client.get("/metrics").body(), "millwright_deliveries{state=\"dead\",target=\"erp\"}") == deadBefore + 1);
    }

    /** The shipped Grafana dashboard queries only metrics the hub defines (a renamed metric would leave a panel empty). */
    @Test
    void theGrafanaDashboardQueriesOnlyMetricsTheHubDefines() throws Exception {
        JsonNode dashboard = dev.millwright.event.Json.MAPPER.readTree(java.nio.file.Files.readString(java.nio.file.Path.of("docs/grafana/millwright.json")));
        assertThat(dashboard.get("panels")).isNotEmpty();
        String defined = java.nio.file.Files.readString(java.nio.file.Path.of("src/main/java/dev/millwright/metrics/HubMetrics.java"));
        java.util.Set<String> queried = new java.util.TreeSet<>();
        var names = java.util.regex.Pattern.compile("millwright_[a-z_]+").matcher(dashboard.toString());
        while (names.find()) queried.add(names.group());
        assertThat(queried).hasSizeGreaterThanOrEqualTo(8);
        for (String name : queried) {
            String meter = name.replaceAll("_(bucket|count|sum)$", "").replaceAll("_total$", "").replaceAll("_seconds$", "").replace('_', '.');
            assertThat(defined).as(name + " is queried by the dashboard but the hub defines no meter " + meter).contains("\"" + meter + "\"");
        }
        // the core panels have data on a hub that has delivered something
        client.postEvents("application/cloudevents+json", event("g-1", "test.inspection.failed", "G", "{}"));
        await().atMost(Duration.ofSeconds(20)).until(() -> target.distinctKeys().size() >= 1);
        String scrape = client.get("/metrics").body();
        for (String core : java.util.List.of("millwright_events_accepted_total", "millwright_delivery_attempts_total", "millwright_delivery_queue_depth",
                "millwright_delivery_latency_seconds_bucket", "millwright_routing_backlog")) {
            assertThat(queried).contains(core);
            assertThat(scrape).contains(core);
        }
    }

    @Test
    void retentionPrunesDeliveredWorkButKeepsDeadDeliveriesAndTheirEvents() throws Exception {
        target.respond(r -> r.eventId().equals("ret-dead") ? new TestTarget.Reply(400, "no", null) : TestTarget.Reply.ok());
        client.postEvents("application/cloudevents+json", event("ret-ok", "test.retention", "R1", "{}"));
        client.postEvents("application/cloudevents+json", event("ret-dead", "test.retention", "R2", "{}"));
        await().atMost(Duration.ofSeconds(20)).until(() ->
                Sql.count(db, "select count(*) from deliveries d join events e on e.seq = d.event_seq where e.type = 'test.retention' and d.state in ('delivered','dead')") == 2);

        Clock later = Clock.fixed(Instant.now().plus(Duration.ofDays(40)), ZoneOffset.UTC);
        HubSettings.Retention settings = new HubSettings.Retention(Duration.ofDays(7), Duration.ofDays(30), Duration.ofDays(90), Duration.ofHours(1), 1,
                Duration.ofDays(30));
        try (RetentionJob job = new RetentionJob(settings, new DeliveryStore(db.dataSource(), db.cachedPlanDataSource()), new EventStore(db.dataSource()),
                new LeaseStore(db.dataSource()), db.dataSource(), "test-node", later)) {
            job.runOnce();
        }
        assertThat(Sql.count(db, "select count(*) from deliveries where state = 'delivered'")).isZero();
        assertThat(Sql.count(db, "select count(*) from deliveries d join events e on e.seq = d.event_seq "
                + "where e.type = 'test.retention' and d.state = 'dead'")).isEqualTo(1);
        assertThat(Sql.count(db, "select count(*) from events where id = 'ret-dead'")).isEqualTo(1);
        assertThat(Sql.count(db, "select count(*) from events where id = 'ret-ok'")).isZero();

        // The pruned event's key is still remembered: sending it again is a duplicate, and nothing is delivered twice.
        int before = target.received().size();
        HubClient.Response again = client.postEvents("application/cloudevents+json", event("ret-ok", "test.retention", "R1", "{}"));
        assertThat(again.status()).isEqualTo(202);
        assertThat(again.json().get("duplicates").asInt()).isEqualTo(1);
        assertThat(Sql.count(db, "select count(*) from events where id = 'ret-ok'")).isZero();
        assertThat(Sql.count(db, "select count(*) from deliveries d join events e on e.seq = d.event_seq where e.id = 'ret-ok'")).isZero();
        assertThat(target.received()).hasSize(before);

        // Beyond the idempotency window the key is forgotten too.
        Clock muchLater = Clock.fixed(Instant.now().plus(Duration.ofDays(100)), ZoneOffset.UTC);
        try (RetentionJob job = new RetentionJob(settings, new DeliveryStore(db.dataSource(), db.cachedPlanDataSource()), new EventStore(db.dataSource()),
                new LeaseStore(db.dataSource()), db.dataSource(), "test-node", muchLater)) {
            job.runOnce();
        }
        assertThat(Sql.count(db, "select count(*) from retired_event_keys where id = 'ret-ok'")).isZero();
    }

    @Test
    void contractRegistryServesTheCatalogAndEnforcesItAtTheDoor() throws Exception {
        JsonNode list = client.get("/api/v1/contracts").json().get("items");
        assertThat(list).hasSize(28);
        assertThat(list.findValuesAsText("type")).contains("quality.inspection.failed", "finance.cost.posted");
        HubClient.Response schema = client.get("/api/v1/contracts/quality.inspection.failed/v2");
        assertThat(schema.status()).isEqualTo(200);
        assertThat(schema.contentType()).startsWith("application/schema+json");
        assertThat(schema.json().get("$id").asText()).isEqualTo("https://millwright.dev/contracts/quality.inspection.failed/v2");
        assertThat(client.get("/api/v1/contracts/quality.inspection.failed/v3").status()).isEqualTo(404);

        JsonNode example = dev.millwright.contracts.ContractCatalog.builtIn().types().get("quality.inspection.failed").version("v1").example();
        String valid = "{\"specversion\":\"1.0\",\"id\":\"c-1\",\"source\":\"qms://a\",\"type\":\"quality.inspection.failed\","
                + "\"plant\":\"acme/plant-a\",\"correlationid\":\"INSP-1002\",\"data\":" + example + "}";
        assertThat(client.postEvents("application/cloudevents+json", valid).status()).isEqualTo(202);
        HubClient.Response bad = client.postEvents("application/cloudevents+json",
                valid.replace("\"c-1\"", "\"c-2\"").replace("\"unit\":\"mm\",", ""));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("title").asText()).isEqualTo("Contract violation");
        assertThat(bad.json().get("errors").get(0).get("pointer").asText()).isEqualTo("/data/characteristics/0/unit");
        assertThat(bad.json().get("errors").get(0).get("keyword").asText()).isEqualTo("required");
        assertThat(Sql.count(db, "select count(*) from events where id = 'c-2'")).isZero();
    }

    private static double metricValue(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
