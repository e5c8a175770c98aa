package dev.millwright.flow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.store.FlowStore;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import dev.millwright.support.TestTarget.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Process flows end to end: real PostgreSQL, real HTTP systems, events in through the API, calls out through the delivery path. */
class FlowTest {
    @TempDir
    static Path dir;
    static TestTarget erp;
    static TestTarget eam;
    static TestTarget mes;
    static TestHub hub;
    static final AtomicBoolean erpRejectsParts = new AtomicBoolean(true);
    static final AtomicInteger workOrders = new AtomicInteger();

    static final String NCR = """
            name: ncr
            trigger:
              on: test.inspection.failed
              key: data.ncr
            kpis:
              - { name: defect_to_hold, to: hold }
              - { name: repair_wait, from: request, to: completion }
            steps:
              - id: hold
                call: { system: erp, operation: hold, data: '{"lot": trigger.data.lot}' }
                compensate:
                  call: { system: erp, operation: release, data: '{"lot": trigger.data.lot}' }
              - id: request
                call: { system: eam, operation: workorder, data: '{"asset": trigger.data.asset, "ncr": instance.key}' }
                as: workOrder
              - id: completion
                wait:
                  on: test.workorder.completed
                  key: data.wonum
                  equals: vars.workOrder.wonum
                  timeout: 1h
                as: completion
              - id: parts
                call: { system: erp, operation: issue, data: '{"parts": vars.completion.data.parts, "order": vars.workOrder.wonum}' }
            """;

    @BeforeAll
    static void start() throws Exception {
        erp = new TestTarget();
        erp.respond(r -> {
            if (r.path().contains("/stock/")) {
                return r.path().endsWith("-down") ? new Reply(503, "{\"error\":\"stock service restarting\"}", null) : new Reply(200, "{\"qty\":5}", null);
            }
            if (r.path().endsWith("/issues") && "reject".equals(r.event().path("parts").asText()) && erpRejectsParts.get()) {
                return new Reply(422, "{\"error\":{\"code\":\"M7/021\",\"message\":{\"value\":\"Deficit of SL Unrestricted-use\"}}}", null);
            }
            return new Reply(201, "{\"document\":\"49000" + r.event().path("lot").asText("") + "\"}", null);
        });
        eam = new TestTarget();
        eam.respond(r -> new Reply(201, "{\"wonum\":\"" + r.event().path("asset").asText().replace("ASSET", "WO") + "\"}", null));
        mes = new TestTarget();
        mes.respond(r -> {
            if (r.event().path("order").asText().endsWith("-slow")) {
                try {
                    Thread.sleep(300); // loses the race of an any-join
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new Reply(200, "{\"status\":\"HELD\"}", null);
        });
        String ops = """
                operations:
                  hold: { path: /holds, mapping: data.jsonata }
                  release: { path: /holds/release, mapping: data.jsonata }
                  issue: { path: /issues, mapping: data.jsonata }
                  workorder: { path: /workorders, mapping: data.jsonata }
                  stock: { method: GET, path: "/stock/{key}" }
                """;
        TestPlant plant = new TestPlant(dir)
                .system("erp", erp.baseUrl() + "/erp", ops + "retry: { maxAttempts: 3, initialBackoff: 100ms }\ncircuitBreaker: { failureThreshold: 0 }\n")
                .system("eam", eam.baseUrl() + "/eam", ops + "retry: { maxAttempts: 3, initialBackoff: 100ms }\ncircuitBreaker: { failureThreshold: 0 }\n")
                .system("mes", mes.baseUrl(), ops + "retry: { maxAttempts: 50, initialBackoff: 100ms, maxBackoff: 200ms }\ncircuitBreaker: { failureThreshold: 0 }\n")
                .write("mappings/data.jsonata", "data")
                .write("flows/fanout.yaml", """
                        name: fanout
                        trigger: { on: test.fanout.started, key: data.id }
                        steps:
                          - id: tell
                            parallel:
                              branches:
                                erp: { call: { system: erp, operation: hold, data: '{"lot": instance.key & "-p"}' } }
                                eam: { call: { system: eam, operation: workorder, data: '{"asset": "ASSET-" & instance.key}' } }
                                note: { emit: { type: test.fanout.noted, data: '{"id": instance.key}' } }
                            as: told
                          - id: first
                            parallel:
                              join: any
                              branches:
                                slow: { call: { system: mes, operation: hold, data: '{"order": instance.key & "-slow"}' } }
                                fast: { call: { system: eam, operation: workorder, data: '{"asset": "ASSET-" & instance.key & "-fast"}' } }
                            as: first
                          - id: park
                            wait: { on: test.fanout.done, timeout: 1h }
                        """)
                .write("flows/fanfail.yaml", """
                        name: fanfail
                        trigger: { on: test.fanfail.started, key: data.id }
                        steps:
                          - id: both
                            parallel:
                              branches:
                                ok: { call: { system: erp, operation: hold, data: '{"lot": instance.key}' } }
                                refused: { call: { system: erp, operation: issue, data: '{"parts": "reject", "order": instance.key}' } }
                        """)
                .write("flows/status.yaml", """
                        name: status
                        trigger: { on: test.status.changed, key: data.order }
                        steps:
                          - id: tell-mes
                            call: { system: mes, operation: hold, data: '{"order": instance.key}' }
                            as: mes
                        """)
                .write("flows/ncr.yaml", NCR)
                .write("flows/overdue.yaml", """
                        name: overdue
                        trigger: { on: test.overdue.started, key: data.id }
                        steps:
                          - id: await
                            wait: { on: test.overdue.done, timeout: 1s, onTimeout: escalate }
                          - id: finish
                            end: true
                          - id: escalate
                            escalate:
                              reason: "'nothing came for ' & instance.key"
                              notify: { system: eam, operation: workorder, data: '{"asset": "ESC-" & instance.key, "text": vars.escalation}' }
                        """)
                .write("flows/disposition.yaml", """
                        name: disposition
                        trigger: { on: test.disposition.needed, key: data.lot }
                        steps:
                          - id: decide
                            signal: { name: disposition, timeout: 1h }
                            as: decision
                          - id: branch
                            switch:
                              cases:
                                - { when: "vars.decision.release = true", goto: release }
                                - { when: "vars.decision.rework = true", goto: rework }
                              default: scrap
                          - id: rework
                            emit: { type: test.lot.rework, data: '{"lot": instance.key}' }
                            next: done
                          - id: release
                            emit: { type: test.lot.released, data: '{"lot": instance.key, "by": vars.decision.by}' }
                            next: done
                          - id: scrap
                            fail: { reason: "'lot ' & instance.key & ' scrapped'" }
                          - id: done
                            end: true
                        """)
                .write("flows/undo.yaml", """
                        name: undo
                        onFailure: compensate
                        trigger: { on: test.undo.started, key: data.id }
                        steps:
                          - id: first
                            call: { system: erp, operation: hold, data: '{"lot": instance.key & "-1"}' }
                            compensate: { call: { system: erp, operation: release, data: '{"lot": instance.key & "-1"}' } }
                          - id: second
                            call: { system: erp, operation: hold, data: '{"lot": instance.key & "-2"}' }
                            compensate: { call: { system: erp, operation: release, data: '{"lot": instance.key & "-2"}' } }
                          - id: third
                            call: { system: erp, operation: issue, data: '{"parts": "reject"}' }
                        """);
        plant.write("flows/ask.yaml", """
                name: ask
                trigger: { on: test.ask.started, key: data.id }
                steps:
                  - id: stock
                    lookup: { system: erp, operation: stock, key: instance.key, attempts: 3, retryEvery: 300ms }
                  - id: done
                    end: true
                """);
        hub = TestHub.start("flows", plant);
    }

    @AfterAll
    static void stop() {
        hub.close();
        erp.close();
        eam.close();
        mes.close();
    }

    @Test
    void aLookupTheSystemCannotAnswerIsAskedAsOftenAsTheStepSaysThenFailsWithTheReason() {
        post("ask-1", "test.ask.started", "{\"id\":\"item-down\"}");
        JsonNode failed = awaitState("ask", "item-down", "failed");
        assertThat(failed.path("step").asText()).isEqualTo("stock");
        assertThat(failed.toString()).contains("unavailable after 3 attempts").contains("HTTP 503");
        // Three tries of one iteration, attempts 1 to 3; the first two wait 300 ms for the next.
        List<String> tries = new ArrayList<>();
        failed.path("timeline").forEach(t -> tries.add(t.path("iteration").asInt() + "/" + t.path("attempt").asInt() + " "
                + t.path("error").asText().replaceAll(":.*", "")));
        assertThat(tries).containsExactly("1/1 unavailable, trying again in 300ms", "1/2 unavailable, trying again in 300ms",
                "1/3 unavailable after 3 attempts");

        post("ask-2", "test.ask.started", "{\"id\":\"item-ok\"}");
        JsonNode done = awaitState("ask", "item-ok", "completed");
        assertThat(done.at("/vars/stock/qty").asInt()).isEqualTo(5);
    }

    private static void post(String id, String type, String data) {
        HubClient.Response r = hub.client.postEvents("application/cloudevents+json", HubClient.event(id, type, null, data));
        assertThat(r.status()).as(r.body()).isEqualTo(202);
    }

    private static JsonNode instanceFor(String flow, String key) {
        JsonNode items = hub.client.get("/api/v1/flow-instances?flow=" + flow + "&key=" + key).json().path("items");
        return items.isEmpty() ? null : hub.client.get("/api/v1/flow-instances/" + items.get(0).path("id").asLong()).json();
    }

    private static JsonNode awaitState(String flow, String key, String state) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            last[0] = instanceFor(flow, key);
            assertThat(last[0]).as("instance of %s for %s", flow, key).isNotNull();
            assertThat(last[0].path("state").asText()).as(last[0].toPrettyString()).isEqualTo(state);
        });
        return last[0];
    }

    private static JsonNode awaitWaitingAt(String flow, String key, String step) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            last[0] = instanceFor(flow, key);
            assertThat(last[0]).as("instance of %s for %s", flow, key).isNotNull();
            assertThat(last[0].path("state").asText() + "@" + last[0].path("step").asText()).as(last[0].toPrettyString()).isEqualTo("waiting@" + step);
        });
        return last[0];
    }

    private static List<TestTarget.Received> calls(TestTarget target, String pathEnd, String field, String value) {
        return target.received().stream().filter(r -> r.path().endsWith(pathEnd) && value.equals(r.event().path(field).asText())).toList();
    }

    @Test
    void aFailedInspectionHoldsTheLotRequestsRepairWaitsForItThenIssuesTheParts() {
        post("insp-1", "test.inspection.failed", "{\"ncr\":\"NCR-1\",\"lot\":\"LOT-1\",\"asset\":\"ASSET-1\"}");
        JsonNode waiting = awaitWaitingAt("ncr", "NCR-1", "completion");
        assertThat(waiting.path("vars").path("workOrder").path("wonum").asText()).isEqualTo("WO-1");
        assertThat(calls(erp, "/holds", "lot", "LOT-1")).hasSize(1);

        post("wo-done-1", "test.workorder.completed", "{\"wonum\":\"WO-1\",\"parts\":\"bearing 6204\",\"hours\":2.5}");
        JsonNode done = awaitState("ncr", "NCR-1", "completed");
        List<TestTarget.Received> issues = calls(erp, "/issues", "order", "WO-1");
        assertThat(issues).hasSize(1);
        assertThat(issues.getFirst().event().path("parts").asText()).isEqualTo("bearing 6204");
        assertThat(done.path("vars").path("completion").path("data").path("hours").asDouble()).isEqualTo(2.5);
        List<String> steps = new ArrayList<>();
        done.path("timeline").forEach(t -> steps.add(t.path("step").asText() + ":" + t.path("state").asText()));
        assertThat(steps).containsExactly("hold:completed", "request:completed", "completion:completed", "parts:completed");
        done.path("timeline").forEach(t -> {
            if (t.path("kind").asText().equals("call")) assertThat(t.path("deliveryId").isNumber()).as(t.toString()).isTrue();
        });

        // The whole transaction in one answer: did the hold reach ERP?
        JsonNode tx = hub.client.get("/api/v1/transactions/NCR-1").json();
        assertThat(tx.path("flows").get(0).path("state").asText()).isEqualTo("completed");
        List<String> delivered = new ArrayList<>();
        tx.path("timeline").forEach(e -> {
            if (e.path("what").asText().equals("delivery")) delivered.add(e.path("system").asText() + ":" + e.path("state").asText());
        });
        assertThat(delivered).containsExactly("erp:delivered", "eam:delivered", "erp:delivered");
        assertThat(hub.client.get("/api/v1/transactions/NO-SUCH-KEY").status()).isEqualTo(404);

        // Its KPIs: computed from the timelines, per flow.
        JsonNode ncr = null;
        for (JsonNode item : hub.client.get("/api/v1/kpis?window=1h").json().path("items")) {
            if (item.path("flow").asText().equals("ncr")) ncr = item;
        }
        assertThat(ncr).isNotNull();
        assertThat(ncr.path("instances").path("completed").asLong()).isPositive();
        assertThat(ncr.path("completionSeconds").path("count").asLong()).isPositive();
        JsonNode defectToHold = ncr.path("kpis").get(0);
        assertThat(defectToHold.path("name").asText()).isEqualTo("defect_to_hold");
        assertThat(defectToHold.path("count").asLong()).isPositive();
        assertThat(defectToHold.path("p50Seconds").asDouble()).isBetween(0.0, 60.0);
        assertThat(ncr.path("steps")).anySatisfy(s -> assertThat(s.path("step").asText()).isEqualTo("parts"));
        assertThat(hub.client.get("/api/v1/kpis?window=soon").status()).isEqualTo(400);
    }

    @Test
    void anInstancesCallsCarryTheTraceContextItsTriggerArrivedWith() {
        String traceparent = "00-5bf92f3577b34da6a3ce929d0e0e4799-00f067aa0ba902b7-01";
        HubClient.Response r = hub.client.postBytes("/api/v1/events", java.util.Map.of("Content-Type", "application/cloudevents+json",
                "traceparent", traceparent), HubClient.event("insp-tr", "test.inspection.failed", null,
                "{\"ncr\":\"NCR-TR\",\"lot\":\"LOT-TR\",\"asset\":\"ASSET-TR\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        awaitWaitingAt("ncr", "NCR-TR", "completion");
        assertThat(calls(erp, "/holds", "lot", "LOT-TR")).singleElement().satisfies(x -> assertThat(x.header("traceparent")).isEqualTo(traceparent));
        assertThat(eam.received().stream().filter(x -> "ASSET-TR".equals(x.event().path("asset").asText())))
                .singleElement().satisfies(x -> assertThat(x.header("traceparent")).isEqualTo(traceparent));
    }

    @Test
    void aCompletionThatArrivesBeforeTheInstanceWaitsIsNotLost() {
        // The completion of WO-2 is in before the inspection that leads to WO-2 even arrives.
        post("wo-done-2", "test.workorder.completed", "{\"wonum\":\"WO-2\",\"parts\":\"seal\"}");
        post("insp-2", "test.inspection.failed", "{\"ncr\":\"NCR-2\",\"lot\":\"LOT-2\",\"asset\":\"ASSET-2\"}");
        JsonNode done = awaitState("ncr", "NCR-2", "completed");
        assertThat(done.path("vars").path("completion").path("id").asText()).isEqualTo("wo-done-2");
        assertThat(calls(erp, "/issues", "order", "WO-2")).hasSize(1);
    }

    @Test
    void aSecondTriggerForAnActiveKeyStartsNothingAndIsNotedInItsTimeline() {
        post("insp-3a", "test.inspection.failed", "{\"ncr\":\"NCR-3\",\"lot\":\"LOT-3\",\"asset\":\"ASSET-3\"}");
        awaitWaitingAt("ncr", "NCR-3", "completion");
        post("insp-3b", "test.inspection.failed", "{\"ncr\":\"NCR-3\",\"lot\":\"LOT-3\",\"asset\":\"ASSET-3\"}");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode i = instanceFor("ncr", "NCR-3");
            List<String> notes = new ArrayList<>();
            i.path("timeline").forEach(t -> notes.add(t.path("kind").asText() + ":" + t.path("note").asText()));
            assertThat(notes).anyMatch(n -> n.startsWith("duplicate-trigger:event insp-3b"));
        });
        assertThat(hub.client.get("/api/v1/flow-instances?flow=ncr&key=NCR-3").json().path("items")).hasSize(1);
        assertThat(calls(erp, "/holds", "lot", "LOT-3")).hasSize(1);
    }

    @Test
    void aCallThatCannotBeDeliveredStopsTheInstanceWithTheReasonAndARetryPostsUnderTheSameKey() {
        erpRejectsParts.set(true);
        post("insp-4", "test.inspection.failed", "{\"ncr\":\"NCR-4\",\"lot\":\"LOT-4\",\"asset\":\"ASSET-4\"}");
        awaitWaitingAt("ncr", "NCR-4", "completion");
        post("wo-done-4", "test.workorder.completed", "{\"wonum\":\"WO-4\",\"parts\":\"reject\"}");
        JsonNode failed = awaitState("ncr", "NCR-4", "failed");
        assertThat(failed.path("failedStep").asText()).isEqualTo("parts");
        assertThat(failed.path("error").asText()).contains("is dead").contains("422").contains("Deficit of SL Unrestricted-use");
        String firstKey = erp.failures().stream().filter(r -> "WO-4".equals(r.event().path("order").asText())).findFirst().orElseThrow().idempotencyKey();

        erpRejectsParts.set(false);
        HubClient.Response retried = hub.client.postJson("/api/v1/flow-instances/" + failed.path("id").asLong() + "/retry-step", "{}");
        assertThat(retried.status()).as(retried.body()).isEqualTo(200);
        awaitState("ncr", "NCR-4", "completed");
        List<TestTarget.Received> issued = calls(erp, "/issues", "order", "WO-4");
        assertThat(issued).hasSize(1);
        assertThat(issued.getFirst().idempotencyKey()).isEqualTo(firstKey);
        erpRejectsParts.set(true);

        HubClient.Response again = hub.client.postJson("/api/v1/flow-instances/" + failed.path("id").asLong() + "/retry-step", "{}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.contentType()).startsWith("application/problem+json");
    }

    @Test
    void aCallToASystemThatIsDownWaitsForItAndCompletesWhenItIsBack() throws Exception {
        mes.stop();
        try {
            post("status-1", "test.status.changed", "{\"order\":\"PO-1\"}");
            // Attempts fail (connection refused) and are retried; the instance waits at its call meanwhile.
            await().atMost(Duration.ofSeconds(20)).until(() -> hub.client.get("/api/v1/deliveries?subscription=flow:status&status=failed")
                    .json().path("items").size() == 1);
            assertThat(instanceFor("status", "PO-1").path("state").asText()).isEqualTo("waiting");
        } finally {
            mes.restart();
        }
        JsonNode done = awaitState("status", "PO-1", "completed");
        assertThat(done.path("vars").path("mes").path("status").asText()).isEqualTo("HELD");
        assertThat(mes.received()).hasSize(1);
    }

    @Test
    void aParallelStepSendsEveryBranchAtOnceAndJoinsAllOrAny() {
        post("fan-1", "test.fanout.started", "{\"id\":\"F1\"}");
        JsonNode parked = awaitWaitingAt("fanout", "F1", "park");
        JsonNode told = parked.path("vars").path("told");
        assertThat(told.path("erp").path("document").asText()).isEqualTo("49000F1-p");
        assertThat(told.path("eam").path("wonum").asText()).isEqualTo("WO-F1");
        assertThat(told.path("note").path("type").asText()).isEqualTo("test.fanout.noted");
        // The any-join went on with the fast branch; the slow one's answer came later and is only noted.
        assertThat(parked.path("vars").path("first").has("fast")).isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode i = instanceFor("fanout", "F1");
            List<String> kinds = new ArrayList<>();
            i.path("timeline").forEach(t -> kinds.add(t.path("kind").asText()));
            assertThat(kinds).contains("late-answer");
            assertThat(i.path("state").asText() + "@" + i.path("step").asText()).isEqualTo("waiting@park");
        });
        assertThat(mes.received()).anyMatch(r -> r.event().path("order").asText().equals("F1-slow"));

        erpRejectsParts.set(true);
        post("fan-2", "test.fanfail.started", "{\"id\":\"F2\"}");
        JsonNode failed = awaitState("fanfail", "F2", "failed");
        assertThat(failed.path("failedStep").asText()).isEqualTo("both");
        assertThat(failed.path("error").asText()).contains("not every branch was delivered").contains("refused:").contains("422");
        assertThat(calls(erp, "/holds", "lot", "F2")).hasSize(1);
    }

    @Test
    void aWorkerMeetingAHeldCorrelationLockComesBackToTheInstanceInsteadOfWaitingForIt() throws Exception {
        // Another transaction (as the routing stage keeping an event would) holds the lock of the wait the instance is
        // about to start. A worker that waited for it inside its batch could deadlock with that transaction; it must
        // put the instance off for a moment, again and again, without failing it, and go on once the lock is free.
        try (Connection holder = hub.db.dataSource().getConnection()) {
            holder.setAutoCommit(false);
            FlowStore.correlationLock(holder, "overdue", "await", "OV-LOCK");
            post("overdue-lock", "test.overdue.started", "{\"id\":\"OV-LOCK\"}");
            Set<Timestamp> postponements = new HashSet<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                try (Connection c = hub.db.dataSource().getConnection();
                     var ps = c.prepareStatement("select due_at, state::text, error from flow_instances where flow = 'overdue' and correlation_key = 'OV-LOCK'");
                     var rs = ps.executeQuery()) {
                    if (!rs.next()) return false;
                    assertThat(rs.getString(2)).as("state while the lock is held").isNotIn("failed", "waiting", "completed");
                    assertThat(rs.getString(3)).isNull();
                    if (rs.getTimestamp(1) != null) postponements.add(rs.getTimestamp(1));
                    return postponements.size() >= 3;
                }
            });
            holder.commit();
        }
        JsonNode done = awaitState("overdue", "OV-LOCK", "completed");
        List<String> steps = new ArrayList<>();
        done.path("timeline").forEach(t -> steps.add(t.path("step").asText() + ":" + t.path("state").asText()));
        assertThat(steps).containsExactly("await:timed_out", "escalate:completed");
    }

    @Test
    void anEventKeptForAWaitIsTakenEvenWhenTheWorkerFirstSeesTheInstanceAfterItsTimeoutIsDue() throws Exception {
        post("overdue-race", "test.overdue.started", "{\"id\":\"OV-RACE\"}");
        long id = awaitWaitingAt("overdue", "OV-RACE", "await").path("id").asLong();
        // Workers skip an instance whose row someone holds: the event is kept and the wait marked meanwhile, and by the
        // time a worker sees the instance its one-second timeout is due too. The event came first: the wait takes it.
        try (Connection holder = hub.db.dataSource().getConnection()) {
            holder.setAutoCommit(false);
            try (var ps = holder.prepareStatement("select 1 from flow_instances where id = ? for update")) {
                ps.setLong(1, id);
                ps.executeQuery().close();
            }
            post("overdue-race-done", "test.overdue.done", "{\"id\":\"OV-RACE\"}");
            await().atMost(Duration.ofSeconds(20)).until(() -> Sql.count(hub.db,
                    "select count(*) from flow_waits where matched and instance_id = " + id + " and exists (select 1 from flow_instances "
                            + "where id = " + id + " and due_at < now())") == 1);
            holder.commit();
        }
        JsonNode done = awaitState("overdue", "OV-RACE", "completed");
        List<String> steps = new ArrayList<>();
        done.path("timeline").forEach(t -> steps.add(t.path("step").asText() + ":" + t.path("state").asText()));
        assertThat(steps).first().isEqualTo("await:completed");
        assertThat(steps).doesNotContain("await:timed_out", "escalate:completed");
    }

    @Test
    void aStartRequestOverTheLimitIsRefusedAsTooLargeAndTheConnectionServesTheNextRequest() {
        // Read to its end before the answer: a body cut off at the limit was called "not valid JSON", and the unread rest
        // made the server close a connection the client then reused for its next request.
        for (int i = 0; i < 3; i++) {
            HubClient.Response r = hub.client.postJson("/api/v1/flows/overdue/instances", "{\"data\":{\"id\":\"" + "x".repeat(70_000) + "\"}}");
            assertThat(r.status()).as(r.body()).isEqualTo(413);
            assertThat(r.body()).contains("the limit is 65536 bytes");
            assertThat(hub.client.get("/api/v1/flows").status()).isEqualTo(200);
        }
    }

    @Test
    void aWaitThatTimesOutGoesToItsTimeoutStep() {
        post("overdue-1", "test.overdue.started", "{\"id\":\"OV-1\"}");
        JsonNode done = awaitState("overdue", "OV-1", "completed");
        assertThat(done.path("escalation").asText()).isEqualTo("nothing came for OV-1");
        List<String> steps = new ArrayList<>();
        done.path("timeline").forEach(t -> steps.add(t.path("step").asText() + ":" + t.path("state").asText()));
        assertThat(steps).containsExactly("await:timed_out", "escalate:completed");
        // People were told, through the delivery path, with the reason.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(eam.received())
                .anyMatch(r -> r.event().path("asset").asText().equals("ESC-OV-1") && r.event().path("text").asText().equals("nothing came for OV-1")));
    }

    @Test
    void aPersonsDecisionArrivesAsASignalAndAStartThroughTheApiHonoursItsIdempotencyKey() throws Exception {
        HubClient.Response started = startWithKey("disposition", "{\"data\":{\"lot\":\"LOT-9\"}}", "start-9");
        assertThat(started.status()).as(started.body()).isEqualTo(201);
        long id = started.json().path("id").asLong();
        HubClient.Response repeated = startWithKey("disposition", "{\"data\":{\"lot\":\"LOT-9\"}}", "start-9");
        assertThat(repeated.status()).isEqualTo(200);
        assertThat(repeated.json().path("id").asLong()).isEqualTo(id);
        HubClient.Response sameKey = startWithKey("disposition", "{\"data\":{\"lot\":\"LOT-9\"}}", "start-9b");
        assertThat(sameKey.status()).isEqualTo(409);
        assertThat(sameKey.json().path("detail").asText()).contains("already has an active instance " + id);
        awaitState("disposition", "LOT-9", "waiting");

        HubClient.Response wrong = hub.client.postJson("/api/v1/flow-instances/" + id + "/signal", "{\"name\":\"approval\"}");
        assertThat(wrong.status()).isEqualTo(409);
        assertThat(wrong.json().path("detail").asText()).contains("waits for signal 'disposition'");
        HubClient.Response signalled = hub.client.postJson("/api/v1/flow-instances/" + id + "/signal",
                "{\"name\":\"disposition\",\"data\":{\"release\":true,\"by\":\"quality lead\"}}");
        assertThat(signalled.status()).as(signalled.body()).isEqualTo(200);
        awaitState("disposition", "LOT-9", "completed");
        JsonNode released = hub.client.get("/api/v1/events?type=test.lot.released").json().path("items");
        assertThat(released).hasSize(1);

        long scrapped = startWithKey("disposition", "{\"data\":{\"lot\":\"LOT-10\"}}", "start-10").json().path("id").asLong();
        awaitState("disposition", "LOT-10", "waiting");
        hub.client.postJson("/api/v1/flow-instances/" + scrapped + "/signal", "{\"name\":\"disposition\",\"data\":{\"release\":false}}");
        JsonNode failed = awaitState("disposition", "LOT-10", "failed");
        assertThat(failed.path("error").asText()).isEqualTo("lot LOT-10 scrapped");
        assertThat(failed.path("failedStep").asText()).isEqualTo("scrap");

        long rework = startWithKey("disposition", "{\"data\":{\"lot\":\"LOT-11\"}}", "start-11").json().path("id").asLong();
        awaitState("disposition", "LOT-11", "waiting");
        hub.client.postJson("/api/v1/flow-instances/" + rework + "/signal", "{\"name\":\"disposition\",\"data\":{\"release\":false,\"rework\":true}}");
        awaitState("disposition", "LOT-11", "completed");
        assertThat(hub.client.get("/api/v1/events?type=test.lot.rework").json().path("items")).hasSize(1);
    }

    @Test
    void aPermanentFailureInALateStepRunsTheCompensationsNewestFirst() {
        post("undo-1", "test.undo.started", "{\"id\":\"U1\"}");
        JsonNode failed = awaitState("undo", "U1", "failed");
        assertThat(failed.path("failedStep").asText()).isEqualTo("third");
        List<String> releases = erp.received().stream().filter(r -> r.path().endsWith("/holds/release") && r.event().path("lot").asText().startsWith("U1-"))
                .map(r -> r.event().path("lot").asText()).toList();
        assertThat(releases).containsExactly("U1-2", "U1-1");
        List<String> steps = new ArrayList<>();
        failed.path("timeline").forEach(t -> steps.add(t.path("step").asText() + ":" + t.path("state").asText()));
        assertThat(steps).containsExactly("first:completed", "second:completed", "third:failed", "second.compensate:completed",
                "first.compensate:completed");
    }

    @Test
    void cancellingAWaitingInstanceUndoesWhatItDid() {
        post("insp-5", "test.inspection.failed", "{\"ncr\":\"NCR-5\",\"lot\":\"LOT-5\",\"asset\":\"ASSET-5\"}");
        JsonNode waiting = awaitWaitingAt("ncr", "NCR-5", "completion");
        HubClient.Response cancelled = hub.client.postJson("/api/v1/flow-instances/" + waiting.path("id").asLong() + "/cancel", "{}");
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        awaitState("ncr", "NCR-5", "cancelled");
        assertThat(calls(erp, "/holds/release", "lot", "LOT-5")).hasSize(1);
        // A completion arriving later finds no waiting instance: it is kept, and expires unused.
        post("wo-done-5", "test.workorder.completed", "{\"wonum\":\"WO-5\",\"parts\":\"x\"}");
        assertThat(calls(erp, "/issues", "order", "WO-5")).isEmpty();
    }

    @Test
    void endedInstancesArePrunedAfterTheRetentionPeriodWhileActiveOnesStay() throws Exception {
        post("overdue-2", "test.overdue.started", "{\"id\":\"OV-2\"}");
        long ended = awaitState("overdue", "OV-2", "completed").path("id").asLong();
        post("insp-6", "test.inspection.failed", "{\"ncr\":\"NCR-6\",\"lot\":\"LOT-6\",\"asset\":\"ASSET-6\"}");
        long active = awaitWaitingAt("ncr", "NCR-6", "completion").path("id").asLong();

        var settings = new dev.millwright.config.HubSettings.Retention(Duration.ofDays(7), Duration.ofDays(30), Duration.ofDays(90),
                Duration.ofHours(1), 100, Duration.ofDays(30));
        java.time.Clock later = java.time.Clock.fixed(java.time.Instant.now().plus(Duration.ofDays(31)), java.time.ZoneOffset.UTC);
        try (var job = new dev.millwright.maintenance.RetentionJob(settings, new dev.millwright.store.DeliveryStore(hub.db.dataSource(),
                hub.db.cachedPlanDataSource()), new dev.millwright.store.EventStore(hub.db.dataSource()), new dev.millwright.store.LeaseStore(hub.db.dataSource()),
                hub.db.dataSource(), "retention-test", later)) {
            assertThat(job.runOnce()[3]).isPositive();
        }
        assertThat(hub.client.get("/api/v1/flow-instances/" + ended).status()).isEqualTo(404);
        assertThat(dev.millwright.support.Sql.count(hub.db, "select count(*) from flow_steps where instance_id = " + ended)).isZero();
        assertThat(hub.client.get("/api/v1/flow-instances/" + active).json().path("state").asText()).isEqualTo("waiting");
    }

    private static HubClient.Response startWithKey(String flow, String body, String key) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hub.hub.port() + "/api/v1/flows/" + flow + "/instances"))
                .header("Authorization", "Bearer " + HubClient.TOKEN).header("Content-Type", "application/json").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new HubClient.Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
        }
    }
}
