package dev.millwright.simulate.eam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.event.Json;
import dev.millwright.simulate.SimServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An EAM in the shape of IBM Maximo's OSLC/JSON API under /maximo/oslc/os: work orders (mxwo: wonum, siteid,
 * assetnum, worktype CM/PM/EM, status WAPPR → APPR → INPRG → COMP → CLOSE, only along allowed changes), assets
 * with locations (mxasset), labour and material actuals. Calls carry an {@code apikey} header; {@code lean=1} JSON;
 * updates are POSTs with {@code x-method-override: PATCH}; a created record is in the answer only when the request
 * asks for {@code properties}. A simulated technician can work each corrective work order (approve, start, report
 * the asset's usual actuals, complete) after a repair time, and completions are exported as CSV batch files into a
 * folder every export period, as Maximo's scheduled exports do. Errors come as {"Error":{"reasonCode":"BMXAA…"}}.
 */
public final class MaximoEam extends SimServer {
    public static final String ROOT = "/maximo/oslc/os";
    private static final Set<String> WORK_TYPES = Set.of("CM", "PM", "EM");
    private static final Map<String, Set<String>> TRANSITIONS = Map.of(
            "WAPPR", Set.of("APPR", "CAN"), "APPR", Set.of("INPRG", "CAN", "WAPPR"), "INPRG", Set.of("COMP"),
            "COMP", Set.of("CLOSE"), "CLOSE", Set.of(), "CAN", Set.of());

    /** An asset and what a repair of it usually takes: labour and spare parts. */
    public record Asset(String assetnum, String siteid, String location, String description, double laborHours, String craft,
                        List<Part> parts, String failureCode, String causeCode, String remedyCode) {
    }

    public record Part(String itemnum, double quantity, String issueunit, String storeloc) {
    }

    private final String apiKey;
    private final Clock clock;
    private final Map<String, Asset> assets = new LinkedHashMap<>();
    private final Map<String, ObjectNode> workOrders = new LinkedHashMap<>();
    private final List<ObjectNode> toExport = new ArrayList<>();
    private final List<String> exported = new ArrayList<>();
    private final ScheduledExecutorService technician = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("sim-eam-technician").factory());
    private long nextWonum = 1000, nextId = 5000;
    private volatile Duration repairTime;

    /**
     * @param exportDir where completions are written as CSV batch files (null: no export)
     * @param exportEvery how often a batch file is written (Maximo: hourly; the demo: seconds)
     */
    public MaximoEam(int port, String apiKey, Clock clock, Path exportDir, Duration exportEvery) throws IOException {
        super("eam", port);
        this.apiKey = apiKey;
        this.clock = clock;
        route("POST", ROOT + "/mxwo", this::createWorkOrder);
        route("GET", ROOT + "/mxwo", this::queryWorkOrders);
        route("GET", ROOT + "/mxwo/([A-Za-z0-9_-]+)", r -> Response.json(200, lean(workOrder(r.group(1)))));
        route("PATCH", ROOT + "/mxwo/([A-Za-z0-9_-]+)", this::updateWorkOrder);
        route("GET", ROOT + "/mxasset", this::queryAssets);
        route("GET", ROOT + "/mxsparepart", this::querySpareParts);
        if (exportDir != null) {
            Files.createDirectories(exportDir);
            technician.scheduleAtFixedRate(() -> export(exportDir), exportEvery.toMillis(), exportEvery.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    public synchronized MaximoEam asset(Asset a) {
        assets.put(a.assetnum(), a);
        return this;
    }

    /** A technician works every new corrective work order after this long (null: work orders wait for someone to move them). */
    public MaximoEam repairTime(Duration d) {
        this.repairTime = d;
        return this;
    }

    @Override
    protected String effectiveMethod(Request r) {
        String override = r.header("x-method-override");
        return r.method().equals("POST") && override != null ? override.toUpperCase(java.util.Locale.ROOT) : r.method();
    }

    private void authorize(Request r) {
        if (!apiKey.equals(r.header("apikey"))) {
            throw new Refusal(401, "BMXAA7901E", "You cannot log in at this time. Contact the system administrator.");
        }
    }

    private static String restId(String siteid, String wonum) {
        return "_" + Base64.getUrlEncoder().withoutPadding().encodeToString((siteid + "/" + wonum).getBytes(StandardCharsets.UTF_8));
    }

    private ObjectNode lean(ObjectNode wo) {
        ObjectNode out = wo.deepCopy();
        out.put("href", baseUrl() + ROOT + "/mxwo/" + restId(wo.get("siteid").asText(), wo.get("wonum").asText()));
        return out;
    }

    private synchronized ObjectNode workOrder(String restId) {
        ObjectNode wo = workOrders.get(restId);
        if (wo == null) throw new Refusal(404, "BMXAA8727E", "The OSLC resource " + restId + " was not found.");
        return wo;
    }

    private Response createWorkOrder(Request r) {
        authorize(r);
        JsonNode body = r.json();
        String assetnum = body.path("assetnum").asText("");
        ObjectNode created;
        synchronized (this) {
            Asset asset = assets.get(assetnum);
            if (asset == null) {
                throw new Refusal(400, "BMXAA4153E", "Asset " + assetnum + " is not a valid asset, or its status is not an operating status.");
            }
            String siteid = body.path("siteid").asText(asset.siteid());
            if (!siteid.equals(asset.siteid())) {
                throw new Refusal(400, "BMXAA4153E", "Asset " + assetnum + " is not a valid asset at site " + siteid + ".");
            }
            String worktype = body.path("worktype").asText("CM");
            if (!WORK_TYPES.contains(worktype)) {
                throw new Refusal(400, "BMXAA4195E", "The value " + worktype + " for WORKTYPE is not valid (CM, PM, EM).");
            }
            String wonum = Long.toString(++nextWonum);
            created = Json.MAPPER.createObjectNode().put("wonum", wonum).put("workorderid", ++nextId).put("siteid", siteid)
                    .put("assetnum", assetnum).put("location", asset.location()).put("worktype", worktype)
                    .put("description", body.path("description").asText("")).put("status", "WAPPR")
                    .put("wopriority", body.path("wopriority").asInt(3)).put("reportdate", now());
            created.putArray("labtrans");
            created.putArray("matusetrans");
            workOrders.put(restId(siteid, wonum), created);
        }
        Duration repair = repairTime;
        if (repair != null && !"PM".equals(created.get("worktype").asText())) {
            technician.schedule(() -> work(restId(created.get("siteid").asText(), created.get("wonum").asText())), repair.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        String location = baseUrl() + ROOT + "/mxwo/" + restId(created.get("siteid").asText(), created.get("wonum").asText());
        // Maximo answers a create with the record only when asked for properties.
        Response answer = r.header("properties") != null ? Response.json(201, lean(created)) : new Response(201, Map.of(), "");
        return answer.with("Location", location);
    }

    private String now() {
        return timestamp(clock);
    }

    private synchronized Response updateWorkOrder(Request r) {
        authorize(r);
        ObjectNode wo = workOrder(r.group(1));
        JsonNode body = r.json();
        if (body.hasNonNull("status")) changeStatus(wo, body.get("status").asText());
        for (String field : List.of("description", "wopriority", "failurecode", "problemcode")) {
            if (body.has(field)) wo.set(field, body.get(field));
        }
        if (body.has("labtrans")) body.get("labtrans").forEach(l -> ((ArrayNode) wo.get("labtrans")).add(l));
        if (body.has("matusetrans")) body.get("matusetrans").forEach(m -> ((ArrayNode) wo.get("matusetrans")).add(m));
        return r.header("properties") != null ? Response.json(200, lean(wo)) : new Response(204, Map.of(), "");
    }

    private void changeStatus(ObjectNode wo, String to) {
        String from = wo.get("status").asText();
        if (from.equals(to)) return;
        if (!TRANSITIONS.getOrDefault(from, Set.of()).contains(to)) {
            throw new Refusal(400, "BMXAA4590E", "Work order " + wo.get("wonum").asText() + ": the status cannot be changed from "
                    + from + " to " + to + ".");
        }
        wo.put("status", to).put("statusdate", now());
        if (to.equals("COMP")) {
            wo.put("actfinish", now());
            toExport.add(wo.deepCopy());
        }
    }

    /** The simulated technician: approve, start, report the asset's usual actuals, complete. */
    private synchronized void work(String restId) {
        ObjectNode wo = workOrders.get(restId);
        if (wo == null || !wo.get("status").asText().equals("WAPPR") && !wo.get("status").asText().equals("APPR")) return;
        Asset asset = assets.get(wo.get("assetnum").asText());
        if (wo.get("status").asText().equals("WAPPR")) changeStatus(wo, "APPR");
        changeStatus(wo, "INPRG");
        ((ArrayNode) wo.get("labtrans")).addObject().put("craft", asset.craft()).put("regularhrs", asset.laborHours());
        for (Part p : asset.parts()) {
            ((ArrayNode) wo.get("matusetrans")).addObject().put("itemnum", p.itemnum()).put("quantity", p.quantity())
                    .put("issueunit", p.issueunit()).put("storeloc", p.storeloc());
        }
        wo.put("failurecode", asset.failureCode()).put("causecode", asset.causeCode()).put("remedycode", asset.remedyCode());
        changeStatus(wo, "COMP");
        changed();
    }

    /** Writes the completions since the last export as one CSV file (one row per labour or material line), as Maximo's export does. */
    private void export(Path dir) {
        List<ObjectNode> batch;
        synchronized (this) {
            if (toExport.isEmpty()) return;
            batch = new ArrayList<>(toExport);
            toExport.clear();
        }
        StringBuilder csv = new StringBuilder("wonum,siteid,assetnum,actfinish,linetype,craft,regularhrs,itemnum,quantity,issueunit,storeloc,failurecode,causecode,remedycode,worktype\n");
        for (ObjectNode wo : batch) {
            String head = String.join(",", wo.get("wonum").asText(), wo.get("siteid").asText(), wo.get("assetnum").asText(), wo.get("actfinish").asText());
            String tail = String.join(",", wo.path("failurecode").asText(""), wo.path("causecode").asText(""), wo.path("remedycode").asText(""),
                    wo.path("worktype").asText(""));
            if (wo.get("labtrans").isEmpty() && wo.get("matusetrans").isEmpty()) {
                csv.append(head).append(",,,,,,,,").append(tail).append('\n'); // completed without actuals: still reported
            }
            for (JsonNode l : wo.get("labtrans")) {
                csv.append(head).append(",LABOR,").append(l.path("craft").asText()).append(',').append(l.path("regularhrs").asText()).append(",,,,,")
                        .append(tail).append('\n');
            }
            for (JsonNode m : wo.get("matusetrans")) {
                csv.append(head).append(",MATERIAL,,,").append(m.path("itemnum").asText()).append(',').append(m.path("quantity").asText()).append(',')
                        .append(m.path("issueunit").asText()).append(',').append(m.path("storeloc").asText()).append(',').append(tail).append('\n');
            }
        }
        String name = "WOCOMP_" + OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC).format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss_SSS")) + ".csv";
        try {
            // Written under a temporary name and renamed, so a reader never sees half a file.
            Path tmp = dir.resolve("." + name + ".part");
            Files.writeString(tmp, csv);
            Files.move(tmp, dir.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            synchronized (this) {
                exported.add(name);
            }
            changed();
        } catch (IOException e) {
            System.err.println("eam simulator could not export completions to " + dir + ": " + e.getMessage());
            synchronized (this) {
                toExport.addAll(0, batch);
            }
        }
    }

    private synchronized Response queryWorkOrders(Request r) {
        authorize(r);
        String where = r.query().getOrDefault("oslc.where", "");
        ArrayNode member = Json.MAPPER.createArrayNode();
        for (ObjectNode wo : workOrders.values()) {
            if (matches(wo, where)) member.add(lean(wo));
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("member", member);
        out.putObject("responseInfo").put("totalCount", member.size());
        return Response.json(200, out);
    }

    /** oslc.where as Maximo takes it in the simple case: field="value" and field="value". */
    private static boolean matches(ObjectNode record, String where) {
        if (where.isBlank()) return true;
        for (String clause : where.split("\\s+and\\s+")) {
            String[] kv = clause.split("=", 2);
            if (kv.length != 2) throw new Refusal(400, "BMXAA7773E", "The oslc.where clause " + clause + " is not valid.");
            String value = kv[1].trim().replaceAll("^\"|\"$", "");
            if (!record.path(kv[0].trim()).asText().equals(value)) return false;
        }
        return true;
    }

    private synchronized Response queryAssets(Request r) {
        authorize(r);
        ArrayNode member = Json.MAPPER.createArrayNode();
        assets.values().forEach(a -> member.addObject().put("assetnum", a.assetnum()).put("siteid", a.siteid()).put("location", a.location())
                .put("description", a.description()).put("status", "OPERATING"));
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("member", member);
        return Response.json(200, out);
    }

    /** The spare parts an asset's repairs use (Maximo's SPAREPART), for oslc.where=assetnum="…". */
    private synchronized Response querySpareParts(Request r) {
        authorize(r);
        String where = r.query().getOrDefault("oslc.where", "");
        ArrayNode member = Json.MAPPER.createArrayNode();
        for (Asset a : assets.values()) {
            ObjectNode probe = Json.MAPPER.createObjectNode().put("assetnum", a.assetnum()).put("siteid", a.siteid());
            if (!matches(probe, where)) continue;
            a.parts().forEach(p -> member.addObject().put("assetnum", a.assetnum()).put("siteid", a.siteid()).put("itemnum", p.itemnum())
                    .put("quantity", p.quantity()).put("issueunit", p.issueunit()).put("storeloc", p.storeloc()));
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("member", member);
        return Response.json(200, out);
    }

    @Override
    public synchronized ObjectNode state() {
        ObjectNode s = Json.MAPPER.createObjectNode();
        ArrayNode wos = s.putArray("workOrders");
        workOrders.values().forEach(wo -> wos.add(lean(wo)));
        s.putArray("exportedFiles").addAll(exported.stream().map(Json.MAPPER.getNodeFactory()::textNode).toList());
        s.putArray("toExport").addAll(toExport);
        s.putObject("counters").put("wonum", nextWonum).put("workorderid", nextId);
        return s;
    }

    @Override
    protected synchronized void restore(ObjectNode s) {
        workOrders.clear();
        for (JsonNode wo : s.path("workOrders")) {
            ObjectNode copy = (ObjectNode) wo.deepCopy();
            copy.remove("href"); // made from the base URL at each answer
            workOrders.put(restId(copy.path("siteid").asText(), copy.path("wonum").asText()), copy);
        }
        exported.clear();
        s.path("exportedFiles").forEach(f -> exported.add(f.asText()));
        toExport.clear();
        s.path("toExport").forEach(wo -> toExport.add((ObjectNode) wo.deepCopy()));
        nextWonum = s.path("counters").path("wonum").asLong(nextWonum);
        nextId = s.path("counters").path("workorderid").asLong(nextId);
    }

    @Override
    protected Response error(int status, String code, String message) {
        String reason = code.startsWith("BMXAA") ? code : switch (status) {
            case 404 -> "BMXAA8727E";
            case 429 -> "BMXAA9549E";
            default -> "BMXAA4214E";
        };
        ObjectNode e = Json.MAPPER.createObjectNode();
        e.putObject("Error").put("reasonCode", reason).put("message", reason + " - " + message).put("statusCode", Integer.toString(status));
        return Response.json(status, e);
    }

    @Override
    public void close() {
        technician.shutdownNow();
        super.close();
    }
}
