package dev.millwright.flow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.store.Database;
import dev.millwright.support.HubClient;
import dev.millwright.support.HubProcess;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestPostgres;
import dev.millwright.support.TestTarget;
import dev.millwright.support.TestTarget.Received;
import dev.millwright.support.TestTarget.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Flow instances survive kill -9, share out across nodes, and finish on the version they started with. */
class FlowDurabilityTest {
    @TempDir
    Path dir;

    private static final String TWO_CALLS = """
            name: two-calls
            trigger: { on: test.job.started, key: data.id }
            steps:
              - id: first
                call: { system: erp, operation: post, data: '{"job": instance.key, "step": "first"}' }
              - id: second
                call: { system: erp, operation: post, data: '{"job": instance.key, "step": "second", "after": vars.first.document}' }
              - id: third
                call: { system: erp, operation: post, data: '{"job": instance.key, "step": "third"}' }
            """;

    private TestPlant plant(Path at, TestTarget erp, String flowFile, String flow) {
        return new TestPlant(at)
                .system("erp", erp.baseUrl(), """
                        retry: { maxAttempts: 20, initialBackoff: 100ms, maxBackoff: 1s }
                        circuitBreaker: { failureThreshold: 0 }
                        operations:
                          post: { path: /documents, mapping: data.jsonata }
                        """)
                .write("mappings/data.jsonata", "data")
                .write("flows/" + flowFile + ".yaml", flow);
    }

    private static String batch(String prefix, int from, int to) {
        List<String> events = new ArrayList<>();
        for (int i = from; i < to; i++) events.add(HubClient.event(prefix + "-" + i, "test.job.started", null, "{\"id\":\"" + prefix + "-" + i + "\"}"));
        return HubClient.batch(events);
    }

    private static long count(Database db, String sql) {
        return dev.millwright.support.Sql.count(db, sql);
    }

    @Test
    void killMinus9BetweenStepsResumesEveryInstanceAndNoStepPostsTwiceUnderDifferentKeys() throws Exception {
        String schema = TestPostgres.newSchema("flowkill");
        try (TestTarget erp = new TestTarget(); Database db = Database.open(TestPostgres.jdbcUrl(), "postgres", null, schema, 4)) {
            erp.respond(r -> {
                try {
                    Thread.sleep(3); // calls take a moment, so some are out when the hub dies
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new Reply(201, "{\"document\":\"D-" + r.event().path("job").asText() + "-" + r.event().path("step").asText() + "\"}", null);
            });
            Path plantDir = plant(dir.resolve("plant"), erp, "two-calls", TWO_CALLS).dir();
            int instances = 300;
            HubProcess first = HubProcess.start(plantDir, HubProcess.onTestDatabase(schema));
            try (HubClient client = new HubClient(first.port())) {
                for (int from = 0; from < instances; from += 100) {
                    HubClient.Response r = client.postEvents("application/cloudevents-batch+json", batch("job", from, from + 100));
                    assertThat(r.status()).as(r.body()).isEqualTo(202);
                }
            }
            // Killed with instances at every step: some done, some mid-call, some not started.
            await().atMost(Duration.ofSeconds(60)).until(() -> count(db, "select count(*) from flow_instances where state = 'completed'") >= 20);
            first.kill9();
            assertThat(count(db, "select count(*) from flow_instances where state <> 'completed'")).as("the kill came mid-run").isPositive();

            try (HubProcess second = HubProcess.start(plantDir, HubProcess.onTestDatabase(schema))) {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> count(db, "select count(*) from flow_instances where state = 'completed'") == instances);
                assertThat(count(db, "select count(*) from flow_instances")).isEqualTo(instances);
                // Each step appended its call once: 3 deliveries per instance, whatever the kill interrupted.
                assertThat(count(db, "select count(*) from deliveries where subscription = 'flow:two-calls'")).isEqualTo(3L * instances);
                Map<String, List<Received>> byKey = erp.received().stream().collect(Collectors.groupingBy(Received::idempotencyKey));
                assertThat(byKey).hasSize(3 * instances);
                // A call repeated after the kill carries the same key and the same body: the ERP can dedupe it.
                byKey.values().stream().filter(l -> l.size() > 1).forEach(l -> assertThat(l.stream().map(r -> r.event().toString()).distinct()).hasSize(1));
                // Every second call saw the first call's answer: the variables survived the kill.
                assertThat(erp.received().stream().filter(r -> r.event().path("step").asText().equals("second"))
                        .allMatch(r -> r.event().path("after").asText().equals("D-" + r.event().path("job").asText() + "-first"))).isTrue();
                assertThat(count(db, "select count(*) from flow_steps where state <> 'completed'")).isZero();
            }
        }
    }

    @Test
    void twoNodesShareTheInstancesAndEachStepRunsOnce() throws Exception {
        String schema = TestPostgres.newSchema("flowtwo");
        try (TestTarget erp = new TestTarget()) {
            erp.respond(r -> new Reply(201, "{\"document\":\"D-" + r.event().path("job").asText() + "\"}", null));
            TestPlant p = plant(dir.resolve("two"), erp, "two-calls", TWO_CALLS);
            try (TestHub a = TestHub.startOn(schema, p, Clock.systemUTC()); TestHub b = TestHub.startOn(schema, p, Clock.systemUTC())) {
                int instances = 200;
                for (int from = 0; from < instances; from += 50) {
                    TestHub via = from % 100 == 0 ? a : b;
                    assertThat(via.client.postEvents("application/cloudevents-batch+json", batch("pair", from, from + 50)).status()).isEqualTo(202);
                }
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> count(a.db, "select count(*) from flow_instances where state = 'completed'") == instances);
                assertThat(erp.received()).hasSize(3 * instances);
                assertThat(erp.distinctKeys()).hasSize(3 * instances);
                assertThat(count(a.db, "select count(*) from flow_steps")).isEqualTo(3L * instances);
            }
        }
    }

    /** A hub on a flow's first version, just long enough to start one instance for {@code key} and see it parked ({@code parked} counts 1). */
    private void startOnFirstVersion(String schema, Path at, TestTarget erp, String name, String flow, String key, String parked) throws Exception {
        try (TestHub old = TestHub.startOn(schema, plant(at, erp, name, flow), Clock.systemUTC())) {
            old.client.postEvents("application/cloudevents+json", HubClient.event("start-" + key, "test.job.started", null, "{\"id\":\"" + key + "\"}"));
            await().atMost(Duration.ofSeconds(20)).until(() -> count(old.db, parked) == 1);
        }
    }

    @Test
    void anInstanceFinishesOnTheVersionItStartedWithWhileNewOnesTakeTheNewVersion() throws Exception {
        String schema = TestPostgres.newSchema("flowver");
        String v1 = """
                name: versioned
                trigger: { on: test.job.started, key: data.id }
                steps:
                  - id: begin
                    call: { system: erp, operation: post, data: '{"job": instance.key, "step": "v1-begin"}' }
                  - id: wait
                    wait: { on: test.job.released, timeout: 1h }
                  - id: finish
                    call: { system: erp, operation: post, data: '{"job": instance.key, "step": "v1-finish"}' }
                """;
        String v2 = v1.replace("v1-", "v2-");
        try (TestTarget erp = new TestTarget()) {
            erp.respond(r -> new Reply(201, "{}", null));
            startOnFirstVersion(schema, dir.resolve("v1"), erp, "versioned", v1, "J-OLD", "select count(*) from flow_waits");
            // What validate --running shows before the new file is deployed: what changed, and who stays on the old version.
            TestPlant second = plant(dir.resolve("v2"), erp, "versioned", v2);
            var newFiles = dev.millwright.config.PlantConfig.load(second.dir()).flows();
            try (Database db = Database.open(TestPostgres.jdbcUrl(), "postgres", null, schema, 2)) {
                List<String> changes = dev.millwright.store.Jdbc.withConnection(db.dataSource(), c -> new FlowCatalog(newFiles).changes(c));
                assertThat(changes).singleElement().asString()
                        .contains("flow versioned: version " + newFiles.getFirst().version() + " replaces ")
                        .contains("on which 1 active instance(s) finish")
                        .contains("step 'begin' changed; step 'finish' changed");
            }
            try (TestHub hub = TestHub.startOn(schema, second, Clock.systemUTC())) {
                hub.client.postEvents("application/cloudevents+json", HubClient.event("new-1", "test.job.started", null, "{\"id\":\"J-NEW\"}"));
                hub.client.postEvents("application/cloudevents+json", HubClient.event("rel-old", "test.job.released", null, "{\"id\":\"J-OLD\"}"));
                hub.client.postEvents("application/cloudevents+json", HubClient.event("rel-new", "test.job.released", null, "{\"id\":\"J-NEW\"}"));
                await().atMost(Duration.ofSeconds(20)).until(() -> count(hub.db, "select count(*) from flow_instances where state = 'completed'") == 2);
                Map<String, List<String>> steps = erp.received().stream().collect(Collectors.groupingBy(r -> r.event().path("job").asText(),
                        Collectors.mapping(r -> r.event().path("step").asText(), Collectors.toList())));
                assertThat(steps.get("J-OLD")).containsExactly("v1-begin", "v1-finish");
                assertThat(steps.get("J-NEW")).containsExactly("v2-begin", "v2-finish");
                JsonNode flows = hub.client.get("/api/v1/flows").json().path("items").get(0);
                assertThat(flows.path("versions")).hasSize(2);
                assertThat(flows.path("version").asText()).isEqualTo(flows.path("versions").get(1).path("version").asText());
                // Each stored version says what it changed against the one before (the console's flows page shows it).
                assertThat(flows.path("versions").get(0).path("changes")).isEmpty();
                assertThat(flows.path("versions").get(1).path("changes").toString()).contains("step 'begin' changed").contains("step 'finish' changed");
            }
        }
    }

    @Test
    void anEventThatArrivesBeforeAnOldVersionsWaitIsKeptUnderTheKeyThatVersionComputes() throws Exception {
        String schema = TestPostgres.newSchema("flowverkey");
        String v1 = """
                name: keyed
                trigger: { on: test.job.started, key: data.id }
                steps:
                  - id: pause
                    delay: 1h
                  - id: release
                    wait: { on: test.job.released, key: data.job, timeout: 1h }
                  - id: finish
                    call: { system: erp, operation: post, data: '{"job": instance.key, "step": "finish"}' }
                """;
        // The new file correlates releases by another field: the instance still on v1 must find its release by data.job.
        String v2 = v1.replace("key: data.job", "key: data.ref");
        try (TestTarget erp = new TestTarget()) {
            erp.respond(r -> new Reply(201, "{}", null));
            startOnFirstVersion(schema, dir.resolve("k1"), erp, "keyed", v1, "J-1",
                    "select count(*) from flow_instances where position = 'pause' and due_at is not null");
            try (TestHub hub = TestHub.startOn(schema, plant(dir.resolve("k2"), erp, "keyed", v2), Clock.systemUTC())) {
                // The release comes while the instance still pauses (before its wait starts): it is kept for v1's wait too.
                hub.client.postEvents("application/cloudevents+json", HubClient.event("rel-1", "test.job.released", null, "{\"job\":\"J-1\",\"ref\":\"R-9\"}"));
                await().atMost(Duration.ofSeconds(20)).until(() -> count(hub.db, "select count(*) from flow_inbox where key = 'J-1'") == 1);
                dev.millwright.support.Sql.execute(hub.db, "update flow_instances set due_at = now() where flow = 'keyed'");
                await().atMost(Duration.ofSeconds(20)).until(() -> count(hub.db, "select count(*) from flow_instances where state = 'completed'") == 1);
                assertThat(erp.received()).singleElement().satisfies(r -> assertThat(r.event().path("job").asText()).isEqualTo("J-1"));
            }
        }
    }
}
