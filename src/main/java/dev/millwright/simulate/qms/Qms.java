package dev.millwright.simulate.qms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.event.Json;
import dev.millwright.simulate.SimServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A SaaS-style QMS under /api/v2: inspection plans with characteristics and limits, inspection results judged against
 * them, nonconformances (NCR numbers) and CAPAs opened for failed ones, the material review board's disposition of an
 * NCR, CAPA status changes along allowed steps, a material's defect rate over recent inspections, and supplier quality
 * cases. It sends webhooks (inspection.failed, ncr.dispositioned) the way such systems commonly do: JSON signed with HMAC-SHA256 over the raw
 * body ({@code X-Hub-Signature-256: sha256=…}, no timestamp), retried with backoff until answered 2xx, so the receiver
 * sees duplicates; a webhook storm sends each one several times. Calls carry a bearer API token; errors are JSON:API
 * style {"errors":[{"status","code","detail"}]}.
 */
public final class Qms extends SimServer {
    private static final Set<String> DISPOSITIONS = Set.of("use-as-is", "rework", "repair", "scrap", "return-to-supplier");
    private static final Map<String, Set<String>> CAPA_STEPS = Map.of(
            "OPEN", Set.of("IN_PROGRESS", "VERIFICATION", "CANCELLED"), "IN_PROGRESS", Set.of("VERIFICATION", "CANCELLED"),
            "VERIFICATION", Set.of("CLOSED", "IN_PROGRESS"), "CLOSED", Set.of(), "CANCELLED", Set.of());

    /** One characteristic of a plan with its limits. */
    public record Characteristic(String name, double nominal, double lower, double upper, String unit, String defectCode) {
    }

    public record Plan(String id, String material, List<Characteristic> characteristics) {
    }

    private final String apiToken;
    private final String webhookSecret;
    private final Clock clock;
    private volatile URI webhookUrl;
    private final Map<String, Plan> plans = new LinkedHashMap<>();
    private final Map<String, ObjectNode> results = new LinkedHashMap<>();
    private final Map<String, ObjectNode> ncrs = new LinkedHashMap<>();
    private final Map<String, ObjectNode> capas = new LinkedHashMap<>();
    private final Map<String, ObjectNode> supplierCases = new LinkedHashMap<>();
    private final ScheduledExecutorService sender = Executors.newScheduledThreadPool(2,
            Thread.ofPlatform().daemon().name("sim-qms-webhooks").factory());
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicLong webhooksSent = new AtomicLong(), webhooksAnswered = new AtomicLong(), webhooksPending = new AtomicLong();
    private final AtomicInteger stormCopies = new AtomicInteger(1);
    private long nextInspection = 1000, nextNcr = 1000, nextCapa = 1000, nextCase = 100;

    public Qms(int port, String apiToken, String webhookSecret, URI webhookUrl, Clock clock) throws IOException {
        super("qms", port);
        this.apiToken = apiToken;
        this.webhookSecret = webhookSecret;
        this.webhookUrl = webhookUrl;
        this.clock = clock;
        route("GET", "/api/v2/inspection-plans", r -> {
            authorize(r);
            ArrayNode out = Json.MAPPER.createArrayNode();
            plans.values().forEach(p -> out.add(Json.MAPPER.valueToTree(p)));
            return Response.json(200, Json.MAPPER.createObjectNode().set("data", out));
        });
        route("POST", "/api/v2/inspection-results", this::postResult);
        route("GET", "/api/v2/ncrs/([A-Z0-9-]+)", r -> found(ncrs, r.group(1), "NCR"));
        route("POST", "/api/v2/ncrs/([A-Z0-9-]+)/disposition", this::disposition);
        route("GET", "/api/v2/materials/([A-Za-z0-9-]+)/quality", this::quality);
        route("GET", "/api/v2/capas/([A-Z0-9-]+)", r -> found(capas, r.group(1), "CAPA"));
        route("PATCH", "/api/v2/capas/([A-Z0-9-]+)", r -> updateCapa(r, capa(r.group(1))));
        route("PATCH", "/api/v2/inspections/([A-Z0-9-]+)/capa", r -> updateCapa(r, capaOfInspection(r.group(1))));
        route("POST", "/api/v2/supplier-cases", this::postSupplierCase);
    }

    public synchronized Qms plan(Plan p) {
        plans.put(p.id(), p);
        return this;
    }

    public void webhookUrl(URI url) {
        this.webhookUrl = url;
    }

    /** From now on every webhook is sent this many times (a sender that retries eagerly); 1 is normal. */
    public void storm(int copies) {
        stormCopies.set(Math.max(1, copies));
    }

    public long webhooksPending() {
        return webhooksPending.get();
    }

    private void authorize(Request r) {
        if (!("Bearer " + apiToken).equals(r.header("Authorization"))) throw new Refusal(401, "unauthorized", "a valid API token is required");
    }

    private synchronized Response found(Map<String, ObjectNode> in, String id, String what) {
        ObjectNode o = in.get(id);
        if (o == null) throw new Refusal(404, "not_found", what + " " + id + " does not exist");
        return Response.json(200, Json.MAPPER.createObjectNode().set("data", o));
    }

    private String now() {
        return timestamp(clock);
    }

    /** Judges the measurements against the plan; a failure opens an NCR and a CAPA and sends the inspection.failed webhook. */
    private Response postResult(Request r) {
        authorize(r);
        JsonNode body = r.json();
        ObjectNode result;
        synchronized (this) {
            Plan plan = plans.get(text(body, "plan"));
            if (plan == null) throw new Refusal(422, "unknown_plan", "inspection plan " + body.path("plan").asText() + " does not exist");
            String lot = text(body, "lot");
            String no = "INSP-" + (++nextInspection);
            result = Json.MAPPER.createObjectNode().put("no", no).put("plan", plan.id()).put("lot", lot).put("material", plan.material())
                    .put("equipment", body.path("equipment").asText("")).put("at", now());
            ArrayNode checks = result.putArray("checks");
            boolean failed = false;
            for (Characteristic c : plan.characteristics()) {
                JsonNode m = null;
                for (JsonNode x : body.path("measurements")) if (x.path("characteristic").asText().equals(c.name())) m = x;
                if (m == null) throw new Refusal(422, "missing_measurement", "characteristic '" + c.name() + "' of plan " + plan.id() + " was not measured");
                double v = m.path("value").asDouble();
                boolean ok = v >= c.lower() && v <= c.upper();
                failed |= !ok;
                ObjectNode check = checks.addObject().put("name", c.name()).put("value", Double.toString(v)).put("unit", c.unit())
                        .put("nominal", c.nominal()).put("lower", c.lower()).put("upper", c.upper()).put("ok", ok);
                if (!ok) check.put("defectCode", c.defectCode());
            }
            result.put("result", failed ? "FAIL" : "PASS");
            results.put(no, result);
            if (failed) {
                String ncr = "NCR-" + (++nextNcr), capa = "CAPA-" + (++nextCapa);
                ncrs.put(ncr, Json.MAPPER.createObjectNode().put("number", ncr).put("inspection", no).put("lot", lot).put("material", plan.material())
                        .put("lotSize", body.path("lotSize").asInt(100)).put("unit", "EA").put("severity", "major").put("status", "OPEN").put("openedAt", now()));
                capas.put(capa, Json.MAPPER.createObjectNode().put("id", capa).put("ncr", ncr).put("inspection", no).put("status", "OPEN").put("openedAt", now()));
                result.put("ncr", ncr).put("capa", capa);
                ObjectNode hook = Json.MAPPER.createObjectNode().put("id", "evt_" + UUID.randomUUID().toString().replace("-", ""))
                        .put("type", "inspection.failed").put("created_at", now());
                hook.putObject("data").<ObjectNode>set("inspection", result.deepCopy()).put("ncr", ncr).put("capa", capa);
                sendWebhook("inspection.failed", hook.toString());
            }
        }
        return Response.json(201, Json.MAPPER.createObjectNode().set("data", result));
    }

    private Response disposition(Request r) {
        authorize(r);
        JsonNode body = r.json();
        return Response.json(200, Json.MAPPER.createObjectNode().set("data", disposition(r.group(1), text(body, "decision"), body.path("by").asText("MRB"))));
    }

    /**
     * The material review board decides what happens to an NCR's lot (through the API or, as people do, the QMS's own
     * screens): once; the decision goes out as the ncr.dispositioned webhook.
     */
    public synchronized ObjectNode disposition(String number, String decision, String by) {
        ObjectNode ncr = ncrs.get(number);
        if (ncr == null) throw new Refusal(404, "not_found", "NCR " + number + " does not exist");
        if (!DISPOSITIONS.contains(decision)) {
            throw new Refusal(422, "invalid_disposition", "disposition '" + decision + "' is not one of " + String.join(", ", new java.util.TreeSet<>(DISPOSITIONS)));
        }
        if (ncr.has("disposition")) {
            throw new Refusal(409, "already_dispositioned", "NCR " + number + " was dispositioned " + ncr.get("disposition").asText() + " already");
        }
        ncr.put("status", "DISPOSITIONED").put("disposition", decision).put("dispositionedAt", now()).put("dispositionedBy", by);
        ObjectNode hook = Json.MAPPER.createObjectNode().put("id", "evt_" + UUID.randomUUID().toString().replace("-", ""))
                .put("type", "ncr.dispositioned").put("created_at", now());
        hook.putObject("data").set("ncr", ncr.deepCopy());
        sendWebhook("ncr.dispositioned", hook.toString());
        changed();
        return ncr.deepCopy();
    }

    /** A material's defect rate: failed over inspected among its inspections of the last 30 days (by inspection time). */
    private synchronized Response quality(Request r) {
        authorize(r);
        String material = r.group(1);
        java.time.Instant since = clock.instant().minus(Duration.ofDays(30));
        int inspected = 0, failed = 0;
        for (ObjectNode result : results.values()) {
            if (!result.path("material").asText().equals(material) || java.time.Instant.parse(result.path("at").asText()).isBefore(since)) continue;
            inspected++;
            if (result.path("result").asText().equals("FAIL")) failed++;
        }
        if (inspected == 0) throw new Refusal(404, "not_found", "material " + material + " has no inspections in the last 30 days");
        ObjectNode q = Json.MAPPER.createObjectNode().put("material", material).put("days", 30).put("inspected", inspected).put("failed", failed)
                .put("defectRate", Math.round(failed * 10_000.0 / inspected) / 10_000.0);
        return Response.json(200, Json.MAPPER.createObjectNode().set("data", q));
    }

    private ObjectNode capa(String id) {
        ObjectNode c = capas.get(id);
        if (c == null) throw new Refusal(404, "not_found", "CAPA " + id + " does not exist");
        return c;
    }

    private ObjectNode capaOfInspection(String inspection) {
        return capas.values().stream().filter(c -> c.path("inspection").asText().equals(inspection)).findFirst()
                .orElseThrow(() -> new Refusal(404, "not_found", "inspection " + inspection + " has no CAPA"));
    }

    private synchronized Response updateCapa(Request r, ObjectNode capa) {
        authorize(r);
        JsonNode body = r.json();
        if (body.hasNonNull("status")) {
            String from = capa.get("status").asText(), to = body.get("status").asText();
            if (!from.equals(to) && !CAPA_STEPS.getOrDefault(from, Set.of()).contains(to)) {
                throw new Refusal(422, "invalid_transition", "CAPA " + capa.get("id").asText() + " cannot go from " + from + " to " + to
                        + " (allowed: " + String.join(", ", CAPA_STEPS.getOrDefault(from, Set.of())) + ")");
            }
            capa.put("status", to);
        }
        for (String f : List.of("rootCause", "correctiveAction", "reference", "owner")) if (body.has(f)) capa.set(f, body.get(f));
        capa.put("updatedAt", now());
        return Response.json(200, Json.MAPPER.createObjectNode().set("data", capa));
    }

    private synchronized Response postSupplierCase(Request r) {
        authorize(r);
        JsonNode body = r.json();
        text(body, "supplier");
        String id = "SQC-" + (++nextCase);
        ObjectNode c = ((ObjectNode) body.deepCopy()).put("id", id).put("status", "OPEN").put("openedAt", now());
        supplierCases.put(id, c);
        return Response.json(201, Json.MAPPER.createObjectNode().set("data", c));
    }

    /** Queues a webhook (times the storm factor); each copy is retried with backoff until it is answered 2xx. */
    private void sendWebhook(String type, String body) {
        for (int i = 0; i < stormCopies.get(); i++) {
            webhooksPending.incrementAndGet();
            sender.execute(() -> attempt(type, body, 1));
        }
    }

    private void attempt(String type, String body, int attempt) {
        URI url = webhookUrl;
        boolean done = false;
        if (url != null) {
            try {
                webhooksSent.incrementAndGet();
                byte[] raw = body.getBytes(StandardCharsets.UTF_8);
                HttpResponse<Void> answer = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5))
                        .header("Content-Type", "application/json").header("X-QMS-Event", type)
                        .header("X-QMS-Delivery", UUID.randomUUID().toString()).header("X-Hub-Signature-256", "sha256=" + sign(raw))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(raw)).build(), HttpResponse.BodyHandlers.discarding());
                done = answer.statusCode() / 100 == 2;
            } catch (IOException e) {
                done = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (done) {
            webhooksAnswered.incrementAndGet();
            webhooksPending.decrementAndGet();
        } else if (attempt < 12) {
            sender.schedule(() -> attempt(type, body, attempt + 1), Math.min(30_000, 500L << Math.min(attempt, 6)), TimeUnit.MILLISECONDS);
        } else {
            webhooksPending.decrementAndGet(); // given up, as SaaS senders do after a while
        }
    }

    private String sign(byte[] raw) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(webhookSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(raw));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized ObjectNode state() {
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.putArray("inspections").addAll(results.values());
        s.putArray("ncrs").addAll(ncrs.values());
        s.putArray("capas").addAll(capas.values());
        s.putArray("supplierCases").addAll(supplierCases.values());
        s.putObject("counters").put("inspection", nextInspection).put("ncr", nextNcr).put("capa", nextCapa).put("supplierCase", nextCase);
        s.putObject("webhooks").put("sent", webhooksSent.get()).put("answered", webhooksAnswered.get()).put("pending", webhooksPending.get())
                .put("stormCopies", stormCopies.get());
        return s;
    }

    /** Inspections, NCRs, CAPAs and cases come back with their numbers; webhooks in flight when it stopped are not resent. */
    @Override
    protected synchronized void restore(ObjectNode s) {
        restoreInto(results, s.path("inspections"), "no");
        restoreInto(ncrs, s.path("ncrs"), "number");
        restoreInto(capas, s.path("capas"), "id");
        restoreInto(supplierCases, s.path("supplierCases"), "id");
        JsonNode c = s.path("counters");
        nextInspection = c.path("inspection").asLong(nextInspection);
        nextNcr = c.path("ncr").asLong(nextNcr);
        nextCapa = c.path("capa").asLong(nextCapa);
        nextCase = c.path("supplierCase").asLong(nextCase);
    }

    @Override
    protected Response error(int status, String code, String message) {
        ObjectNode e = Json.MAPPER.createObjectNode();
        e.putArray("errors").addObject().put("status", Integer.toString(status)).put("code", code).put("detail", message);
        return Response.json(status, e);
    }

    @Override
    public void close() {
        sender.shutdownNow();
        http.close();
        super.close();
    }
}
