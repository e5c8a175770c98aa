package dev.millwright.simulate.mes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.event.Json;
import dev.millwright.simulate.SimServer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An MES under /api/v1: production orders with statuses (RELEASED → RUNNING → COMPLETED, HELD while a lot of theirs is
 * on hold) and the lots they make (with the raw-material batches each consumed), which can be put on hold and released. It reports production the way ISA-95 MES
 * do, as B2MML-like OperationsPerformance JSON (good quantity, scrap, consumed components) posted to the hub with a
 * bearer token, retried until answered; with a broker configured, machine and line states go out on MQTT under
 * Sparkplug-like topics. Errors are RFC 7807 problem details.
 */
public final class Mes extends SimServer {
    private final String apiToken;
    private final String hubToken;
    private final Clock clock;
    private volatile URI performanceUrl;
    private final Map<String, ObjectNode> orders = new LinkedHashMap<>();
    private final Map<String, ObjectNode> lots = new LinkedHashMap<>();
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("sim-mes-reports").factory());
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicLong reportsSent = new AtomicLong(), reportsPending = new AtomicLong();
    private long nextPerformance = 1;

    /**
     * @param apiToken what callers of this MES present
     * @param hubToken what this MES presents to the hub with its reports
     * @param performanceUrl where it posts OperationsPerformance (the hub's /api/v1/inbound/mes), or null for none yet
     */
    public Mes(int port, String apiToken, String hubToken, URI performanceUrl, Clock clock) throws IOException {
        super("mes", port);
        this.apiToken = apiToken;
        this.hubToken = hubToken;
        this.performanceUrl = performanceUrl;
        this.clock = clock;
        route("GET", "/api/v1/orders", r -> list(r, orders));
        route("GET", "/api/v1/orders/([A-Z0-9-]+)", r -> one(r, orders, "production order"));
        route("GET", "/api/v1/lots/([A-Z0-9-]+)", r -> one(r, lots, "lot"));
        route("POST", "/api/v1/lots/([A-Z0-9-]+)/hold", r -> hold(r, true));
        route("POST", "/api/v1/lots/([A-Z0-9-]+)/release", r -> hold(r, false));
    }

    /** A production order making {@code lot} of {@code material}; it starts RUNNING. */
    public synchronized Mes order(String id, String material, int quantity, String lot) {
        ObjectNode order = Json.MAPPER.createObjectNode().put("id", id).put("material", material).put("quantity", quantity)
                .put("status", "RUNNING").put("lot", lot);
        ArrayNode operations = order.putArray("operations");
        for (String[] op : new String[][]{{"0010", "turning"}, {"0020", "boring"}, {"0030", "inspection"}}) {
            operations.addObject().put("id", op[0]).put("description", op[1]).put("workCenter", "LINE-2");
        }
        orders.put(id, order);
        lots.put(lot, Json.MAPPER.createObjectNode().put("id", lot).put("order", id).put("material", material).put("status", "ACTIVE"));
        return this;
    }

    /** What a lot was made from (genealogy): a raw-material batch, and who supplied it. */
    public record Component(String material, String batch, String supplier, int quantity) {
    }

    /** Records that {@code lot} consumed these batches: its GET shows them under "consumed". */
    public synchronized Mes consumed(String lot, Component... components) {
        ArrayNode consumed = lots.get(lot).putArray("consumed");
        for (Component c : components) consumed.add(Json.MAPPER.valueToTree(c));
        return this;
    }

    public void performanceUrl(URI url) {
        this.performanceUrl = url;
    }

    private volatile com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient broker;
    private final AtomicLong machineSeq = new AtomicLong();

    /** Publishes machine and line events to this MQTT broker from now on (Sparkplug-like topics, QoS 1). */
    public Mes broker(String host, int port) {
        var client = com.hivemq.client.mqtt.MqttClient.builder().useMqttVersion5().identifier("sim-mes-" + UUID.randomUUID())
                .serverHost(host).serverPort(port).automaticReconnectWithDefaultConfig().buildBlocking();
        client.connect();
        this.broker = client;
        return this;
    }

    /**
     * A machine changes state (RUNNING, DOWN, IDLE): published to {@code spBv1.0/plant-a/DDATA/LINE/ASSET} as Sparkplug-like
     * JSON {timestamp, seq, metrics: [{name: State, value}, {name: Reason, value}]}.
     * @throws IllegalStateException when no broker is configured
     */
    public void machineState(String line, String asset, String state, String reason) {
        var client = broker;
        if (client == null) throw new IllegalStateException("the MES simulator has no MQTT broker configured");
        ObjectNode payload = Json.MAPPER.createObjectNode().put("timestamp", clock.millis()).put("seq", machineSeq.incrementAndGet());
        ArrayNode metrics = payload.putArray("metrics");
        metrics.addObject().put("name", "State").put("value", state);
        if (reason != null) metrics.addObject().put("name", "Reason").put("value", reason);
        client.publishWith().topic("spBv1.0/plant-a/DDATA/" + line + "/" + asset).qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                .payload(payload.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)).send();
    }

    private void authorize(Request r) {
        if (!("Bearer " + apiToken).equals(r.header("Authorization"))) throw new Refusal(401, "unauthorized", "a valid bearer token is required");
    }

    private synchronized Response list(Request r, Map<String, ObjectNode> from) {
        authorize(r);
        ArrayNode items = Json.MAPPER.createArrayNode();
        items.addAll(from.values());
        return Response.json(200, Json.MAPPER.createObjectNode().set("items", items));
    }

    private synchronized Response one(Request r, Map<String, ObjectNode> from, String what) {
        authorize(r);
        ObjectNode o = from.get(r.group(1));
        if (o == null) throw new Refusal(404, "not-found", what + " " + r.group(1) + " does not exist");
        return Response.json(200, o);
    }

    private synchronized Response hold(Request r, boolean hold) {
        authorize(r);
        ObjectNode lot = lots.get(r.group(1));
        if (lot == null) throw new Refusal(404, "not-found", "lot " + r.group(1) + " does not exist");
        String status = lot.get("status").asText();
        if (hold && status.equals("ON_HOLD")) throw new Refusal(409, "conflict", "lot " + r.group(1) + " is already on hold (" + lot.path("holdReason").asText() + ")");
        if (!hold && !status.equals("ON_HOLD")) throw new Refusal(409, "conflict", "lot " + r.group(1) + " is not on hold");
        JsonNode body = r.json();
        lot.put("status", hold ? "ON_HOLD" : "ACTIVE").put("changedAt", timestamp(clock));
        if (hold) lot.put("holdReason", body.path("reason").asText("")).put("reference", body.path("reference").asText(""));
        else lot.remove(java.util.List.of("holdReason", "reference"));
        ObjectNode order = orders.get(lot.get("order").asText());
        if (order != null && !order.get("status").asText().equals("COMPLETED")) order.put("status", hold ? "HELD" : "RUNNING");
        return Response.json(200, lot);
    }

    /**
     * Reports production of an operation: good and scrapped quantity of the order's material into its lot, the
     * components consumed. Posted as OperationsPerformance to the hub, retried until answered 2xx.
     */
    public void confirm(String orderId, String operation, int good, int scrap, String component, int consumed) {
        ObjectNode order;
        String id;
        synchronized (this) {
            order = orders.get(orderId);
            if (order == null) throw new IllegalArgumentException("no production order " + orderId);
            id = "OP-" + (nextPerformance++);
        }
        String now = timestamp(clock);
        ObjectNode perf = Json.MAPPER.createObjectNode();
        ObjectNode op = perf.putObject("OperationsPerformance").put("ID", id).put("PublishedDate", now);
        ObjectNode response = op.putArray("OperationsResponse").addObject().put("ID", orderId);
        ObjectNode segment = response.putArray("SegmentResponse").addObject().put("ProcessSegmentID", operation).put("ActualEndTime", now);
        ArrayNode actuals = segment.putArray("MaterialActual");
        actuals.addObject().put("MaterialDefinitionID", order.get("material").asText()).put("MaterialLotID", order.get("lot").asText())
                .put("MaterialUse", "Produced").putObject("Quantity").put("QuantityString", Integer.toString(good)).put("UnitOfMeasure", "EA");
        actuals.addObject().put("MaterialDefinitionID", order.get("material").asText()).put("MaterialLotID", order.get("lot").asText())
                .put("MaterialUse", "Scrap").putObject("Quantity").put("QuantityString", Integer.toString(scrap)).put("UnitOfMeasure", "EA");
        if (component != null) {
            actuals.addObject().put("MaterialDefinitionID", component).put("MaterialUse", "Consumed")
                    .putObject("Quantity").put("QuantityString", Integer.toString(consumed)).put("UnitOfMeasure", "EA");
        }
        reportsPending.incrementAndGet();
        changed();
        sender.execute(() -> send(perf.toString(), 1));
    }

    private void send(String body, int attempt) {
        URI url = performanceUrl;
        boolean done = false;
        if (url != null) {
            try {
                reportsSent.incrementAndGet();
                done = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + hubToken).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() / 100 == 2;
            } catch (IOException e) {
                done = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (done || attempt >= 12) reportsPending.decrementAndGet();
        else sender.schedule(() -> send(body, attempt + 1), Math.min(30_000, 500L << Math.min(attempt, 6)), TimeUnit.MILLISECONDS);
    }

    public long reportsPending() {
        return reportsPending.get();
    }

    @Override
    public synchronized ObjectNode state() {
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.putArray("orders").addAll(orders.values());
        s.putArray("lots").addAll(lots.values());
        s.putObject("reports").put("sent", reportsSent.get()).put("pending", reportsPending.get());
        s.putObject("counters").put("performance", nextPerformance);
        return s;
    }

    @Override
    protected synchronized void restore(ObjectNode s) {
        restoreInto(orders, s.path("orders"), "id");
        restoreInto(lots, s.path("lots"), "id");
        nextPerformance = s.path("counters").path("performance").asLong(nextPerformance);
    }

    @Override
    protected Response error(int status, String code, String message) {
        ObjectNode p = Json.MAPPER.createObjectNode().put("type", "https://mes.example/problems/" + code)
                .put("title", status == 404 ? "Not found" : status == 409 ? "Conflict" : "Request refused").put("status", status).put("detail", message);
        return new Response(status, Map.of("Content-Type", "application/problem+json"), p.toString());
    }

    @Override
    public void close() {
        var client = broker;
        if (client != null) {
            try {
                client.disconnect();
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
        sender.shutdownNow();
        http.close();
        super.close();
    }
}
