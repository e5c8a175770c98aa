package dev.millwright.simulate.erp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.outbound.http.odata.ODataBatch;
import dev.millwright.event.Json;
import dev.millwright.simulate.SimServer;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An ERP in the shape of SAP S/4HANA's OData V2 APIs under /sap/opu/odata/sap: material documents (goods movements
 * 101, 201, 261, 343, 344, 551) that change stock and never let it go negative, batches with a restricted status,
 * reservations, quality notifications, purchase requisitions and activity allocations with document numbers. Calls
 * need an OAuth2 client-credentials token, and writes the CSRF token and session cookie a GET with
 * {@code x-csrf-token: Fetch} hands out. Errors come in SAP's shape: {"error":{"code":"M7/021","message":{"value":…}}}.
 */
public final class SapErp extends SimServer {
    public static final String ROOT = "/sap/opu/odata/sap";
    private static final String SESSION_COOKIE = "SAP_SESSIONID_S4H_100";

    /** Stock of one material in one storage location (and batch, "" when not batch-managed). */
    public record StockKey(String material, String plant, String storageLocation, String batch) {
    }

    private static final class Stock {
        BigDecimal unrestricted = BigDecimal.ZERO;
        BigDecimal blocked = BigDecimal.ZERO;
    }

    private final String clientId;
    private final String clientSecret;
    private final Clock clock;
    private final Map<String, String> units = new LinkedHashMap<>();
    private final Map<StockKey, Stock> stock = new LinkedHashMap<>();
    private final Map<String, Boolean> restrictedBatches = new LinkedHashMap<>();
    private final List<ObjectNode> batchHistory = new ArrayList<>();
    private final Map<String, ObjectNode> documents = new LinkedHashMap<>();
    private final Map<String, ObjectNode> reservations = new LinkedHashMap<>();
    private final Map<String, ObjectNode> notifications = new LinkedHashMap<>();
    private final Map<String, ObjectNode> requisitions = new LinkedHashMap<>();
    private final Map<String, ObjectNode> allocations = new LinkedHashMap<>();
    private final Map<String, BigDecimal> activityRates = Map.of("LABOR", new BigDecimal("85.00"), "MACHINE", new BigDecimal("120.00"));
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final Map<String, String> csrfBySession = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger csrfRefusals = new java.util.concurrent.atomic.AtomicInteger();
    private long nextDocument = 4900000000L, nextReservation = 1000, nextNotification = 200000000L, nextRequisition = 10000000L,
            nextAccounting = 100000000L;

    public SapErp(int port, String clientId, String clientSecret, Clock clock) throws IOException {
        super("erp", port);
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.clock = clock;
        route("POST", "/sap/bc/sec/oauth2/token", this::token);
        String svc = ROOT.replace("/", "\\/");
        route("GET", svc + "/[A-Z_]+_SRV/?", this::serviceRoot);
        route("POST", svc + "/API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader", this::postMaterialDocument);
        route("GET", svc + "/API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader\\(MaterialDocument='([^']*)',MaterialDocumentYear='([^']*)'\\)",
                this::getMaterialDocument);
        route("GET", svc + "/API_MATERIAL_STOCK_SRV/A_MaterialStock\\('([^']*)'\\)/to_MatlStkInAcctMod", this::getStock);
        route("GET", svc + "/API_BATCH_SRV/Batch\\(Material='([^']*)',BatchIdentifyingPlant='[^']*',Batch='([^']*)'\\)", this::getBatch);
        route("PATCH", svc + "/API_BATCH_SRV/Batch\\(Material='([^']*)',BatchIdentifyingPlant='[^']*',Batch='([^']*)'\\)", this::patchBatch);
        route("POST", svc + "/API_RESERVATION_DOCUMENT_SRV/A_ReservationDocumentHeader", this::postReservation);
        route("POST", svc + "/API_QUALITYNOTIFICATION_SRV/QualityNotification", r -> created(notifications, "QualityNotification",
                Long.toString(++nextNotification), r.json(), "API_QUALITYNOTIFICATION_SRV/QualityNotification('%s')"));
        route("POST", svc + "/API_PURCHASEREQ_PROCESS_SRV/A_PurchaseRequisitionHeader", this::postRequisition);
        route("POST", svc + "/API_ACTIVITY_ALLOCATION_SRV/A_ActivityAllocation", this::postAllocation);
        route("POST", svc + "/([A-Z_]+_SRV)/\\$batch", this::batch);
    }

    /** Master data and stock the demo plant starts with. */
    public synchronized SapErp material(String material, String unit) {
        units.put(material, unit);
        return this;
    }

    public synchronized SapErp stock(String material, String plant, String storageLocation, String batch, BigDecimal unrestricted) {
        stock.computeIfAbsent(new StockKey(material, plant, storageLocation, batch == null ? "" : batch), k -> new Stock()).unrestricted = unrestricted;
        return this;
    }

    /** Unrestricted and blocked quantity of a material in a location (all batches), for checks. */
    public synchronized BigDecimal[] quantity(String material, String plant, String storageLocation) {
        BigDecimal u = BigDecimal.ZERO, b = BigDecimal.ZERO;
        for (var e : stock.entrySet()) {
            StockKey k = e.getKey();
            if (k.material().equals(material) && k.plant().equals(plant) && k.storageLocation().equals(storageLocation)) {
                u = u.add(e.getValue().unrestricted);
                b = b.add(e.getValue().blocked);
            }
        }
        return new BigDecimal[]{u, b};
    }

    /** Drops every CSRF session, as a Gateway restart does: the next write with an old token is refused. */
    public void expireSessions() {
        csrfBySession.clear();
    }

    @Override
    protected String effectiveMethod(Request r) {
        String override = r.header("x-http-method");
        return r.method().equals("POST") && override != null && (override.equalsIgnoreCase("MERGE") || override.equalsIgnoreCase("PATCH"))
                ? "PATCH" : r.method();
    }

    private Response token(Request r) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String part : r.text().split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0) form.put(java.net.URLDecoder.decode(part.substring(0, eq), java.nio.charset.StandardCharsets.UTF_8),
                    java.net.URLDecoder.decode(part.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8));
        }
        String id = form.get("client_id"), secret = form.get("client_secret");
        String basic = r.header("Authorization");
        if (basic != null && basic.startsWith("Basic ")) {
            String[] pair = new String(java.util.Base64.getDecoder().decode(basic.substring(6)), java.nio.charset.StandardCharsets.UTF_8).split(":", 2);
            id = pair[0];
            secret = pair.length > 1 ? pair[1] : "";
        }
        if (!"client_credentials".equals(form.get("grant_type"))) {
            return Response.json(400, Json.MAPPER.createObjectNode().put("error", "unsupported_grant_type"));
        }
        if (!clientId.equals(id) || !clientSecret.equals(secret)) {
            return Response.json(401, Json.MAPPER.createObjectNode().put("error", "invalid_client")
                    .put("error_description", "Bad client credentials"));
        }
        String token = UUID.randomUUID().toString();
        tokens.put(token, id);
        return Response.json(200, Json.MAPPER.createObjectNode().put("access_token", token).put("token_type", "bearer").put("expires_in", 3600));
    }

    /** Every OData call: a valid bearer token; writes also the CSRF token of their session. */
    private void authorize(Request r, boolean write) {
        String auth = r.header("Authorization");
        if (auth == null || !auth.startsWith("Bearer ") || !tokens.containsKey(auth.substring(7).trim())) {
            throw new Refusal(401, "/IWFND/CM_CONSUMER/101", "Authorization required: no valid OAuth2 token");
        }
        if (!write) return;
        String session = cookie(r.header("Cookie"));
        String given = r.header("x-csrf-token");
        if (session == null || given == null || !given.equals(csrfBySession.get(session))) {
            csrfRefusals.incrementAndGet();
            throw new Refusal(403, "csrf", "CSRF token validation failed");
        }
    }

    private static String cookie(String header) {
        if (header == null) return null;
        for (String part : header.split(";")) {
            String p = part.trim();
            if (p.startsWith(SESSION_COOKIE + "=")) return p.substring(SESSION_COOKIE.length() + 1);
        }
        return null;
    }

    private Response serviceRoot(Request r) {
        authorize(r, false);
        Response answer = Response.json(200, Json.MAPPER.createObjectNode().set("d", Json.MAPPER.createObjectNode()
                .set("EntitySets", Json.MAPPER.createArrayNode())));
        if ("fetch".equalsIgnoreCase(r.header("x-csrf-token"))) {
            String session = UUID.randomUUID().toString().replace("-", "");
            String token = UUID.randomUUID().toString().replace("-", "").substring(0, 24);
            csrfBySession.put(session, token);
            answer = answer.with("x-csrf-token", token).with("Set-Cookie", SESSION_COOKIE + "=" + session + "; path=/; HttpOnly");
        }
        return answer;
    }

    private static List<JsonNode> items(JsonNode body, String navigation) {
        JsonNode nav = body.path(navigation);
        JsonNode list = nav.isArray() ? nav : nav.path("results");
        List<JsonNode> out = new ArrayList<>();
        list.forEach(out::add);
        if (out.isEmpty()) throw new Refusal(400, "BAPI/001", "Enter at least one item in " + navigation);
        return out;
    }

    private synchronized Response postMaterialDocument(Request r) {
        authorize(r, true);
        JsonNode body = r.json();
        List<JsonNode> items = items(body, "to_MaterialDocumentItem");
        // Every item is checked against the stock as it would be after the items before it; nothing changes unless all pass.
        Map<StockKey, BigDecimal[]> after = new LinkedHashMap<>();
        for (JsonNode item : items) {
            String type = text(item, "GoodsMovementType");
            String material = text(item, "Material");
            String plant = text(item, "Plant");
            String sloc = text(item, "StorageLocation");
            String batch = item.path("Batch").asText("");
            BigDecimal qty = decimal(item, "QuantityInEntryUnit");
            if (!units.containsKey(material)) throw new Refusal(400, "M3/305", "Material " + material + " not maintained in plant " + plant);
            if (qty.signum() <= 0) throw new Refusal(400, "M7/018", "Enter a quantity greater than zero");
            String unit = item.path("EntryUnit").asText(units.get(material));
            if (!unit.equals(units.get(material))) {
                throw new Refusal(400, "M7/031", "Unit " + unit + " is not defined for material " + material + " (base unit " + units.get(material) + ")");
            }
            checkReservation(item, type);
            StockKey key = new StockKey(material, plant, sloc, batch);
            BigDecimal[] q = after.computeIfAbsent(key, k -> {
                Stock s = stock.get(k);
                return s == null ? new BigDecimal[]{BigDecimal.ZERO, BigDecimal.ZERO} : new BigDecimal[]{s.unrestricted, s.blocked};
            });
            switch (type) {
                case "261", "201", "551" -> {
                    if (type.equals("261") && item.path("OrderID").asText("").isBlank()) {
                        throw new Refusal(400, "M7/146", "Enter an order (OrderID) for movement type 261");
                    }
                    if (!type.equals("261") && item.path("CostCenter").asText("").isBlank()) {
                        throw new Refusal(400, "M7/146", "Enter a cost center (CostCenter) for movement type " + type);
                    }
                    if (!batch.isEmpty() && restrictedBatches.getOrDefault(material + "/" + batch, false)) {
                        throw new Refusal(400, "M7/183", "Batch " + batch + " of material " + material + " has status restricted");
                    }
                    q[0] = take(q[0], qty, "Unrestricted-use", material, plant, sloc, batch, unit);
                }
                case "344" -> {
                    q[0] = take(q[0], qty, "Unrestricted-use", material, plant, sloc, batch, unit);
                    q[1] = q[1].add(qty);
                }
                case "343" -> {
                    q[1] = take(q[1], qty, "Blocked stock", material, plant, sloc, batch, unit);
                    q[0] = q[0].add(qty);
                }
                case "101" -> q[0] = q[0].add(qty);
                default -> throw new Refusal(400, "M7/081", "Movement type " + type + " is not allowed (use 101, 201, 261, 343, 344 or 551)");
            }
        }
        after.forEach((k, q) -> {
            Stock s = stock.computeIfAbsent(k, x -> new Stock());
            s.unrestricted = q[0];
            s.blocked = q[1];
        });
        for (JsonNode item : items) {
            if (item.hasNonNull("Reservation")) {
                ObjectNode res = reservations.get(item.get("Reservation").asText());
                res.put("WithdrawnQuantity", new BigDecimal(res.path("WithdrawnQuantity").asText("0")).add(decimal(item, "QuantityInEntryUnit")).toPlainString());
            }
        }
        String number = Long.toString(++nextDocument);
        String year = Integer.toString(LocalDate.now(clock).getYear());
        ObjectNode doc = Json.MAPPER.createObjectNode().put("MaterialDocument", number).put("MaterialDocumentYear", year)
                .put("PostingDate", LocalDate.now(clock).toString()).put("GoodsMovementCode", body.path("GoodsMovementCode").asText(""))
                .put("MaterialDocumentHeaderText", body.path("MaterialDocumentHeaderText").asText(""));
        ArrayNode results = doc.putObject("to_MaterialDocumentItem").putArray("results");
        int n = 0;
        for (JsonNode item : items) {
            ObjectNode copy = ((ObjectNode) item.deepCopy()).put("MaterialDocument", number).put("MaterialDocumentYear", year)
                    .put("MaterialDocumentItem", Integer.toString(++n));
            results.add(copy);
        }
        documents.put(number + "/" + year, doc);
        return Response.json(201, Json.MAPPER.createObjectNode().set("d", doc)).with("Location",
                baseUrl() + ROOT + "/API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader(MaterialDocument='" + number + "',MaterialDocumentYear='" + year + "')");
    }

    private static BigDecimal take(BigDecimal have, BigDecimal qty, String stockType, String material, String plant, String sloc,
                                   String batch, String unit) {
        BigDecimal left = have.subtract(qty);
        if (left.signum() < 0) {
            throw new Refusal(400, "M7/021", "Deficit of " + (batch.isEmpty() ? "SL" : "BA") + " " + stockType + " "
                    + left.negate().stripTrailingZeros().toPlainString() + " " + unit + " : " + material + " " + plant + " " + sloc
                    + (batch.isEmpty() ? "" : " " + batch));
        }
        return left;
    }

    private void checkReservation(JsonNode item, String type) {
        if (!item.hasNonNull("Reservation")) return;
        String id = item.get("Reservation").asText();
        ObjectNode res = reservations.get(id);
        if (res == null) throw new Refusal(400, "M7/063", "Reservation " + id + " does not exist");
        String reserved = res.path("GoodsMovementType").asText();
        if (!reserved.equals(type)) {
            throw new Refusal(400, "M7/445", "Movement type " + type + " does not agree with reservation " + id + " (movement type " + reserved + ")");
        }
    }

    private synchronized Response getMaterialDocument(Request r) {
        authorize(r, false);
        ObjectNode doc = documents.get(r.group(1) + "/" + r.group(2));
        if (doc == null) throw new Refusal(404, "M7/055", "Material document " + r.group(1) + " " + r.group(2) + " does not exist");
        return Response.json(200, Json.MAPPER.createObjectNode().set("d", doc));
    }

    private synchronized Response getStock(Request r) {
        authorize(r, false);
        String material = r.group(1);
        if (!units.containsKey(material)) throw new Refusal(404, "M3/305", "Material " + material + " does not exist");
        ArrayNode results = Json.MAPPER.createArrayNode();
        stock.forEach((k, s) -> {
            if (!k.material().equals(material)) return;
            results.addObject().put("Material", material).put("Plant", k.plant()).put("StorageLocation", k.storageLocation())
                    .put("Batch", k.batch()).put("InventoryStockType", "01").put("MatlWrhsStkQtyInMatlBaseUnit", s.unrestricted.toPlainString())
                    .put("MaterialBaseUnit", units.get(material));
            if (s.blocked.signum() > 0) {
                results.addObject().put("Material", material).put("Plant", k.plant()).put("StorageLocation", k.storageLocation())
                        .put("Batch", k.batch()).put("InventoryStockType", "07").put("MatlWrhsStkQtyInMatlBaseUnit", s.blocked.toPlainString())
                        .put("MaterialBaseUnit", units.get(material));
            }
        });
        ObjectNode d = Json.MAPPER.createObjectNode();
        d.putObject("d").set("results", results);
        return Response.json(200, d);
    }

    private ObjectNode batch(String material, String batch) {
        boolean known = stock.keySet().stream().anyMatch(k -> k.material().equals(material) && k.batch().equals(batch));
        if (!known) throw new Refusal(404, "M7/151", "Batch " + batch + " of material " + material + " does not exist");
        return Json.MAPPER.createObjectNode().put("Material", material).put("Batch", batch)
                .put("BatchIsMarkedForDeletion", false).put("BatchRestrictedStatus", restrictedBatches.getOrDefault(material + "/" + batch, false));
    }

    private synchronized Response getBatch(Request r) {
        authorize(r, false);
        return Response.json(200, Json.MAPPER.createObjectNode().set("d", batch(r.group(1), r.group(2))));
    }

    private synchronized Response patchBatch(Request r) {
        authorize(r, true);
        batch(r.group(1), r.group(2));
        JsonNode body = r.json();
        if (!body.has("BatchRestrictedStatus") || !body.get("BatchRestrictedStatus").isBoolean()) {
            throw new Refusal(400, "/IWBEP/CM_MGW_RT/020", "Property BatchRestrictedStatus (true or false) is missing");
        }
        restrictedBatches.put(r.group(1) + "/" + r.group(2), body.get("BatchRestrictedStatus").asBoolean());
        batchHistory.add(Json.MAPPER.createObjectNode().put("Material", r.group(1)).put("Batch", r.group(2))
                .put("BatchRestrictedStatus", body.get("BatchRestrictedStatus").asBoolean()).put("ChangedAt", java.time.Instant.now(clock).toString()));
        return new Response(204, Map.of(), "");
    }

    private synchronized Response postReservation(Request r) {
        authorize(r, true);
        JsonNode body = r.json();
        String type = text(body, "GoodsMovementType");
        if (!type.equals("261") && !type.equals("201")) {
            throw new Refusal(400, "M7/081", "Movement type " + type + " is not allowed for reservations (use 261 or 201)");
        }
        if (type.equals("261") && body.path("OrderID").asText("").isBlank()) throw new Refusal(400, "M7/146", "Enter an order (OrderID)");
        List<JsonNode> items = items(body, "to_ResvnDocItem");
        for (JsonNode item : items) {
            String material = text(item, "Product");
            if (!units.containsKey(material)) throw new Refusal(400, "M3/305", "Material " + material + " not maintained in plant " + text(item, "Plant"));
            decimal(item, "ResvnItmRequiredQtyInEntryUnit");
        }
        String id = String.format("%010d", ++nextReservation);
        ObjectNode res = ((ObjectNode) body.deepCopy()).put("Reservation", id).put("WithdrawnQuantity", "0");
        reservations.put(id, res);
        return Response.json(201, Json.MAPPER.createObjectNode().set("d", res));
    }

    private synchronized Response postRequisition(Request r) {
        authorize(r, true);
        JsonNode body = r.json();
        for (JsonNode item : items(body, "to_PurchaseReqnItem")) {
            String material = text(item, "Material");
            if (!units.containsKey(material)) throw new Refusal(400, "ME/062", "Material " + material + " does not exist");
            if (decimal(item, "RequestedQuantity").signum() <= 0) throw new Refusal(400, "ME/083", "Enter a quantity greater than zero");
        }
        return created(requisitions, "PurchaseRequisition", String.format("%010d", ++nextRequisition), body,
                "API_PURCHASEREQ_PROCESS_SRV/A_PurchaseRequisitionHeader('%s')");
    }

    private synchronized Response postAllocation(Request r) {
        authorize(r, true);
        JsonNode body = r.json();
        String activity = text(body, "ActivityType");
        BigDecimal rate = activityRates.get(activity);
        if (rate == null) throw new Refusal(400, "KI/235", "Activity type " + activity + " does not exist (LABOR, MACHINE)");
        text(body, "SenderCostCenter");
        if (body.path("ReceiverOrder").asText("").isBlank() && body.path("ReceiverCostCenter").asText("").isBlank()) {
            throw new Refusal(400, "KI/100", "Enter a receiver: ReceiverOrder or ReceiverCostCenter");
        }
        BigDecimal qty = decimal(body, "Quantity");
        ObjectNode doc = ((ObjectNode) body.deepCopy()).put("Amount", qty.multiply(rate).setScale(2, java.math.RoundingMode.HALF_UP).toPlainString())
                .put("Currency", "EUR").put("FiscalYear", Integer.toString(LocalDate.now(clock).getYear()));
        return created(allocations, "AccountingDocument", String.format("%010d", ++nextAccounting), doc,
                "API_ACTIVITY_ALLOCATION_SRV/A_ActivityAllocation('%s')");
    }

    private synchronized Response created(Map<String, ObjectNode> into, String keyField, String number, JsonNode body, String location) {
        ObjectNode doc = ((ObjectNode) body.deepCopy()).put(keyField, number);
        into.put(number, doc);
        return Response.json(201, Json.MAPPER.createObjectNode().set("d", doc)).with("Location", baseUrl() + ROOT + "/" + location.formatted(number));
    }

    /**
     * OData $batch: each part is run as if it came alone, with the batch's credentials and CSRF token (and its own
     * Idempotency-Key, unless it shares a changeset); the requests of a changeset succeed or fail together (the first failure undoes the ones before it and is the changeset's one answer).
     */
    private Response batch(Request r) {
        authorize(r, true);
        String service = r.group(1);
        List<ODataBatch.Entry> entries;
        try {
            entries = ODataBatch.parse(r.header("Content-Type"), r.text());
        } catch (IllegalArgumentException e) {
            throw new Refusal(400, "/IWFND/CM_BEC/026", "the batch request is malformed: " + e.getMessage());
        }
        Map<String, String> session = new LinkedHashMap<>();
        for (String h : List.of("Authorization", "x-csrf-token", "Cookie")) if (r.header(h) != null) session.put(h, r.header(h));
        List<List<ODataBatch.Answer>> answers = new ArrayList<>();
        List<Boolean> changesets = new ArrayList<>();
        synchronized (this) {
            for (ODataBatch.Entry entry : entries) {
                changesets.add(entry.changeset() != null);
                if (entry.changeset() == null) {
                    answers.add(List.of(run(service, entry.request(), session, true)));
                    continue;
                }
                Snapshot before = snapshot();
                List<ODataBatch.Answer> done = new ArrayList<>();
                for (ODataBatch.Part part : entry.changeset()) {
                    ODataBatch.Answer a = run(service, part, session, entry.changeset().size() == 1);
                    if (a.status() >= 300) {
                        restore(before);
                        done = List.of(a);
                        break;
                    }
                    done.add(a);
                }
                answers.add(done);
            }
        }
        String boundary = "batchresponse_" + UUID.randomUUID();
        return new Response(202, Map.of("Content-Type", "multipart/mixed; boundary=" + boundary), ODataBatch.answer(boundary, answers, changesets));
    }

    /** One request of a batch; a request alone (or alone in its changeset) is replayed under its own Idempotency-Key. */
    private ODataBatch.Answer run(String service, ODataBatch.Part part, Map<String, String> session, boolean idempotent) {
        Map<String, String> headers = new LinkedHashMap<>(session);
        headers.putAll(part.headers());
        Response a = inner(part.method(), ROOT + "/" + service + "/" + part.path(), headers, part.body().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                idempotent);
        return new ODataBatch.Answer(a.status(), a.headers().getOrDefault("Content-Type", "application/json"), a.body());
    }

    /** Everything a changeset may change, to undo it when a later request of the changeset fails. */
    private record Snapshot(Map<StockKey, BigDecimal[]> stock, Map<String, Boolean> restricted, int history, Map<String, ObjectNode> documents,
                            Map<String, ObjectNode> reservations, Map<String, ObjectNode> notifications, Map<String, ObjectNode> requisitions,
                            Map<String, ObjectNode> allocations, long[] numbers) {
    }

    private Snapshot snapshot() {
        Map<StockKey, BigDecimal[]> st = new LinkedHashMap<>();
        stock.forEach((k, v) -> st.put(k, new BigDecimal[]{v.unrestricted, v.blocked}));
        return new Snapshot(st, new LinkedHashMap<>(restrictedBatches), batchHistory.size(), copy(documents), copy(reservations),
                copy(notifications), copy(requisitions), copy(allocations),
                new long[]{nextDocument, nextReservation, nextNotification, nextRequisition, nextAccounting});
    }

    private static Map<String, ObjectNode> copy(Map<String, ObjectNode> m) {
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v.deepCopy()));
        return out;
    }

    private void restore(Snapshot s) {
        stock.keySet().retainAll(s.stock().keySet());
        s.stock().forEach((k, v) -> {
            Stock x = stock.computeIfAbsent(k, key -> new Stock());
            x.unrestricted = v[0];
            x.blocked = v[1];
        });
        restrictedBatches.clear();
        restrictedBatches.putAll(s.restricted());
        while (batchHistory.size() > s.history()) batchHistory.removeLast();
        for (var pair : List.of(Map.entry(documents, s.documents()), Map.entry(reservations, s.reservations()),
                Map.entry(notifications, s.notifications()), Map.entry(requisitions, s.requisitions()), Map.entry(allocations, s.allocations()))) {
            pair.getKey().clear();
            pair.getKey().putAll(pair.getValue());
        }
        nextDocument = s.numbers()[0];
        nextReservation = s.numbers()[1];
        nextNotification = s.numbers()[2];
        nextRequisition = s.numbers()[3];
        nextAccounting = s.numbers()[4];
    }

    @Override
    public synchronized ObjectNode state() {
        ObjectNode s = Json.MAPPER.createObjectNode();
        ArrayNode st = s.putArray("stock");
        stock.forEach((k, v) -> st.addObject().put("Material", k.material()).put("Plant", k.plant()).put("StorageLocation", k.storageLocation())
                .put("Batch", k.batch()).put("Unrestricted", v.unrestricted.toPlainString()).put("Blocked", v.blocked.toPlainString())
                .put("Unit", units.get(k.material())).put("BatchRestricted", restrictedBatches.getOrDefault(k.material() + "/" + k.batch(), false)));
        s.put("csrfRefusals", csrfRefusals.get());
        ObjectNode materials = s.putObject("materials");
        units.forEach(materials::put);
        s.putObject("counters").put("document", nextDocument).put("reservation", nextReservation).put("notification", nextNotification)
                .put("requisition", nextRequisition).put("accounting", nextAccounting);
        s.putArray("batchStatusChanges").addAll(batchHistory);
        s.putArray("materialDocuments").addAll(documents.values());
        s.putArray("reservations").addAll(reservations.values());
        s.putArray("qualityNotifications").addAll(notifications.values());
        s.putArray("purchaseRequisitions").addAll(requisitions.values());
        s.putArray("activityAllocations").addAll(allocations.values());
        return s;
    }

    @Override
    protected synchronized void restore(ObjectNode s) {
        units.clear();
        s.path("materials").fields().forEachRemaining(e -> units.put(e.getKey(), e.getValue().asText()));
        stock.clear();
        restrictedBatches.clear();
        for (JsonNode x : s.path("stock")) {
            Stock st = new Stock();
            st.unrestricted = new BigDecimal(x.path("Unrestricted").asText("0"));
            st.blocked = new BigDecimal(x.path("Blocked").asText("0"));
            StockKey k = new StockKey(x.path("Material").asText(), x.path("Plant").asText(), x.path("StorageLocation").asText(), x.path("Batch").asText(""));
            stock.put(k, st);
            if (x.path("BatchRestricted").asBoolean()) restrictedBatches.put(k.material() + "/" + k.batch(), true);
        }
        batchHistory.clear();
        s.path("batchStatusChanges").forEach(n -> batchHistory.add((ObjectNode) n.deepCopy()));
        documents.clear();
        s.path("materialDocuments").forEach(d -> documents.put(d.path("MaterialDocument").asText() + "/" + d.path("MaterialDocumentYear").asText(),
                (ObjectNode) d.deepCopy()));
        restoreInto(reservations, s.path("reservations"), "Reservation");
        restoreInto(notifications, s.path("qualityNotifications"), "QualityNotification");
        restoreInto(requisitions, s.path("purchaseRequisitions"), "PurchaseRequisition");
        restoreInto(allocations, s.path("activityAllocations"), "AccountingDocument");
        JsonNode c = s.path("counters");
        nextDocument = c.path("document").asLong(nextDocument);
        nextReservation = c.path("reservation").asLong(nextReservation);
        nextNotification = c.path("notification").asLong(nextNotification);
        nextRequisition = c.path("requisition").asLong(nextRequisition);
        nextAccounting = c.path("accounting").asLong(nextAccounting);
    }

    @Override
    protected Response error(int status, String code, String message) {
        ObjectNode e = Json.MAPPER.createObjectNode();
        ObjectNode error = e.putObject("error").put("code", code);
        error.putObject("message").put("lang", "en").put("value", message);
        error.putObject("innererror").put("transactionid", UUID.randomUUID().toString().replace("-", "").toUpperCase(java.util.Locale.ROOT));
        Response r = Response.json(status, e);
        return status == 403 && message.startsWith("CSRF") ? r.with("x-csrf-token", "Required") : r;
    }
}
