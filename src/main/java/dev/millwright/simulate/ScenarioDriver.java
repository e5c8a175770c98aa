package dev.millwright.simulate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.event.Json;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A plant at work, for the demo: inspections in the QMS (a share of them failing, each starting the closed loop, its
 * NCR dispositioned by the review board ten seconds later),
 * production reports from the MES, and now and then a breakdown reported by the shop floor to the hub as a CloudEvent.
 */
public final class ScenarioDriver implements AutoCloseable {
    private static final List<String> ASSETS = List.of("CNC-07", "PRESS-2", "LATHE-3");

    private final PlantInABox box;
    private final String qmsToken;
    private final URI hub;
    private final String hubToken;
    private final double failureRate;
    private final Consumer<String> print;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("scenario").factory());
    private final AtomicInteger lot = new AtomicInteger(4712), order = new AtomicInteger(), downtime = new AtomicInteger(5600);

    public ScenarioDriver(PlantInABox box, String qmsToken, URI hub, String hubToken, double failureRate, Consumer<String> print) {
        this.box = box;
        this.qmsToken = qmsToken;
        this.hub = hub;
        this.hubToken = hubToken;
        this.failureRate = failureRate;
        this.print = print;
    }

    /** Starts the stream: an inspection every {@code every}, a confirmation every fourth, a breakdown every twentieth. */
    public ScenarioDriver start(Duration every) {
        AtomicInteger tick = new AtomicInteger();
        timer.scheduleAtFixedRate(() -> {
            int n = tick.incrementAndGet();
            try {
                inspection();
                if (n % 4 == 0) confirmation();
                if (n % 20 == 0) breakdown();
            } catch (Exception e) {
                print.accept("scenario: " + e.getMessage()); // a system that is down (an injected outage) is part of the show
            }
        }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private String nextLot() {
        // The lots the ERP holds stock of (LOT-4711 … LOT-4730), in turn.
        return "LOT-" + (4711 + Math.floorMod(lot.getAndIncrement() - 4711, 20));
    }

    private void inspection() throws Exception {
        boolean fail = ThreadLocalRandom.current().nextDouble() < failureRate;
        ObjectNode result = Json.MAPPER.createObjectNode().put("plan", "IP-PH7").put("lot", nextLot()).put("equipment", "CNC-07");
        result.putArray("measurements")
                .add(Json.MAPPER.createObjectNode().put("characteristic", "bore diameter").put("value", fail ? 25.27 : 25.0 + ThreadLocalRandom.current().nextDouble(-0.1, 0.1)))
                .add(Json.MAPPER.createObjectNode().put("characteristic", "surface roughness").put("value", 0.8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(box.qms.baseUrl() + "/api/v2/inspection-results"))
                .header("Authorization", "Bearer " + qmsToken).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(result.toString())).build(), HttpResponse.BodyHandlers.ofString());
        if (!fail) return;
        print.accept("QMS   inspection of " + result.get("lot").asText() + " failed → " + r.statusCode() + " (the loop starts)");
        String ncr = r.statusCode() == 201 ? Json.MAPPER.readTree(r.body()).path("data").path("ncr").asText(null) : null;
        if (ncr != null) timer.schedule(() -> disposition(ncr), 10, TimeUnit.SECONDS);
    }

    /**
     * The review board decides a while later: rework or use as is, so the lot is released once repaired (the driver
     * inspects the same twenty lots over and over; a scrapped one would stay held).
     */
    private void disposition(String ncr) {
        String decision = ThreadLocalRandom.current().nextDouble() < 0.85 ? "rework" : "use-as-is";
        try {
            box.qms.disposition(ncr, decision, "MRB");
            print.accept("QMS   review board: " + ncr + " " + decision);
        } catch (RuntimeException e) {
            print.accept("scenario: " + e.getMessage());
        }
    }

    private void confirmation() {
        // The orders of the lots the ERP knows (PO-104711 … PO-104730): the MES reports to the hub as it does.
        String po = "PO-" + (104711 + Math.floorMod(order.getAndIncrement(), 20));
        int good = 4 + ThreadLocalRandom.current().nextInt(4), scrap = ThreadLocalRandom.current().nextInt(2);
        box.mes.confirm(po, "0020", good, scrap, "CASTING-7", good + scrap);
        print.accept("MES   " + po + " reports " + good + " good, " + scrap + " scrap (OperationsPerformance to the hub)");
    }

    private void breakdown() throws Exception {
        String id = "DT-" + downtime.incrementAndGet();
        String asset = ASSETS.get(ThreadLocalRandom.current().nextInt(ASSETS.size()));
        String data = """
                {"downtimeId":"%s","equipment":{"id":"%s","level":"WorkCell"},"start":"%s","planned":false,"reasonCode":"BREAKDOWN",
                 "reasonText":"stopped on alarm"}""".formatted(id, asset, now());
        int status = send("equipment.downtime.started", id, data);
        print.accept("MES   " + asset + " broke down (" + id + ") → hub " + status);
    }

    private int send(String type, String subject, String data) throws Exception {
        String event = """
                {"specversion":"1.0","id":"%s","source":"mes://plant-a/line-2","type":"%s","subject":"%s","time":"%s","plant":"acme/plant-a",
                 "correlationid":"%s","datacontenttype":"application/json","data":%s}"""
                .formatted(UUID.randomUUID(), type, subject, now(), subject, data);
        return http.send(HttpRequest.newBuilder(hub.resolve("/api/v1/events")).header("Authorization", "Bearer " + hubToken)
                .header("Content-Type", "application/cloudevents+json").POST(HttpRequest.BodyPublishers.ofString(event)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String now() {
        return SimServer.timestamp(java.time.Clock.systemUTC());
    }

    @Override
    public void close() {
        timer.shutdownNow();
        http.close();
    }
}
