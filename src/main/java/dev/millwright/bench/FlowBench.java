package dev.millwright.bench;

import dev.millwright.config.PlantConfig;
import dev.millwright.hub.Hub;
import dev.millwright.store.Database;
import dev.millwright.store.EmbeddedDatabase;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The flow benchmark, on the same machine and database as the rest: (f) nonconformance instances of a 10-step flow
 * (three calls to a local target, a wait for a correlated event, set, if, emit) completed per second, with nothing
 * parked and again with {@code parked} instances parked at a wait for an event (with a one-hour timeout); (g) at 10
 * instances/s, the time from an awaited event's send to the next call's arrival; (h) the parked waits' {@code parked}
 * timeouts due at once: how long until all fired, and that
 * none fired twice.
 */
final class FlowBench {
    private static final String TOKEN = "bench-token";

    private final Path workDir;
    private final int instances;
    private final int parked;
    private final int latencySeconds;
    private final Map<String, Object> out;

    FlowBench(Path workDir, int instances, int parked, int latencySeconds, Map<String, Object> out) {
        this.workDir = workDir;
        this.instances = instances;
        this.parked = parked;
        this.latencySeconds = latencySeconds;
        this.out = out;
    }

    void run(EmbeddedDatabase pg) throws Exception {
        try (BenchTarget target = new BenchTarget(); Database db = Database.open(pg.jdbcUrl(), pg.user(), null, "bench_flows", 24);
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            Hub hub = Hub.start(plant(target), db, List.of(TOKEN), Clock.systemUTC());
            try {
                out.put("f_instances", instances);
                // Unrecorded first, as for runs (a)-(c): the first instances of a fresh JVM measure the JIT, not the hub.
                throughput(client, hub.port(), db, "fw", Math.min(instances, 1000));
                double empty = throughput(client, hub.port(), db, "f0", instances);
                out.put("f_instances_per_s", Math.round(empty * 10) / 10.0);
                out.put("f_steps_per_s", Math.round(empty * 10));
                latency(client, hub.port(), db, target);

                long t0 = System.nanoTime();
                send(client, hub.port(), parked, i -> event("parked-" + i, "bench.parked.opened", "{\"id\":\"P-" + i + "\"}"));
                awaitCount(db, "select count(*) from flow_waits where flow = 'parked'", parked, 1800);
                out.put("h_parked", parked);
                out.put("h_park_s", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);

                double withParked = throughput(client, hub.port(), db, "f1", instances);
                out.put("f_instances_per_s_with_parked", Math.round(withParked * 10) / 10.0);
                out.put("f_ratio_parked_to_empty", Math.round(withParked / empty * 1000) / 1000.0);

                // Every parked wait's timeout due now: the firing is a guarded state change, so none fires twice.
                exec(db, "update flow_instances set due_at = now() where flow = 'parked' and state = 'waiting'");
                long fired0 = System.nanoTime();
                hub.flows().wakeAll();
                // "None left active" stops at the first active instance it meets; a count of completed ones would read them all
                // on every poll, on the cores being measured, and hold back the cleanup of the rows the workers just changed.
                // Even so it walks the fired instances' stale index entries (15 ms a poll): every 500 ms, not 100.
                awaitCount(db, "select case when exists (select 1 from flow_instances where flow = 'parked' and state in ('running', 'waiting')) "
                        + "then 0 else 1 end", 1, 1800, 500);
                out.put("h_fire_all_s", Math.round((System.nanoTime() - fired0) / 1e8) / 10.0);
                out.put("h_completed", count(db, "select count(*) from flow_instances where flow = 'parked' and state = 'completed'"));
                out.put("h_timed_out_once", count(db, "select count(*) from flow_steps where step = 'sleep' and state = 'timed_out'"));
                out.put("h_fired_twice", count(db, "select count(*) from (select instance_id from flow_steps where step = 'sleep' "
                        + "group by instance_id having count(*) > 1) twice"));
            } finally {
                hub.close();
            }
        }
    }

    /** Starts {@code instances} instances and sends each its repair event at once; instances completed per second. */
    private double throughput(HttpClient client, int port, Database db, String prefix, int count) throws Exception {
        long before = count(db, "select count(*) from flow_instances where flow = 'ncr' and state = 'completed'");
        long start = System.nanoTime();
        send(client, port, count, i -> event(prefix + "-open-" + i, "bench.ncr.opened", "{\"ncr\":\"" + prefix + "-" + i + "\"}"));
        // The repairs may arrive before their instance waits: they are kept and found when the wait starts.
        send(client, port, count, i -> event(prefix + "-repaired-" + i, "bench.ncr.repaired",
                "{\"ncr\":\"" + prefix + "-" + i + "\",\"parts\":[\"BRG-6205\"]}"));
        awaitCount(db, "select count(*) from flow_instances where flow = 'ncr' and state = 'completed'", before + count, 600);
        return count / ((System.nanoTime() - start) / 1e9);
    }

    /** (g) At 10 instances/s: each instance's repair is sent once it waits; the time until its next call arrives. */
    private void latency(HttpClient client, int port, Database db, BenchTarget target) throws Exception {
        int n = latencySeconds * 10;
        long[] startedAt = new long[n];
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> runs = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long due = start + i * 100_000_000L;
                java.util.concurrent.locks.LockSupport.parkNanos(due - System.nanoTime());
                int k = i;
                startedAt[k] = System.nanoTime();
                runs.add(pool.submit(() -> {
                    post(client, port, "[" + event("lat-open-" + k, "bench.ncr.opened", "{\"ncr\":\"lat-" + k + "\"}") + "]");
                    awaitCount(db, "select count(*) from flow_waits where instance_id = (select id from flow_instances where flow = 'ncr' "
                            + "and correlation_key = 'lat-" + k + "')", 1, 60);
                    post(client, port, "[" + event("lat-repaired-" + k, "bench.ncr.repaired",
                            "{\"ncr\":\"lat-" + k + "\",\"parts\":[\"BRG-6205\"],\"sent\":\"S" + System.nanoTime() + "\"}") + "]");
                    return null;
                }));
            }
            for (Future<?> f : runs) f.get();
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (target.latencies().length < n && System.nanoTime() < deadline) Thread.sleep(20);
        long[] lat = target.latencies();
        out.put("g_instances", n);
        out.put("g_measured", lat.length);
        out.put("g_event_to_next_call_p50_ms", percentile(lat, 0.50));
        out.put("g_event_to_next_call_p99_ms", percentile(lat, 0.99));
        stages(db);
    }

    /**
     * Where (g)'s time goes: ingest start to routing start (the repair kept in the inbox), to the flow worker taking it,
     * to the next call's delivery written, to it settled.
     */
    private void stages(Database db) throws Exception {
        Stages.report(db, """
                select e.received_at, i.received_at as kept, i.taken_at, d.created_at, d.delivered_at
                from events e
                join flow_inbox i on i.event_seq = e.seq
                join flow_steps st on st.instance_id = i.taken_by and st.step = 'issue'
                join deliveries d on d.id = st.delivery_id
                where e.id like 'lat-repaired-%' and d.delivered_at is not null""",
                List.of(Map.entry("routed", "kept - received_at"), Map.entry("taken", "taken_at - kept"),
                        Map.entry("called", "created_at - taken_at"), Map.entry("delivered", "delivered_at - created_at")), "g_stage_", out);
    }

    private interface EventAt {
        String event(int i);
    }

    private void send(HttpClient client, int port, int count, EventAt events) throws Exception {
        AtomicInteger next = new AtomicInteger();
        int batches = (count + 99) / 100;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> senders = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                senders.add(pool.submit(() -> {
                    int b;
                    while ((b = next.getAndIncrement()) < batches) {
                        List<String> batch = new ArrayList<>();
                        for (int i = b * 100; i < Math.min(count, b * 100 + 100); i++) batch.add(events.event(i));
                        post(client, port, "[" + String.join(",", batch) + "]");
                    }
                    return null;
                }));
            }
            for (Future<?> f : senders) f.get();
        }
    }

    private static String event(String id, String type, String data) {
        return "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"source\":\"bench://flows\",\"type\":\"" + type
                + "\",\"datacontenttype\":\"application/json\",\"data\":" + data + "}";
    }

    private static void post(HttpClient client, int port, String body) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/events"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/cloudevents-batch+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) throw new IllegalStateException("hub answered " + r.statusCode() + ": " + r.body());
    }

    private PlantConfig plant(BenchTarget target) throws Exception {
        Path dir = workDir.resolve("plant-flows");
        Files.createDirectories(dir.resolve("systems"));
        Files.createDirectories(dir.resolve("flows"));
        Files.writeString(dir.resolve("millwright.yaml"), """
                plant: bench
                http: { host: 127.0.0.1, port: 0 }
                contracts: { allowUnknownTypes: true }
                flows: { workers: 4, batch: 50 }
                """);
        Files.writeString(dir.resolve("systems/target.yaml"), """
                name: target
                outbound:
                  http:
                    baseUrl: %s
                    maxConcurrency: 64
                    timeout: 5s
                    operations:
                      post: { path: /in }
                """.formatted(target.baseUrl()));
        Files.writeString(dir.resolve("flows/ncr.yaml"), """
                name: ncr
                trigger: { on: bench.ncr.opened, key: data.ncr }
                steps:
                  - id: hold
                    call: { system: target, operation: post, data: '{"ncr": instance.key, "step": "hold"}' }
                  - id: held
                    set: { held: "true" }
                  - id: workorder
                    call: { system: target, operation: post, data: '{"ncr": instance.key, "step": "workorder"}' }
                  - id: completion
                    wait: { on: bench.ncr.repaired, timeout: 1h }
                    as: repair
                  - id: count-parts
                    set: { parts: "$count(vars.repair.data.parts)" }
                  - id: any-parts
                    if: { condition: "vars.parts > 0", then: issue, else: cost }
                  - id: issue
                    call: { system: target, operation: post, data: '{"ncr": instance.key, "step": "issue", "defectCode": vars.repair.data.sent}' }
                  - id: cost
                    call: { system: target, operation: post, data: '{"ncr": instance.key, "step": "cost"}' }
                  - id: announce
                    emit: { type: bench.ncr.closed, data: '{"ncr": instance.key}' }
                  - id: done
                    end: true
                """);
        Files.writeString(dir.resolve("flows/parked.yaml"), """
                name: parked
                trigger: { on: bench.parked.opened, key: data.id }
                steps:
                  - id: sleep
                    wait: { on: bench.parked.released, timeout: 1h, onTimeout: done }
                  - id: done
                    end: true
                """);
        return PlantConfig.load(dir);
    }

    /**
     * Polls every 100 ms: a count over 100,000 instances takes milliseconds of the same two cores, and polling every
     * 20 ms took a fifth of one away from the hub being measured (at most 0.1 s is added to a figure of tens of seconds).
     */
    private static void awaitCount(Database db, String sql, long expected, int seconds) throws Exception {
        awaitCount(db, sql, expected, seconds, 100);
    }

    private static void awaitCount(Database db, String sql, long expected, int seconds, long everyMillis) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (count(db, sql) < expected) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("not reached in " + seconds + " s: " + sql + " >= " + expected);
            Thread.sleep(everyMillis);
        }
    }

    private static long count(Database db, String sql) throws Exception {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void exec(Database db, String sql) throws Exception {
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static double percentile(long[] sortedNanos, double p) {
        if (sortedNanos.length == 0) return Double.NaN;
        int i = (int) Math.min(sortedNanos.length - 1, Math.ceil(p * sortedNanos.length) - 1);
        return Math.round(sortedNanos[Math.max(0, i)] / 1e4) / 100.0;
    }
}
