package dev.millwright.harness;

import dev.millwright.outbound.http.HttpOutbound;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.config.HubSettings;
import dev.millwright.config.PlantConfig;
import dev.millwright.config.SystemConfig;
import dev.millwright.config.spec.ConfigError;
import dev.millwright.config.spec.ConfigException;
import dev.millwright.event.Json;
import dev.millwright.flow.Flow;
import dev.millwright.flow.FlowEngine;
import dev.millwright.flow.FlowSpec;
import dev.millwright.hub.Hub;
import dev.millwright.store.Database;
import dev.millwright.store.EmbeddedDatabase;
import dev.millwright.store.FlowStore;
import dev.millwright.store.XrefStore;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Runs a plant folder's flow test cases (tests/flows/*.yaml): each case runs the flow, as the hub runs it, on an
 * embedded PostgreSQL of its own, against one local server standing in for every HTTP system (answering as the case
 * says), with a clock the case moves on so timers fire at once. It shows the calls made and the end state, and the
 * differences from what the case expects.
 */
public final class FlowTests {
    private static final String TOKEN = "flow-test";
    /** How long a case may take to settle after each thing that happens. */
    private static final Duration SETTLE = Duration.ofSeconds(20);

    private FlowTests() {
    }

    /** A clock that runs with the system clock, moved on by whatever a case advances. */
    static final class MovableClock extends Clock {
        private volatile Duration offset = Duration.ZERO;

        void advance(Duration d) {
            offset = offset.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }
    }

    /** Test files under tests/flows/. */
    public static List<Path> files(Path dir) {
        Path folder = dir.resolve("tests").resolve("flows");
        if (!Files.isDirectory(folder)) return List.of();
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * @param work a scratch folder for the embedded database
     * @throws ConfigException when the plant folder or a test file is invalid (every error with file, line and key)
     */
    @SuppressWarnings("unchecked")
    public static List<CaseResult> run(Path dir, Path work) throws IOException {
        List<Path> files = files(dir);
        if (files.isEmpty()) return List.of();
        PlantConfig plant = PlantConfig.load(dir);
        List<ConfigError> errors = new ArrayList<>();
        Map<Path, Map<String, Object>> trees = new LinkedHashMap<>();
        for (Path file : files) {
            Map<String, Object> tree = PlantConfig.read(dir, file, FlowSpec.TEST, errors, System::getenv);
            if (tree == null) continue;
            String flow = (String) tree.get("flow");
            if (plant.flows().stream().noneMatch(f -> f.name().equals(flow))) {
                errors.add(new ConfigError(dir.relativize(file).toString(), 1, "flow", "no flow '" + flow + "' in flows/"));
                continue;
            }
            trees.put(file, tree);
        }
        if (!errors.isEmpty()) throw new ConfigException(errors);
        List<CaseResult> results = new ArrayList<>();
        try (EmbeddedDatabase pg = EmbeddedDatabase.start(work.resolve("flow-tests-db"));
             SimulatedSystems systems = new SimulatedSystems(plant.systems());
             HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            int n = 0;
            for (var entry : trees.entrySet()) {
                String display = dir.relativize(entry.getKey()).toString();
                Map<String, Object> tree = entry.getValue();
                Flow flow = plant.flows().stream().filter(f -> f.name().equals(tree.get("flow"))).findFirst().orElseThrow();
                for (Map<String, Object> c : (List<Map<String, Object>>) tree.get("cases")) {
                    List<String> failures;
                    try {
                        failures = new Case(pg, systems, http, testPlant(plant, flow, systems, xref(tree)), flow, c, "flowtest_" + n++).run();
                    } catch (Exception e) {
                        failures = List.of("could not run: " + e.getMessage());
                    }
                    results.add(new CaseResult(display, (String) c.get("name"), failures));
                }
            }
        }
        return results;
    }

    @SuppressWarnings("unchecked")
    private static List<XrefStore.Row> xref(Map<String, Object> tree) {
        List<XrefStore.Row> rows = new ArrayList<>();
        if (tree.get("xref") == null) return rows;
        for (Map<String, Object> r : (List<Map<String, Object>>) tree.get("xref")) {
            rows.add(new XrefStore.Row(0, (String) r.get("entityType"), (String) r.get("canonicalId"), (String) r.get("system"), (String) r.get("localId")));
        }
        return rows;
    }

    /**
     * The plant as a case runs it: only the flow under test, no subscriptions, no inbound readers, every HTTP system
     * at the simulated server (no auth, no rate limit), other outbound kinds left out; listening on a free port.
     */
    private static PlantConfig testPlant(PlantConfig plant, Flow flow, SimulatedSystems simulated, List<XrefStore.Row> xref) {
        Map<String, SystemConfig> systems = new LinkedHashMap<>();
        for (SystemConfig s : plant.systems().values()) {
            HttpOutbound h = s.outbound(HttpOutbound.class);
            if (h == null) continue;
            systems.put(s.name(), new SystemConfig(s.name(), s.description(), new HttpOutbound(URI.create(simulated.baseUrl(s.name())),
                    Map.of(), h.timeout(), h.maxConcurrency(), 0, h.retry(), HttpOutbound.Auth.NONE, HttpOutbound.Breaker.OFF, h.operations(), null),
                    SystemConfig.Inbound.NONE, s.plants(), s.sources(), null));
        }
        HubSettings hub = plant.hub().withHttp("127.0.0.1", 0);
        List<XrefStore.Row> seed = new ArrayList<>(plant.xrefSeed());
        seed.addAll(xref);
        return new PlantConfig(plant.dir(), hub, Map.copyOf(systems), List.of(), plant.contracts(), plant.mappings(), plant.valueMaps(),
                List.copyOf(seed), List.of(flow), List.of());
    }

    /** One case, on a schema of its own. */
    private static final class Case {
        private final EmbeddedDatabase pg;
        private final SimulatedSystems systems;
        private final HttpClient http;
        private final PlantConfig plant;
        private final Flow flow;
        private final Map<String, Object> c;
        private final String schema;
        private final MovableClock clock = new MovableClock();
        private int events;

        Case(EmbeddedDatabase pg, SimulatedSystems systems, HttpClient http, PlantConfig plant, Flow flow, Map<String, Object> c, String schema) {
            this.pg = pg;
            this.systems = systems;
            this.http = http;
            this.plant = plant;
            this.flow = flow;
            this.c = c;
            this.schema = schema;
        }

        @SuppressWarnings("unchecked")
        List<String> run() throws Exception {
            systems.reset(answers((Map<String, Object>) c.get("answers")));
            try (Database db = Database.open(pg.jdbcUrl(), pg.user(), null, schema, 8)) {
                Hub hub = Hub.start(plant, db, List.of(TOKEN), Clock.systemUTC(), clock);
                try {
                    Map<String, Object> trigger = (Map<String, Object>) c.get("trigger");
                    String type = trigger.get("type") != null ? (String) trigger.get("type") : flow.trigger().on();
                    String refused = post(hub, type, trigger);
                    if (refused != null) return List.of("the trigger was refused: " + refused);
                    Map<String, Object> expect = (Map<String, Object>) c.get("expect");
                    if (Boolean.FALSE.equals(expect.get("started"))) return startedNothing(db);
                    long id = awaitInstance(db);
                    settle(db, id);
                    List<Map<String, Object>> then = c.get("then") == null ? List.of() : (List<Map<String, Object>>) c.get("then");
                    for (int i = 0; i < then.size(); i++) {
                        String problem = act(hub, id, then.get(i));
                        if (problem != null) return List.of("then[" + i + "]: " + problem);
                        settle(db, id);
                    }
                    return compare(hub.flows().instance(id).orElseThrow(), (Map<String, Object>) c.get("expect"));
                } finally {
                    hub.close();
                }
            }
        }

        @SuppressWarnings("unchecked")
        private String act(Hub hub, long id, Map<String, Object> step) throws Exception {
            FlowEngine flows = hub.flows();
            if (step.get("event") != null) {
                Map<String, Object> e = (Map<String, Object>) step.get("event");
                return post(hub, (String) e.get("type"), e);
            }
            if (step.get("signal") != null) {
                Map<String, Object> s = (Map<String, Object>) step.get("signal");
                return refusal(flows.signal(id, (String) s.get("name"), Json.MAPPER.valueToTree(s.get("data")), dev.millwright.store.Actor.of("flow-test")));
            }
            if (step.get("advance") != null) {
                clock.advance((Duration) step.get("advance"));
                flows.wake();
                return null;
            }
            if (Boolean.TRUE.equals(step.get("cancel"))) return refusal(flows.cancel(id, dev.millwright.store.Actor.of("flow-test")));
            if (Boolean.TRUE.equals(step.get("retry"))) return refusal(flows.retry(id, dev.millwright.store.Actor.of("flow-test")));
            return "give one of event, signal, advance, cancel, retry";
        }

        private static String refusal(FlowEngine.Acted acted) {
            return acted instanceof FlowEngine.Refused r ? r.why() : null;
        }

        /** Sends an event through the hub's API, as a system would; returns why it was refused, or null. */
        @SuppressWarnings("unchecked")
        private String post(Hub hub, String type, Map<String, Object> e) throws Exception {
            ObjectNode event = Json.MAPPER.createObjectNode();
            event.put("specversion", "1.0");
            event.put("id", schema + "-" + ++events);
            event.put("source", (String) e.getOrDefault("source", "test://flow-test"));
            event.put("type", type);
            if (e.get("subject") != null) event.put("subject", (String) e.get("subject"));
            event.put("time", clock.instant().toString());
            event.put("datacontenttype", "application/json");
            if (e.get("extensions") != null) ((Map<String, String>) e.get("extensions")).forEach(event::put);
            event.set("data", Json.MAPPER.valueToTree(e.get("data")));
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hub.port() + "/api/v1/events"))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/cloudevents+json")
                    .POST(HttpRequest.BodyPublishers.ofString(event.toString())).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 202 ? null : r.statusCode() + " " + r.body();
        }

        /** Once the trigger has been routed: no instance, no call. */
        private List<String> startedNothing(Database db) throws Exception {
            long deadline = System.nanoTime() + SETTLE.toNanos();
            while (query(db, "select count(*) from routing_queue").orElse(0L) > 0 && System.nanoTime() < deadline) Thread.sleep(20);
            List<String> out = new ArrayList<>();
            query(db, "select min(id) from flow_instances").ifPresent(id -> out.add("started: expected no instance, got instance " + id));
            systems.calls().forEach(call -> out.add("calls: expected none, got " + describe(call)));
            return out;
        }

        private long awaitInstance(Database db) throws Exception {
            long deadline = System.nanoTime() + SETTLE.toNanos();
            while (System.nanoTime() < deadline) {
                Optional<Long> id = query(db, "select min(id) from flow_instances");
                if (id.isPresent()) return id.get();
                Thread.sleep(20);
            }
            throw new IllegalStateException("the trigger started no instance within " + SETTLE.toSeconds()
                    + " s (does its key expression find a key, and its condition hold?)");
        }

        /**
         * Waits until the instance has nothing left to do until something happens from outside: it waits for an event,
         * a signal or a timer, or has ended; with no event still being routed, no matched wait and no answer untaken.
         */
        private void settle(Database db, long id) throws Exception {
            long deadline = System.nanoTime() + SETTLE.toNanos();
            String last = null;
            int stable = 0;
            while (System.nanoTime() < deadline) {
                FlowStore.Instance i = instance(db, id);
                long pending = query(db, "select (select count(*) from routing_queue) + (select count(*) from flow_waits where matched)"
                        + " + (select count(*) from delivery_replies)").orElse(0L);
                boolean quiet = pending == 0 && switch (i.state()) {
                    case "completed", "failed", "cancelled" -> true;
                    case "waiting" -> i.waitingFor() != null && !i.waitingFor().equals("call")
                            && (i.dueAt() == null || i.dueAt().isAfter(clock.instant()));
                    default -> false;
                };
                String now = i.state() + "|" + i.position() + "|" + i.waitingFor() + "|" + i.updatedAt();
                stable = quiet && now.equals(last) ? stable + 1 : 0;
                if (stable >= 3) return;
                last = now;
                Thread.sleep(50);
            }
            FlowStore.Instance i = instance(db, id);
            throw new IllegalStateException("the instance did not settle within " + SETTLE.toSeconds() + " s: it is " + i.state() + " at "
                    + i.position() + (i.waitingFor() == null ? "" : ", waiting for " + i.waitingFor()));
        }

        @SuppressWarnings("unchecked")
        private List<String> compare(FlowStore.Instance i, Map<String, Object> expect) {
            List<String> out = new ArrayList<>();
            if (expect.get("state") != null && !expect.get("state").equals(i.state())) {
                out.add("state: expected " + expect.get("state") + ", got " + i.state() + (i.error() == null ? "" : " (" + i.error() + ")"));
            }
            if (expect.get("step") != null && !expect.get("step").equals(i.position())) {
                out.add("step: expected " + expect.get("step") + ", got " + i.position());
            }
            if (expect.get("error") != null && (i.error() == null || !i.error().contains((String) expect.get("error")))) {
                out.add("error: expected it to contain \"" + expect.get("error") + "\", got " + (i.error() == null ? "none" : "\"" + i.error() + "\""));
            }
            if (expect.get("escalation") != null && (i.escalation() == null || !i.escalation().contains((String) expect.get("escalation")))) {
                out.add("escalation: expected it to contain \"" + expect.get("escalation") + "\", got " + i.escalation());
            }
            if (expect.get("vars") != null) {
                try {
                    JsonDiff.contained(Json.MAPPER.valueToTree(expect.get("vars")), Json.MAPPER.readTree(i.vars())).forEach(d -> out.add("vars" + d));
                } catch (IOException e) {
                    out.add("vars: unreadable: " + e.getMessage());
                }
            }
            if (expect.get("calls") != null) {
                List<Map<String, Object>> expected = (List<Map<String, Object>>) expect.get("calls");
                List<SimulatedSystems.Call> made = systems.calls();
                for (int k = 0; k < Math.max(expected.size(), made.size()); k++) {
                    if (k >= expected.size()) {
                        out.add("calls[" + k + "]: not expected: " + describe(made.get(k)));
                        continue;
                    }
                    Map<String, Object> e = expected.get(k);
                    String want = e.get("system") + (e.get("operation") == null ? "" : "." + e.get("operation"));
                    if (k >= made.size()) {
                        out.add("calls[" + k + "]: expected " + want + ", none was made");
                        continue;
                    }
                    SimulatedSystems.Call m = made.get(k);
                    String got = m.system() + (m.operation() == null ? "" : "." + m.operation());
                    if (!want.equals(got)) {
                        out.add("calls[" + k + "]: expected " + want + ", got " + describe(m));
                    } else if (e.get("body") != null) {
                        int at = k;
                        JsonDiff.contained(Json.MAPPER.valueToTree(e.get("body")), m.body()).forEach(d -> out.add("calls[" + at + "].body" + d));
                    }
                }
            }
            return out;
        }

        private static String describe(SimulatedSystems.Call call) {
            String body = call.body() == null ? "" : call.body().toString();
            return call.system() + (call.operation() == null ? "" : "." + call.operation()) + " " + (body.length() > 200 ? body.substring(0, 200) + "…" : body);
        }

        @SuppressWarnings("unchecked")
        private static Map<String, List<SimulatedSystems.Answer>> answers(Map<String, Object> tree) {
            Map<String, List<SimulatedSystems.Answer>> out = new LinkedHashMap<>();
            if (tree == null) return out;
            tree.forEach((key, list) -> out.put(key, ((List<Map<String, Object>>) list).stream()
                    .map(a -> new SimulatedSystems.Answer((Integer) a.get("status"), Json.MAPPER.valueToTree(a.get("body")))).toList()));
            return out;
        }

        private static Optional<Long> query(Database db, String sql) throws Exception {
            try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                if (!rs.next()) return Optional.empty();
                long v = rs.getLong(1);
                return rs.wasNull() ? Optional.empty() : Optional.of(v);
            }
        }
    }

    /** Reads an instance in a connection of its own. */
    private static FlowStore.Instance instance(Database db, long id) {
        return dev.millwright.store.Jdbc.withConnection(db.dataSource(), c -> FlowStore.instance(c, id)).orElseThrow();
    }
}
