package dev.millwright.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.security.Permission;
import dev.millwright.security.Role;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every route × every role × a caller of plant A or of every plant × an object of plant A or plant B, generated from
 * the hub's route table: a route without a case here fails the test, so no endpoint goes unguarded unnoticed.
 * Objects of another plant answer 404 (or are absent from a list), so their existence does not leak.
 */
class AuthorizationMatrixTest {
    private static final String A = "acme/plant-a", B = "acme/plant-b";
    /** Routes open without a bearer token, and why: anything else open is a failure. */
    private static final Set<String> OPEN = Set.of("POST /api/v1/inbound/{system}", "GET /api/v1/openapi.json", "GET /health/live",
            "GET /health/ready");

    @TempDir
    static Path dir;
    static TestTarget erp;
    static TestHub hub;
    static HubClient admin;
    /** Per plant letter (A, B): the objects of that plant. */
    static final Map<String, Map<String, String>> objects = new HashMap<>();
    /** "role@A" or "role@*" → token secret. */
    static final Map<String, String> tokens = new LinkedHashMap<>();
    static final AtomicInteger serial = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        erp = new TestTarget();
        TestPlant plant = new TestPlant(dir)
                .hub("""
                        plant: matrix
                        contracts: { allowUnknownTypes: true }
                        security: { rateLimit: { requestsPerSecond: 0 }, trustedProxies: [127.0.0.1] }
                        """)
                .system("erp", erp.baseUrl())
                .write("systems/qa.yaml", """
                        name: qa
                        plants: [acme/plant-a]
                        outbound: { http: { baseUrl: %s, timeout: 1s } }
                        """.formatted(erp.baseUrl()))
                .write("systems/qb.yaml", """
                        name: qb
                        plants: [acme/plant-b]
                        outbound: { http: { baseUrl: %s, timeout: 1s } }
                        """.formatted(erp.baseUrl()))
                .subscription("holds", "test.hold", "erp", "/holds", "subject")
                .write("alerts/late.yaml", """
                        name: late
                        when: { on: test.hold, key: subject }
                        expect: { on: test.never, key: subject }
                        within: 1s
                        """)
                .reviewFlow();
        hub = TestHub.start("authz", plant);
        admin = hub.client;
        for (String p : List.of("A", "B")) {
            Map<String, String> o = new HashMap<>();
            String plantName = p.equals("A") ? A : B;
            assertThat(admin.postEvents("application/cloudevents+json", event("hold-" + p, "test.hold", "LOT-" + p, plantName)).status()).isEqualTo(202);
            o.put("event", "hold-" + p);
            o.put("key", "LOT-" + p);
            o.put("plant", plantName);
            JsonNode started = admin.postJson("/api/v1/flows/review/instances", "{\"key\":\"LOT-" + p + "\",\"plant\":\"" + plantName + "\"}").json();
            o.put("instance", started.get("id").asText());
            assertThat(admin.putJson("/api/v1/xref/material/MAT-" + p, "{\"systems\":{\"erp\":\"1-" + p + "\"},\"plant\":\"" + plantName + "\"}")
                    .status()).isEqualTo(200);
            o.put("material", "MAT-" + p);
            o.put("system", p.equals("A") ? "qa" : "qb");
            Sql.execute(hub.db, "insert into inbound_failures (system, channel, reference, format, payload, reason) values ('"
                    + o.get("system") + "', 'http', 'r', 'json', '\\x7b7d'::bytea, 'broken')");
            o.put("failure", Sql.text(hub.db, "select max(id)::text from inbound_failures where system = '" + o.get("system") + "'"));
            // A retry batch asked for by a caller of this plant only.
            Sql.execute(hub.db, "insert into retry_batches (actor, filter, plants) values ('token:op-" + p + "', '{}', array['" + plantName + "'])");
            o.put("batch", Sql.text(hub.db, "select max(id)::text from retry_batches"));
            objects.put(p, o);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> erp.received().size() >= 2);
        for (String p : List.of("A", "B")) {
            objects.get(p).put("delivery", Sql.text(hub.db, "select d.id::text from deliveries d join events e on e.seq = d.event_seq where e.id = 'hold-"
                    + p + "' and d.replay_id = 0"));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> Sql.count(hub.db, "select count(*) from alerts") == 2);
        for (String p : List.of("A", "B")) {
            objects.get(p).put("alert", Sql.text(hub.db, "select id::text from alerts where key = 'LOT-" + p + "'"));
        }
        for (Role role : Role.values()) {
            for (String scope : List.of("A", "*")) {
                HubClient.Response r = admin.postJson("/api/v1/tokens", "{\"name\":\"" + role + "-" + (scope.equals("A") ? "a" : "all")
                        + "\",\"roles\":[\"" + role + "\"],\"plants\":[\"" + (scope.equals("A") ? A : "*") + "\"]}");
                assertThat(r.status()).as(r.body()).isEqualTo(201);
                tokens.put(role + "@" + scope, r.json().get("token").asText());
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (hub != null) hub.close();
        if (erp != null) erp.close();
    }

    static String event(String id, String type, String subject, String plant) {
        return """
                {"specversion":"1.0","id":"%s","source":"test://qms","type":"%s","subject":"%s","plant":"%s","correlationid":"C-%s","data":{"lot":"%s"}}"""
                .formatted(id, type, subject, plant, id, subject);
    }

    /** How a route's objects show whether the caller sees them. */
    enum Kind {
        /** One object by id: 404 outside the caller's plants. */
        ONE,
        /** A list: the object's marker is in the answer exactly when the caller sees it. */
        LIST,
        /** Creates an object of a plant named in the request: refused outside the caller's plants. */
        CREATE,
        /** Acts on what matches a filter within the caller's plants (scoping proven in its own test below). */
        BULK,
        /** Changes what every plant shares: refused (403) to a caller of fewer plants. */
        ALL_PLANTS,
        /** Nothing of a plant. */
        NONE
    }

    record Req(String method, String path, String contentType, String body, String marker) {
        static Req get(String path) {
            return new Req("GET", path, null, null, null);
        }

        static Req post(String path, String json) {
            return new Req("POST", path, "application/json", json, null);
        }

        Req marked(String m) {
            return new Req(method, path, contentType, body, m);
        }
    }

    /** @param refused the status for an object outside the caller's plants (CREATE) */
    record Case(Kind kind, Function<Map<String, String>, Req> request, int refused) {
        Case(Kind kind, Function<Map<String, String>, Req> request) {
            this(kind, request, 404);
        }
    }

    static Map<String, Case> cases() {
        Map<String, Case> c = new HashMap<>();
        c.put("POST /api/v1/events", new Case(Kind.CREATE, o -> new Req("POST", "/api/v1/events", "application/cloudevents+json",
                event("new-" + serial.incrementAndGet(), "test.other", "X", o.get("plant")), null), 403));
        c.put("GET /api/v1/events", new Case(Kind.LIST, o -> Req.get("/api/v1/events?type=test.hold").marked("\"id\":\"" + o.get("event") + "\"")));
        c.put("GET /api/v1/events/{id}", new Case(Kind.ONE, o -> Req.get("/api/v1/events/" + o.get("event"))));
        c.put("GET /api/v1/deliveries", new Case(Kind.LIST, o -> Req.get("/api/v1/deliveries?subscription=holds").marked("\"eventId\":\"" + o.get("event") + "\"")));
        c.put("GET /api/v1/deliveries/{id}", new Case(Kind.ONE, o -> Req.get("/api/v1/deliveries/" + o.get("delivery"))));
        c.put("POST /api/v1/deliveries/retry", new Case(Kind.BULK, o -> Req.post("/api/v1/deliveries/retry", "{\"subscription\":\"holds\"}")));
        c.put("GET /api/v1/retry-batches", new Case(Kind.LIST, o -> Req.get("/api/v1/retry-batches").marked("\"id\":" + o.get("batch") + ",")));
        c.put("GET /api/v1/retry-batches/{id}", new Case(Kind.ONE, o -> Req.get("/api/v1/retry-batches/" + o.get("batch"))));
        c.put("POST /api/v1/deliveries/{id}/retry", new Case(Kind.ONE, o -> Req.post("/api/v1/deliveries/" + o.get("delivery") + "/retry", "")));
        c.put("PUT /api/v1/deliveries/{id}/payload", new Case(Kind.ONE, o -> new Req("PUT", "/api/v1/deliveries/" + o.get("delivery") + "/payload",
                "application/json", event(o.get("event"), "test.hold", o.get("key"), o.get("plant")), null)));
        c.put("POST /api/v1/replays", new Case(Kind.BULK, o -> Req.post("/api/v1/replays", "{\"subscription\":\"holds\",\"subject\":\"NONE\"}")));
        c.put("GET /api/v1/inbound-failures", new Case(Kind.LIST, o -> Req.get("/api/v1/inbound-failures").marked("\"system\":\"" + o.get("system") + "\"")));
        c.put("GET /api/v1/inbound-failures/{id}", new Case(Kind.ONE, o -> Req.get("/api/v1/inbound-failures/" + o.get("failure"))));
        c.put("POST /api/v1/inbound-failures/{id}/retry", new Case(Kind.ONE, o -> Req.post("/api/v1/inbound-failures/" + o.get("failure") + "/retry", "")));
        c.put("GET /api/v1/connectors", new Case(Kind.BULK, o -> Req.get("/api/v1/connectors")));
        c.put("GET /api/v1/xref/resolve", new Case(Kind.ONE, o -> Req.get("/api/v1/xref/resolve?entityType=material&system=erp&localId=1-"
                + o.get("material").substring(4) + "&to=canonical")));
        c.put("POST /api/v1/xref/import", new Case(Kind.ALL_PLANTS, o -> new Req("POST", "/api/v1/xref/import", "text/csv",
                "entityType,canonicalId,system,localId\nmaterial,SHARED-1,erp,S-1\n", null)));
        c.put("GET /api/v1/xref/{entityType}/{canonicalId}", new Case(Kind.ONE, o -> Req.get("/api/v1/xref/material/" + o.get("material"))));
        c.put("PUT /api/v1/xref/{entityType}/{canonicalId}", new Case(Kind.CREATE, o -> {
            int n = serial.incrementAndGet();
            return new Req("PUT", "/api/v1/xref/material/NEW-" + n, "application/json",
                    "{\"systems\":{\"erp\":\"N-" + n + "\"},\"plant\":\"" + o.get("plant") + "\"}", null);
        }, 400));
        c.put("DELETE /api/v1/xref/{entityType}/{canonicalId}", new Case(Kind.ONE, o -> {
            // a fresh entity of the object's plant each time, so an earlier allowed delete does not turn the next into a 404
            int n = serial.incrementAndGet();
            assertThat(admin.putJson("/api/v1/xref/material/DEL-" + n, "{\"systems\":{\"erp\":\"D-" + n + "\"},\"plant\":\"" + o.get("plant") + "\"}")
                    .status()).isEqualTo(200);
            return new Req("DELETE", "/api/v1/xref/material/DEL-" + n, null, null, null);
        }));
        c.put("GET /api/v1/flows", new Case(Kind.NONE, o -> Req.get("/api/v1/flows")));
        c.put("POST /api/v1/flows/{name}/instances", new Case(Kind.CREATE, o -> Req.post("/api/v1/flows/review/instances",
                "{\"key\":\"S-" + serial.incrementAndGet() + "\",\"plant\":\"" + o.get("plant") + "\"}"), 403));
        c.put("GET /api/v1/flow-instances", new Case(Kind.LIST, o -> Req.get("/api/v1/flow-instances?flow=review").marked("\"key\":\"" + o.get("key") + "\"")));
        c.put("GET /api/v1/flow-instances/{id}", new Case(Kind.ONE, o -> Req.get("/api/v1/flow-instances/" + o.get("instance"))));
        c.put("POST /api/v1/flow-instances/{id}/signal", new Case(Kind.ONE, o -> Req.post("/api/v1/flow-instances/" + o.get("instance") + "/signal",
                "{\"name\":\"not-awaited\"}")));
        c.put("POST /api/v1/flow-instances/{id}/retry-step", new Case(Kind.ONE, o -> Req.post("/api/v1/flow-instances/" + o.get("instance") + "/retry-step", "")));
        c.put("POST /api/v1/flow-instances/{id}/cancel", new Case(Kind.ONE, o -> Req.post("/api/v1/flow-instances/" + o.get("instance") + "/cancel", "")));
        c.put("GET /api/v1/flow-inbox/expired", new Case(Kind.BULK, o -> Req.get("/api/v1/flow-inbox/expired")));
        c.put("GET /api/v1/transactions/{key}", new Case(Kind.ONE, o -> Req.get("/api/v1/transactions/" + o.get("key"))));
        c.put("GET /api/v1/audit", new Case(Kind.NONE, o -> Req.get("/api/v1/audit")));
        c.put("GET /api/v1/audit/verify", new Case(Kind.NONE, o -> Req.get("/api/v1/audit/verify")));
        c.put("GET /api/v1/tokens", new Case(Kind.NONE, o -> Req.get("/api/v1/tokens")));
        c.put("POST /api/v1/tokens", new Case(Kind.NONE, o -> Req.post("/api/v1/tokens", "{\"name\":\"t-" + serial.incrementAndGet()
                + "\",\"roles\":[\"viewer\"],\"plants\":[\"" + o.get("plant") + "\"]}")));
        c.put("DELETE /api/v1/tokens/{name}", new Case(Kind.NONE, o -> {
            String name = "gone-" + serial.incrementAndGet();
            assertThat(admin.postJson("/api/v1/tokens", "{\"name\":\"" + name + "\",\"roles\":[\"viewer\"],\"plants\":[\"*\"]}").status()).isEqualTo(201);
            return new Req("DELETE", "/api/v1/tokens/" + name, null, null, null);
        }));
        c.put("GET /api/v1/alerts", new Case(Kind.LIST, o -> Req.get("/api/v1/alerts").marked("\"key\":\"" + o.get("key") + "\"")));
        c.put("GET /api/v1/alerts/{id}", new Case(Kind.ONE, o -> Req.get("/api/v1/alerts/" + o.get("alert"))));
        c.put("POST /api/v1/alerts/{id}/acknowledge", new Case(Kind.ONE, o -> Req.post("/api/v1/alerts/" + o.get("alert") + "/acknowledge", "{}")));
        c.put("GET /api/v1/alert-silences", new Case(Kind.NONE, o -> Req.get("/api/v1/alert-silences")));
        c.put("POST /api/v1/alert-silences", new Case(Kind.NONE, o -> Req.post("/api/v1/alert-silences",
                "{\"rule\":\"late\",\"key\":\"X-" + serial.incrementAndGet() + "\",\"for\":\"1h\",\"reason\":\"line stopped for maintenance\"}")));
        c.put("POST /api/v1/alert-silences/{id}/lift", new Case(Kind.NONE, o -> {
            HubClient.Response made = admin.postJson("/api/v1/alert-silences", "{\"rule\":\"late\",\"key\":\"Y-" + serial.incrementAndGet()
                    + "\",\"for\":\"1h\",\"reason\":\"to lift\"}");
            assertThat(made.status()).as(made.body()).isEqualTo(201);
            return Req.post("/api/v1/alert-silences/" + made.json().get("id").asLong() + "/lift", "{}");
        }));
        c.put("GET /api/v1/kpis", new Case(Kind.BULK, o -> Req.get("/api/v1/kpis")));
        c.put("GET /api/v1/systems/{name}/health", new Case(Kind.ONE, o -> Req.get("/api/v1/systems/" + o.get("system") + "/health")));
        c.put("GET /api/v1/contracts", new Case(Kind.NONE, o -> Req.get("/api/v1/contracts")));
        c.put("GET /api/v1/contracts/{type}/{version}", new Case(Kind.NONE, o -> Req.get("/api/v1/contracts/quality.inspection.failed/v2")));
        c.put("GET /metrics", new Case(Kind.NONE, o -> Req.get("/metrics")));
        return c;
    }

    @TestFactory
    Stream<DynamicTest> everyRouteEveryRoleEveryPlant() {
        Map<String, Case> cases = cases();
        List<DynamicTest> tests = new ArrayList<>();
        for (ApiServer.Route route : hub.hub.api().routes()) {
            String name = route.method() + " " + route.path();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                if (route.permission() == null) {
                    assertThat(OPEN).as(name + " is open without a token; only " + OPEN + " may be").contains(name);
                    return;
                }
                Case c = cases.get(name);
                assertThat(c).as("route " + name + " has no case in the authorization matrix: add one").isNotNull();
                Permission permission = Permission.valueOf(route.permission());
                Req anonymous = c.request().apply(objects.get("A"));
                HubClient.Response none = admin.as(null).send(anonymous.method(), anonymous.path(), anonymous.contentType(), anonymous.body());
                assertThat(none.status()).as(name + " without a token").isEqualTo(401);
                assertThat(none.contentType()).startsWith("application/problem+json");
                for (Role role : Role.values()) {
                    for (String scope : List.of("A", "*")) {
                        HubClient caller = admin.as(tokens.get(role + "@" + scope));
                        for (String p : List.of("A", "B")) {
                            Req req = c.request().apply(objects.get(p));
                            HubClient.Response r = caller.send(req.method(), req.path(), req.contentType(), req.body());
                            String what = name + " as " + role + " of " + (scope.equals("A") ? A : "every plant") + " on an object of plant " + p
                                    + " → " + r.status() + " " + r.body();
                            assertThat(r.body()).as(what).doesNotContain("Exception").doesNotContain("\tat ");
                            if (!role.grants(permission)) {
                                assertThat(r.status()).as(what).isEqualTo(403);
                                continue;
                            }
                            boolean everyPlant = scope.equals("*");
                            boolean sees = everyPlant || p.equals("A");
                            if (route.reach().equals("HUB") || c.kind() == Kind.ALL_PLANTS) {
                                if (!everyPlant) assertThat(r.status()).as(what).isEqualTo(403);
                                else allowed(r, what);
                                continue;
                            }
                            switch (c.kind()) {
                                case ONE -> {
                                    if (sees) allowed(r, what);
                                    else assertThat(r.status()).as(what).isEqualTo(404);
                                }
                                case LIST -> {
                                    assertThat(r.status()).as(what).isEqualTo(200);
                                    if (sees) assertThat(r.body()).as(what).contains(req.marker());
                                    else assertThat(r.body()).as(what).doesNotContain(req.marker());
                                }
                                case CREATE -> {
                                    if (sees) assertThat(r.status()).as(what).isBetween(200, 299);
                                    else assertThat(r.status()).as(what).isEqualTo(c.refused());
                                }
                                case BULK, NONE, ALL_PLANTS -> allowed(r, what);
                            }
                        }
                    }
                }
            }));
        }
        return tests.stream();
    }

    /** Past authentication, permission and scope: whatever the action itself answers (409 for a delivered delivery is fine). */
    private static void allowed(HubClient.Response r, String what) {
        assertThat(r.status()).as(what).isNotIn(401, 403, 404, 500);
    }

    @Test
    void bulkActionsOfAScopedOperatorReachOnlyItsPlants() {
        HubClient operatorA = admin.as(tokens.get("operator@A")), operatorAll = admin.as(tokens.get("operator@*"));
        assertThat(operatorA.postJson("/api/v1/replays", "{\"subscription\":\"holds\",\"type\":\"test.hold\"}").json().get("deliveries").asInt())
                .isEqualTo(1);
        assertThat(operatorAll.postJson("/api/v1/replays", "{\"subscription\":\"holds\",\"type\":\"test.hold\"}").json().get("deliveries").asInt())
                .isEqualTo(2);
        // KPIs of a scoped caller count only its plants' instances.
        long reviewA = count(operatorA.get("/api/v1/kpis").json()), reviewAll = count(operatorAll.get("/api/v1/kpis").json());
        assertThat(reviewAll).isGreaterThan(reviewA);
        assertThat(operatorA.get("/api/v1/flow-instances?flow=review").body()).doesNotContain(B);
    }

    private static long count(JsonNode kpis) {
        long n = 0;
        for (JsonNode flow : kpis.get("items")) {
            if (flow.get("flow").asText().equals("review")) for (JsonNode v : flow.get("instances")) n += v.asLong();
        }
        return n;
    }

    @Test
    void aProducerSendsOnlyForItsPlantsAndSourcesAndNothingElse() {
        HubClient.Response created = admin.postJson("/api/v1/tokens",
                "{\"name\":\"qms-line\",\"roles\":[\"producer\"],\"plants\":[\"" + A + "\"],\"sources\":[\"test://qms*\"]}");
        assertThat(created.status()).isEqualTo(201);
        HubClient producer = admin.as(created.json().get("token").asText());
        assertThat(producer.postEvents("application/cloudevents+json", event("p-1", "test.other", "X", A)).status()).isEqualTo(202);
        HubClient.Response otherPlant = producer.postEvents("application/cloudevents-batch+json",
                "[" + event("p-2", "test.other", "X", A) + "," + event("p-3", "test.other", "X", B) + "]");
        assertThat(otherPlant.status()).isEqualTo(403);
        assertThat(otherPlant.body()).contains("/1/plant").contains("acme/plant-b").doesNotContain("/0/plant");
        assertThat(Sql.count(hub.db, "select count(*) from events where id in ('p-2', 'p-3')")).as("nothing of a refused batch is stored").isZero();
        HubClient.Response otherSource = producer.postEvents("application/cloudevents+json",
                event("p-4", "test.other", "X", A).replace("test://qms", "erp://forged"));
        assertThat(otherSource.status()).isEqualTo(403);
        assertThat(otherSource.body()).contains("erp://forged");
        assertThat(producer.get("/api/v1/events").status()).isEqualTo(403);
        assertThat(producer.postJson("/api/v1/replays", "{\"subscription\":\"holds\"}").status()).isEqualTo(403);
    }

    @Test
    void tokensAreShownOnceStoredAsHashesAuditedAndRevocable() {
        HubClient.Response created = admin.postJson("/api/v1/tokens", "{\"name\":\"short-lived\",\"roles\":[\"viewer\"],\"plants\":[\"" + A + "\"]}");
        String secret = created.json().get("token").asText();
        assertThat(secret).startsWith("mwt_");
        assertThat(Sql.count(hub.db, "select count(*) from api_tokens where name = 'short-lived' and token_hash = sha256(convert_to('" + secret + "', 'UTF8'))"))
                .isEqualTo(1);
        assertThat(Sql.count(hub.db, "select count(*) from api_tokens t where position('" + secret + "' in t::text) > 0")).isZero();
        assertThat(admin.get("/api/v1/tokens").body()).contains("short-lived").doesNotContain(secret);
        HubClient viewer = admin.as(secret);
        assertThat(viewer.get("/api/v1/events").status()).isEqualTo(200);
        assertThat(Sql.count(hub.db, "select count(*) from api_tokens where name = 'short-lived' and last_used_at is not null")).isEqualTo(1);
        assertThat(admin.delete("/api/v1/tokens/short-lived").status()).isEqualTo(200);
        assertThat(viewer.get("/api/v1/events").status()).isEqualTo(401);
        String audit = admin.get("/api/v1/audit?action=token.").body();
        assertThat(audit).contains("token.create").contains("token.revoke").contains("short-lived").doesNotContain(secret);
        // Behind a trusted proxy, the audit trail names the address the proxy appended, not the proxy.
        assertThat(admin.postBytes("/api/v1/tokens", Map.of("Content-Type", "application/json", "X-Forwarded-For", "203.0.113.9, 10.9.8.7"),
                "{\"name\":\"via-proxy\",\"roles\":[\"viewer\"],\"plants\":[\"*\"]}".getBytes(java.nio.charset.StandardCharsets.UTF_8)).status())
                .isEqualTo(201);
        assertThat(Sql.text(hub.db, "select client from audit_log where action = 'token.create' and detail like '%via-proxy%'")).isEqualTo("10.9.8.7");
        HubClient.Response bad = admin.postJson("/api/v1/tokens", "{\"name\":\"\",\"roles\":[\"boss\"],\"plants\":[\"acme*\"]}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("/name").contains("/roles/0").contains("/plants/0");
    }
}
