package dev.millwright.bench;

import dev.millwright.config.PlantConfig;
import dev.millwright.hub.Hub;
import dev.millwright.store.Database;
import dev.millwright.store.EmbeddedDatabase;
import dev.millwright.store.EventStore;
import dev.millwright.event.CloudEvent;
import dev.millwright.event.Json;
import dev.millwright.store.Jdbc;

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
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The benchmark. Everything runs on this machine in one run, so each figure is read against the raw
 * batched-insert rate of the same rows into the same database: (a) raw limit, (b) hub ingest over HTTP
 * in batches of 100, (c) end to end to a local target answering 200, (d) ingest-to-delivered latency at
 * a fixed 1,000 events/s; then master data and process flows ({@link FlowBench}).
 */
public final class Bench {
    private static final String TOKEN = "bench-token";
    private static final int BATCH = 100;

    public record Options(int events, int warmupEvents, int senders, int latencySeconds, int latencyLeadSeconds, int rate, int lanes, int targetConcurrency,
                          Path workDir, int flowInstances, int parked, boolean flowsOnly, boolean consoleOnly, boolean latencyOnly,
                          int consoleEvents, int consoleInstances) {
    }

    private final Options options;
    private final Map<String, Object> results = new LinkedHashMap<>();

    public Bench(Options options) {
        this.options = options;
    }

    public Map<String, Object> run() throws Exception {
        Path data = options.workDir().resolve("data");
        deleteTree(data);
        results.put("machine", machine());
        results.put("events", options.events());
        results.put("warmup_events", options.warmupEvents());
        results.put("senders", options.senders());
        try (EmbeddedDatabase pg = EmbeddedDatabase.start(data)) {
            if (options.consoleOnly()) {
                new ConsoleBench(options.workDir(), options.consoleEvents(), options.consoleInstances(), results).run(pg);
                return results;
            }
            if (options.flowsOnly()) {
                new FlowBench(options.workDir(), options.flowInstances(), options.parked(), options.latencySeconds(), results).run(pg);
                return results;
            }
            warmUp(pg);
            if (options.latencyOnly()) {
                latency(pg);
                return results;
            }
            rawLimit(pg, "bench_raw", options.events(), results);
            quiesce(pg);
            hubIngest(pg, "bench_ingest", options.events(), results);
            quiesce(pg);
            endToEnd(pg, "bench_e2e", options.events(), results, false);
            quiesce(pg);
            endToEnd(pg, "bench_bulk", options.events(), results, true);
            quiesce(pg);
            latency(pg);
            quiesce(pg);
            try (Database db = Database.open(pg.jdbcUrl(), pg.user(), null, "bench_xref", 8)) {
                MasterDataBench.run(db, results);
            }
            quiesce(pg);
            new FlowBench(options.workDir(), options.flowInstances(), options.parked(), options.latencySeconds(), results).run(pg);
            quiesce(pg);
            new ConsoleBench(options.workDir(), options.consoleEvents(), options.consoleInstances(), results).run(pg);
        } finally {
            deleteTree(data);
        }
        return results;
    }

    /**
     * Lets each run start from the same quiet database: drops the given schemas, waits for autovacuum
     * workers to finish (at most a minute), then checkpoints, so one run's cleanup does not load the next.
     */
    private static void quiesce(EmbeddedDatabase pg, String... dropSchemas) throws Exception {
        try (Connection c = java.sql.DriverManager.getConnection(pg.jdbcUrl(), pg.user(), null); Statement s = c.createStatement()) {
            for (String schema : dropSchemas) s.execute("drop schema if exists " + schema + " cascade");
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = s.executeQuery("select count(*) from pg_stat_activity where backend_type = 'autovacuum worker'")) {
                    rs.next();
                    if (rs.getInt(1) == 0) break;
                }
                Thread.sleep(200);
            }
            s.execute("checkpoint");
        }
    }

    /** (a) The same event rows, the same multi-row insert, batches of 100, the same concurrency. */
    private void rawLimit(EmbeddedDatabase pg, String schema, int events, Map<String, Object> out) throws Exception {
        try (Database db = Database.open(pg.jdbcUrl(), pg.user(), null, schema, options.senders() + 2)) {
            List<List<CloudEvent>> batches = new ArrayList<>();
            for (List<String> json : eventBatches("raw", "bench.unrouted", events, false)) {
                List<CloudEvent> parsed = new ArrayList<>();
                for (String e : json) {
                    var node = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(e);
                    parsed.add(new CloudEvent(node.get("id").asText(), node.get("source").asText(), node.get("type").asText(),
                            node.get("subject").asText(), null, node, e));
                }
                batches.add(parsed);
            }
            double rate = timed(events, batches, batch -> Jdbc.inTransaction(db.dataSource(),
                    c -> EventStore.insert(c, batch)));
            out.put("a_raw_insert_events_per_s", Math.round(rate));
        }
    }

    /** (b) Events that match no subscription: the hub's full ingest path (HTTP, parse, validate, dedupe, commit). */
    private void hubIngest(EmbeddedDatabase pg, String schema, int events, Map<String, Object> out) throws Exception {
        try (BenchTarget target = new BenchTarget(); Database db = Database.open(pg.jdbcUrl(), pg.user(), null, schema, 24)) {
            Hub hub = Hub.start(plant("ingest", target, false), db, List.of(TOKEN), Clock.systemUTC());
            try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                List<List<String>> batches = eventBatches("ingest", "bench.unrouted", events, false);
                double rate = timed(events, batches, batch -> post(client, hub.port(), batch));
                out.put("b_hub_ingest_events_per_s", Math.round(rate));
                out.put("b_ratio_to_raw", ratio(out, rate, "a_raw_insert_events_per_s"));
                // The same volume of catalog events, each validated against its JSON Schema at the door.
                List<List<String>> validated = eventBatches("valid", VALIDATED_TYPE, events, false);
                double validatedRate = timed(events, validated, batch -> post(client, hub.port(), batch));
                out.put("b_validated_ingest_events_per_s", Math.round(validatedRate));
                out.put("b_validated_ratio_to_unvalidated", Math.round(validatedRate / rate * 1000) / 1000.0);
                out.put("b_accepted", count(db, "select count(*) from events"));
            } finally {
                hub.close();
            }
        }
    }

    /**
     * (c) Events routed to one subscription, delivered over HTTP to a local target, one call per delivery;
     * (e) the same through an operation with bulk calls of up to 100. The clock stops at the last delivery.
     */
    private void endToEnd(EmbeddedDatabase pg, String schema, int events, Map<String, Object> out, boolean bulk) throws Exception {
        String k = bulk ? "e_bulk_" : "c_";
        try (BenchTarget target = new BenchTarget(); Database db = Database.open(pg.jdbcUrl(), pg.user(), null, schema, 24)) {
            Hub hub = Hub.start(plant(bulk ? "bulk" : "e2e", target, bulk), db, List.of(TOKEN), Clock.systemUTC());
            try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                List<List<String>> batches = eventBatches("e2e", "bench.routed", events, false);
                long start = System.nanoTime();
                double ingestRate = timed(events, batches, batch -> post(client, hub.port(), batch));
                long deadline = System.nanoTime() + 600_000_000_000L;
                while (count(db, "select count(*) from deliveries where state = 'delivered'") < events
                        && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                long delivered = count(db, "select count(*) from deliveries where state = 'delivered'");
                out.put(k + "end_to_end_events_per_s", Math.round(delivered / seconds));
                out.put(k + "ratio_to_raw", ratio(out, delivered / seconds, "a_raw_insert_events_per_s"));
                out.put(k + "ingest_while_delivering_events_per_s", Math.round(ingestRate));
                out.put(k + "accepted", count(db, "select count(*) from events"));
                out.put(k + "delivered", delivered);
                out.put(k + "target_requests", target.received());
            } finally {
                hub.close();
            }
        }
    }

    /** The runs (a)-(c), unrecorded, so the JIT has compiled the hot paths before measuring. */
    private void warmUp(EmbeddedDatabase pg) throws Exception {
        Map<String, Object> discard = new LinkedHashMap<>();
        if (options.warmupEvents() > 0) {
            rawLimit(pg, "warm_raw", options.warmupEvents(), discard);
            hubIngest(pg, "warm_ingest", options.warmupEvents(), discard);
            endToEnd(pg, "warm_e2e", options.warmupEvents(), discard, false);
            endToEnd(pg, "warm_bulk", options.warmupEvents(), discard, true);
        }
        quiesce(pg, "warm_raw", "warm_ingest", "warm_e2e", "warm_bulk");
    }

    /** (d) A steady 1,000 events/s (ten events every 10 ms) for a while; latency from send to arrival at the target. */
    private void latency(EmbeddedDatabase pg) throws Exception {
        try (BenchTarget target = new BenchTarget(); Database db = Database.open(pg.jdbcUrl(), pg.user(), null, "bench_latency", 24)) {
            Hub hub = Hub.start(plant("latency", target, false), db, List.of(TOKEN), Clock.systemUTC());
            int perTick = options.rate() / 100;
            // The same rate, unrecorded, first: at 1,000 events/s the hot path keeps being compiled for tens of seconds after
            // the full-speed warm-up (C2 at a third to half a core, measured), and that is the JIT, not the hub.
            int leadTicks = options.latencyLeadSeconds() * 100;
            int ticks = leadTicks + options.latencySeconds() * 100;
            try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                 ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                long start = System.nanoTime();
                AtomicInteger n = new AtomicInteger();
                List<Future<?>> sends = new ArrayList<>();
                java.util.concurrent.ConcurrentLinkedQueue<Long> acks = new java.util.concurrent.ConcurrentLinkedQueue<>();
                for (int t = 0; t < ticks; t++) {
                    long due = start + t * 10_000_000L;
                    LockSupport.parkNanos(due - System.nanoTime());
                    boolean recorded = t >= leadTicks;
                    List<String> batch = new ArrayList<>();
                    for (int i = 0; i < perTick; i++) batch.add(event(recorded ? "lat" : "lead", n.getAndIncrement(), "bench.routed", recorded));
                    sends.add(pool.submit(() -> {
                        long t0 = System.nanoTime();
                        post(client, hub.port(), batch);
                        if (recorded) acks.add(System.nanoTime() - t0);
                        return null;
                    }));
                }
                for (Future<?> f : sends) f.get();
                long expected = (long) perTick * (ticks - leadTicks);
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (target.latencies().length < expected && System.nanoTime() < deadline) Thread.sleep(20);
                long[] lat = target.latencies();
                results.put("d_rate_events_per_s", options.rate());
                results.put("d_unrecorded_lead_s", options.latencyLeadSeconds());
                results.put("d_events", expected);
                results.put("d_delivered", lat.length);
                results.put("d_p50_ms", percentile(lat, 0.50));
                results.put("d_p99_ms", percentile(lat, 0.99));
                results.put("d_max_ms", lat.length == 0 ? null : lat[lat.length - 1] / 1e6);
                long[] ack = acks.stream().mapToLong(Long::longValue).sorted().toArray();
                results.put("d_ingest_ack_p50_ms", percentile(ack, 0.50));
                results.put("d_ingest_ack_p99_ms", percentile(ack, 0.99));
                // Where the time goes: ingest start to routing start (the delivery written), to it settled.
                Stages.report(db, "select e.received_at, d.created_at, d.delivered_at from events e join deliveries d on d.event_seq = e.seq "
                        + "where d.delivered_at is not null and e.id like 'lat-%'", List.of(Map.entry("routed", "created_at - received_at"),
                        Map.entry("delivered", "delivered_at - created_at")), "d_stage_", results);
            } finally {
                hub.close();
            }
        }
    }

    private PlantConfig plant(String name, BenchTarget target, boolean bulk) throws IOException {
        Path dir = options.workDir().resolve("plant-" + name);
        deleteTree(dir);
        Files.createDirectories(dir.resolve("systems"));
        Files.createDirectories(dir.resolve("subscriptions"));
        Files.writeString(dir.resolve("millwright.yaml"), """
                plant: bench
                http: { host: 127.0.0.1, port: 0 }
                delivery: { lanes: %d }
                contracts: { allowUnknownTypes: true }
                """.formatted(options.lanes()));
        Files.writeString(dir.resolve("systems/target.yaml"), """
                name: target
                outbound:
                  http:
                    baseUrl: %s
                    maxConcurrency: %d
                    timeout: 5s
                    operations:
                      post: { path: /in, batch: { path: /in/bulk, maxItems: 100, maxWait: 20ms } }
                """.formatted(target.baseUrl(), options.targetConcurrency()));
        Files.writeString(dir.resolve("subscriptions/routed.yaml"), """
                name: routed
                on: bench.routed
                deliver: { system: target, %s }
                orderBy: subject
                """.formatted(bulk ? "operation: post" : "path: /in"));
        return PlantConfig.load(dir);
    }

    @FunctionalInterface
    private interface BatchWork<T> {
        Object run(T batch) throws Exception;
    }

    /** Sends all batches with the configured number of concurrent senders; returns events per second. */
    private <T> double timed(int events, List<T> batches, BatchWork<T> work) throws Exception {
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> senders = new ArrayList<>();
            for (int s = 0; s < options.senders(); s++) {
                senders.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < batches.size()) work.run(batches.get(i));
                    return null;
                }));
            }
            for (Future<?> f : senders) f.get();
        }
        return events / ((System.nanoTime() - start) / 1e9);
    }

    private static Object post(HttpClient client, int port, List<String> batch) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/events"))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/cloudevents-batch+json")
                .POST(HttpRequest.BodyPublishers.ofString("[" + String.join(",", batch) + "]")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) throw new IllegalStateException("hub answered " + r.statusCode() + ": " + r.body());
        return null;
    }

    private static List<List<String>> eventBatches(String prefix, String type, int events, boolean stamp) {
        List<List<String>> out = new ArrayList<>();
        for (int b = 0; b < events / BATCH; b++) {
            List<String> batch = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++) batch.add(event(prefix, b * BATCH + i, type, stamp));
            out.add(batch);
        }
        return out;
    }

    static final String VALIDATED_TYPE = "quality.inspection.failed";

    /**
     * A realistic failed inspection of about 600 bytes, valid against quality.inspection.failed v1 (the
     * type decides whether the hub validates it).
     */
    static String event(String prefix, int n, String type, boolean stamp) {
        return """
                {"specversion":"1.0","id":"%s-%d","source":"qms://bench/line-%d","type":"%s","subject":"LOT-%d","time":"2026-11-25T10:15:30.123+01:00","plant":"acme/plant-a","correlationid":"INSP-%d","datacontenttype":"application/json","data":{"inspectionId":"INSP-%d","lotId":"LOT-%d","materialId":"PUMP-HOUSING-7","result":"fail","inspectedAt":"2026-11-25T10:15:30.123+01:00","inspector":{"id":"QI-17"},"characteristics":[{"name":"bore diameter","nominal":25.0,"lowerLimit":24.8,"upperLimit":25.2,"measured":25.31,"unit":"mm","result":"fail"%s}]}}"""
                .formatted(prefix, n, n % 4, type, n % 500, n, n, n % 500, stamp ? ",\"defectCode\":\"S" + System.nanoTime() + "\"" : "");
    }

    private static double percentile(long[] sortedNanos, double p) {
        if (sortedNanos.length == 0) return Double.NaN;
        int i = (int) Math.min(sortedNanos.length - 1, Math.ceil(p * sortedNanos.length) - 1);
        return Math.round(sortedNanos[Math.max(0, i)] / 1e4) / 100.0;
    }

    private static Object ratio(Map<String, Object> out, double rate, String baseKey) {
        Object base = out.get(baseKey);
        return base instanceof Long b && b > 0 ? Math.round(rate / b * 1000) / 1000.0 : null;
    }

    private static long count(Database db, String sql) throws Exception {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("maxHeapMiB", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        m.put("java", System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("startedAt", Instant.now().toString());
        try {
            Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .ifPresent(l -> m.put("cpu", l.substring(l.indexOf(':') + 1).trim()));
        } catch (IOException ignored) {
            // not Linux: no CPU model
        }
        return m;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
