package dev.millwright.bench;

import dev.millwright.config.PlantConfig;
import dev.millwright.event.Json;
import dev.millwright.hub.Hub;
import dev.millwright.store.Database;
import dev.millwright.store.EmbeddedDatabase;
import dev.millwright.store.XrefStore;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * (i) The console's pages over a plant's month: 1M events, 1M deliveries (1 % dead, 1 % failed), 100,000 flow
 * instances with five steps each, 100,000 cross-reference rows, 1,000 alerts. Each page is fetched as a signed-in
 * browser would, from this machine (so the time is the server's plus a loopback round trip): warm-up, then timed.
 */
final class ConsoleBench {
    private static final String TOKEN = "bench-token";
    private static final int WARMUP = 3, RUNS = 20;

    private final Path work;
    private final int events, instances;
    private final Map<String, Object> out;

    ConsoleBench(Path work, int events, int instances, Map<String, Object> out) {
        this.work = work;
        this.events = events;
        this.instances = instances;
        this.out = out;
    }

    void run(EmbeddedDatabase pg) throws Exception {
        try (BenchTarget target = new BenchTarget(); Database db = Database.open(pg.jdbcUrl(), pg.user(), null, "bench_console", 16)) {
            Hub hub = Hub.start(plant(target), db, List.of(TOKEN), Clock.systemUTC());
            try {
                load(db);
                measure(hub.port());
                // For a look at plans with psql while the store is still there (seconds).
                String hold = System.getenv("MILLWRIGHT_BENCH_HOLD");
                if (hold != null) {
                    System.out.println("holding the store for " + hold + " s: " + pg.jdbcUrl());
                    Thread.sleep(Long.parseLong(hold) * 1000);
                }
            } finally {
                hub.close();
            }
        }
    }

    private void load(Database db) throws Exception {
        String script;
        try (InputStream in = ConsoleBench.class.getResourceAsStream("/bench/console-data.sql")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8).formatted(events, instances);
        }
        long t0 = System.nanoTime();
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            for (String statement : script.split("\n-- next\n")) s.execute(statement);
        }
        XrefStore xref = new XrefStore(db.dataSource(), dev.millwright.xref.Xref.channel(db.schema()));
        List<XrefStore.Row> rows = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            rows.add(new XrefStore.Row(2 * i + 2, "material", "MAT-" + i, "erp", "40" + i));
            rows.add(new XrefStore.Row(2 * i + 3, "material", "MAT-" + i, "mes", "M-" + i));
        }
        xref.importRows(rows, dev.millwright.store.Actor.of("bench"));
        // A plant's month has been vacuumed and analysed by autovacuum long since; measuring while it catches up on a
        // bulk load would time the vacuum.
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("vacuum analyze");
        }
        out.put("i_console_load_s", (System.nanoTime() - t0) / 1_000_000_000);
        out.put("i_console_events", events);
        out.put("i_console_deliveries", events);
        out.put("i_console_flow_instances", instances);
    }

    private void measure(int port) throws Exception {
        String base = "http://127.0.0.1:" + port;
        try (HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()) {
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/tokens"))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"bench-operator\",\"roles\":[\"operator\",\"integrator\"],\"plants\":[\"*\"]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            String cookie = "millwright_session=" + URLEncoder.encode(Json.MAPPER.readTree(created.body()).get("token").asText(), StandardCharsets.UTF_8);
            long dead = 100L * (events / 200), instance = instances / 2;
            Map<String, String> pages = new LinkedHashMap<>();
            pages.put("overview (last hour)", "/console");
            pages.put("overview (last day)", "/console?window=day");
            pages.put("overview, live part", "/console/overview/live");
            pages.put("transaction by lot", "/console/transactions?key=LOT-4711");
            pages.put("transaction by work order (instance variables)", "/console/transactions?key=WO-" + instance);
            pages.put("transaction by NCR (trigger)", "/console/transactions?key=NCR-" + (instances - 7));
            pages.put("transaction, unknown key", "/console/transactions?key=NOTHING-HERE");
            pages.put("failures: dead", "/console/failures");
            pages.put("failures: failed, one system", "/console/failures?state=failed&system=erp");
            pages.put("failures: any state, reason text", "/console/failures?state=&reason=M7%2F146");
            pages.put("failures: dead, next page", "/console/failures?state=dead&after=" + dead);
            pages.put("delivery", "/console/deliveries/" + dead);
            pages.put("replay form", "/console/replays");
            pages.put("flows", "/console/flows");
            pages.put("flows: failed", "/console/flows?state=failed&flow=review");
            pages.put("flow instance", "/console/flows/instances/" + instance);
            pages.put("cross-references", "/console/xref");
            pages.put("cross-references: search", "/console/xref?type=material&q=40123");
            pages.put("cross-reference entity", "/console/xref/material/MAT-4711");
            pages.put("audit", "/console/audit");
            pages.put("alerts", "/console/alerts");
            pages.put("alerts: all", "/console/alerts?state=");
            Map<String, Object> times = new LinkedHashMap<>();
            double worst = 0;
            for (var page : pages.entrySet()) {
                // An unknown key is answered 404 (the page says nothing is known); every other page 200.
                int expected = page.getKey().contains("unknown") ? 404 : 200;
                worst = Math.max(worst, time(http, page.getKey(), expected, times,
                        () -> HttpRequest.newBuilder(URI.create(base + page.getValue())).header("Cookie", cookie).build()));
            }
            // The replay page's dry run: a form post counting what a replay of one lot's events would do.
            worst = Math.max(worst, time(http, "replay dry run by lot", 200, times, () -> HttpRequest.newBuilder(URI.create(base + "/console/replays"))
                    .header("Cookie", cookie).header("Origin", base).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("subscription=to-erp&subject=LOT-4711&action=dry-run")).build()));
            out.put("i_console_pages", times);
            out.put("i_console_worst_p95_ms", Math.round(worst * 10) / 10.0);
            out.put("i_console_target_p95_ms", 300);
        }
    }

    /** Sends the request {@code WARMUP} times unrecorded, then {@code RUNS} times; records and prints p50, p95, max. @return p95 in ms */
    private static double time(HttpClient http, String name, int expected, Map<String, Object> times, java.util.function.Supplier<HttpRequest> request)
            throws Exception {
        long[] nanos = new long[RUNS];
        for (int i = -WARMUP; i < RUNS; i++) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = http.send(request.get(), HttpResponse.BodyHandlers.ofString());
            long took = System.nanoTime() - t0;
            if (r.statusCode() != expected) {
                throw new IllegalStateException(name + " answered " + r.statusCode() + ": " + r.body().substring(0, Math.min(300, r.body().length())));
            }
            if (i >= 0) nanos[i] = took;
        }
        Arrays.sort(nanos);
        double p50 = nanos[RUNS / 2] / 1e6, p95 = nanos[(int) (RUNS * 0.95) - 1] / 1e6, max = nanos[RUNS - 1] / 1e6;
        times.put(name, String.format(java.util.Locale.ROOT, "p50 %.1f ms, p95 %.1f ms, max %.1f ms", p50, p95, max));
        System.out.printf("%-50s p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms%n", name, p50, p95, max);
        return p95;
    }

    private PlantConfig plant(BenchTarget target) throws IOException {
        Path dir = work.resolve("plant-console");
        Files.createDirectories(dir.resolve("systems"));
        Files.createDirectories(dir.resolve("flows"));
        Files.createDirectories(dir.resolve("subscriptions"));
        Files.writeString(dir.resolve("millwright.yaml"), """
                plant: bench
                http: { host: 127.0.0.1, port: 0 }
                delivery: { lanes: 16 }
                contracts: { allowUnknownTypes: true }
                security: { rateLimit: { requestsPerSecond: 0 } }
                """);
        for (String system : List.of("erp", "eam", "qms", "mes")) {
            Files.writeString(dir.resolve("systems/" + system + ".yaml"), """
                    name: %s
                    outbound:
                      http:
                        baseUrl: %s
                        operations:
                          post: { path: /in }
                    """.formatted(system, target.baseUrl()));
            Files.writeString(dir.resolve("subscriptions/to-" + system + ".yaml"), """
                    name: to-%s
                    on: "*"
                    deliver: { system: %s, operation: post }
                    orderBy: subject
                    """.formatted(system, system));
        }
        Files.writeString(dir.resolve("flows/review.yaml"), """
                name: review
                trigger: { on: test.review.needed, key: data.lot }
                kpis:
                  - { name: review_time, description: From the request to the decision, to: approve }
                steps:
                  - id: approve
                    signal: { name: ok, timeout: 1h }
                  - id: done
                    end: true
                """);
        return PlantConfig.load(dir);
    }
}
