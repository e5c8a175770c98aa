package dev.millwright.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.event.Json;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One nonconformance through the whole loop, judged by the systems' own state: an inspection fails in the QMS and the
 * review board dispositions its NCR for rework at once (before the repair is done), and the run passes only when the
 * lot was held and released in ERP and MES, the EAM work order was completed, exactly the parts it used were issued to
 * it (stock down by exactly those quantities), its labour was posted, the CAPA carries the root cause, and — when the
 * material's defect rate is over the demo plant's tolerance — a supplier case was opened for the lot's casting batch
 * and quality leadership was told in the chat: each once.
 */
public final class ClosedLoop {
    /** What happened, in order (with each system's document numbers), and what is wrong with the end state (empty: all right). */
    public record Result(List<String> timeline, List<String> problems, List<Step> steps) {
        public boolean passed() {
            return problems.isEmpty();
        }

        /** The run as a Mermaid sequence diagram: who told whom what, in the order the systems' state showed it. */
        public String sequenceDiagram() {
            StringBuilder d = new StringBuilder("sequenceDiagram\n    participant QMS\n    participant Hub as Millwright\n    participant ERP\n    participant MES\n    participant EAM\n    participant Chat\n");
            for (Step s : steps) {
                String text = s.what().replace(";", ",").replace("#", "");
                if (s.system().equals("QMS") && (s.what().startsWith("inspection") || s.what().startsWith("review board"))) {
                    d.append("    QMS->>Hub: ").append(text).append('\n');
                }
                else if (s.system().equals("EAM") && s.what().contains("completed")) d.append("    EAM->>Hub: ").append(text).append(" (CSV export)\n");
                else d.append("    Hub->>").append(s.system()).append(": ").append(text).append('\n');
            }
            return d.toString();
        }
    }

    /** One observed change: which system, what. */
    public record Step(String system, String what) {
    }

    /** The demo plant's tolerance for a material's defect rate (plants/demo/flows/nonconformance-to-capa.yaml). */
    private static final double TOLERANCE = 0.05;

    /** ERP material numbers of the EAM's items, as the plant's cross-reference has them. */
    private static final Map<String, String> ERP_MATERIAL = Map.of("BRG6205", "10045-BRG", "SEAL40", "10046-SEAL");

    private final PlantInABox box;
    private final String qmsToken;
    private final HttpClient http = HttpClient.newHttpClient();
    private final long t0 = System.nanoTime();
    private final List<String> timeline = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private final Consumer<String> print;

    public ClosedLoop(PlantInABox box, String qmsToken, Consumer<String> print) {
        this.box = box;
        this.qmsToken = qmsToken;
        this.print = print;
    }

    private void note(String system, String what) {
        String line = String.format("t+%5.1fs  %-4s %s", (System.nanoTime() - t0) / 1e9, system, what);
        timeline.add(line);
        steps.add(new Step(system, what));
        print.accept(line);
    }

    /** Fails an inspection of {@code lot} made on {@code asset}, then waits (up to {@code within}) for the loop to close. */
    public Result run(String lot, String asset, Duration within) throws IOException, InterruptedException {
        Map<String, BigDecimal> before = new LinkedHashMap<>();
        for (String m : ERP_MATERIAL.values()) before.put(m, box.erp.quantity(m, PlantInABox.PLANT, "MRO-01")[0]);
        ObjectNode result = Json.MAPPER.createObjectNode().put("plan", "IP-PH7").put("lot", lot).put("equipment", asset);
        result.putArray("measurements").add(Json.MAPPER.createObjectNode().put("characteristic", "bore diameter").put("value", 25.31))
                .add(Json.MAPPER.createObjectNode().put("characteristic", "surface roughness").put("value", 0.9));
        HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(box.qms.baseUrl() + "/api/v2/inspection-results"))
                .header("Authorization", "Bearer " + qmsToken).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(result.toString())).build(), HttpResponse.BodyHandlers.ofString());
        if (posted.statusCode() != 201) return new Result(timeline, List.of("the QMS refused the inspection result: " + posted.body()), steps);
        JsonNode inspection = Json.MAPPER.readTree(posted.body()).path("data");
        String insp = inspection.path("no").asText();
        String ncr = inspection.path("ncr").asText();
        note("QMS", "inspection " + insp + " of " + lot + " on " + asset + " failed (bore diameter 25.31 mm, limit 25.2): "
                + ncr + ", " + inspection.path("capa").asText() + " opened; webhook sent");
        HttpResponse<String> quality = http.send(HttpRequest.newBuilder(URI.create(box.qms.baseUrl() + "/api/v2/materials/"
                + inspection.path("material").asText() + "/quality")).header("Authorization", "Bearer " + qmsToken).build(), HttpResponse.BodyHandlers.ofString());
        double defectRate = Json.MAPPER.readTree(quality.body()).path("data").path("defectRate").asDouble();
        boolean overTolerance = defectRate > TOLERANCE;
        box.qms.disposition(ncr, "rework", "MRB");
        note("QMS", "review board dispositioned " + ncr + ": rework (defect rate of the material " + Math.round(defectRate * 1000) / 10.0
                + " %" + (overTolerance ? ", over the 5 % tolerance" : "") + "); webhook sent");
        List<String> expected = new ArrayList<>(List.of("held", "released", "notification", "wo", "completed", "labour", "capa", "mes-held", "mes-released"));
        if (overTolerance) expected.addAll(List.of("supplier-case", "chat"));

        long deadline = System.nanoTime() + within.toNanos();
        Map<String, Boolean> seen = new LinkedHashMap<>();
        String wonum = null;
        while (System.nanoTime() < deadline) {
            JsonNode erp = box.erp.state(), eam = box.eam.state(), qms = box.qms.state();
            for (JsonNode c : erp.path("batchStatusChanges")) {
                if (!c.path("Batch").asText().equals(lot)) continue;
                boolean restricted = c.path("BatchRestrictedStatus").asBoolean();
                once(seen, restricted ? "held" : "released", "ERP", "batch " + lot + " of " + c.path("Material").asText()
                        + (restricted ? " restricted (quality hold)" : " unrestricted again (released)"));
            }
            for (JsonNode l : box.mes.state().path("lots")) {
                if (!l.path("id").asText().equals(lot)) continue;
                if (l.path("status").asText().equals("ON_HOLD")) once(seen, "mes-held", "MES", "lot " + lot + " on hold, order " + l.path("order").asText() + " HELD");
                else if (seen.containsKey("mes-held")) once(seen, "mes-released", "MES", "lot " + lot + " active again, order " + l.path("order").asText() + " RUNNING");
            }
            for (JsonNode n : erp.path("qualityNotifications")) {
                if (n.path("Batch").asText().equals(lot)) once(seen, "notification", "ERP", "quality notification "
                        + n.path("QualityNotification").asText() + " (" + n.path("NotificationType").asText() + ", defect " + n.path("DefectCode").asText() + ")");
            }
            for (JsonNode wo : eam.path("workOrders")) {
                if (!wo.path("description").asText().contains(insp)) continue;
                wonum = wo.path("wonum").asText();
                once(seen, "wo", "EAM", "work order " + wonum + " (" + wo.path("worktype").asText() + ") on " + wo.path("assetnum").asText());
                if (wo.path("status").asText().equals("COMP")) once(seen, "completed", "EAM", "work order " + wonum + " completed: "
                        + wo.path("labtrans").size() + " labour line(s), " + wo.path("matusetrans").size() + " part(s), cause " + wo.path("causecode").asText());
            }
            if (wonum != null) {
                for (JsonNode doc : erp.path("materialDocuments")) {
                    for (JsonNode item : doc.path("to_MaterialDocumentItem").path("results")) {
                        if (item.path("OrderID").asText().equals(wonum) && item.path("GoodsMovementType").asText().equals("261")) {
                            once(seen, "issue " + doc.path("MaterialDocument").asText(), "ERP", "material document " + doc.path("MaterialDocument").asText()
                                    + ": 261 goods issue of " + item.path("QuantityInEntryUnit").asText() + " " + item.path("EntryUnit").asText() + " "
                                    + item.path("Material").asText() + " to order " + wonum);
                        }
                    }
                }
                for (JsonNode a : erp.path("activityAllocations")) {
                    if (a.path("ReceiverOrder").asText().equals(wonum)) once(seen, "labour", "ERP", "activity allocation "
                            + a.path("AccountingDocument").asText() + ": " + a.path("Quantity").asText() + " h labour = " + a.path("Amount").asText() + " EUR to order " + wonum);
                }
            }
            for (JsonNode c : qms.path("capas")) {
                if (c.path("inspection").asText().equals(insp) && c.path("status").asText().equals("VERIFICATION")) {
                    once(seen, "capa", "QMS", c.path("id").asText() + " in verification, root cause " + c.path("rootCause").asText()
                            + ", " + c.path("reference").asText());
                }
            }
            for (JsonNode c : qms.path("supplierCases")) {
                if (c.path("ncr").asText().equals(ncr)) once(seen, "supplier-case", "QMS", "supplier case " + c.path("id").asText() + " with "
                        + c.path("supplier").asText() + " for " + c.path("material").asText() + " batch " + c.path("batch").asText());
            }
            for (JsonNode p : box.chat.state().path("posts")) {
                if (p.path("message").asText().contains(insp)) once(seen, "chat", "Chat", "to " + p.path("channel_id").asText() + ": " + p.path("message").asText());
            }
            if (seen.keySet().containsAll(expected) && seen.keySet().stream().anyMatch(k -> k.startsWith("issue "))) {
                Thread.sleep(1500); // whatever would come twice has time to arrive
                return new Result(timeline, check(lot, insp, ncr, wonum, before, overTolerance), steps);
            }
            Thread.sleep(200);
        }
        List<String> missing = new ArrayList<>();
        for (String k : expected) {
            if (!seen.containsKey(k)) missing.add(k);
        }
        return new Result(timeline, List.of("the loop did not close within " + within.toSeconds() + " s; not seen: " + String.join(", ", missing)), steps);
    }

    private void once(Map<String, Boolean> seen, String key, String system, String what) {
        if (seen.putIfAbsent(key, true) == null) note(system, what);
    }

    /** The end state, system by system: everything that should be there, each once. */
    private List<String> check(String lot, String insp, String ncr, String wonum, Map<String, BigDecimal> before, boolean overTolerance) {
        List<String> problems = new ArrayList<>();
        JsonNode erp = box.erp.state(), eam = box.eam.state(), qms = box.qms.state();
        JsonNode wo = null;
        for (JsonNode w : eam.path("workOrders")) if (w.path("wonum").asText().equals(wonum)) wo = w;
        long orders = 0;
        for (JsonNode w : eam.path("workOrders")) if (w.path("description").asText().contains(insp)) orders++;
        if (orders != 1) problems.add("EAM has " + orders + " work orders for " + insp + " (expected 1)");
        Map<String, BigDecimal> used = new LinkedHashMap<>();
        if (wo != null) {
            for (JsonNode m : wo.path("matusetrans")) used.merge(ERP_MATERIAL.get(m.path("itemnum").asText()), m.path("quantity").decimalValue(), BigDecimal::add);
        }
        Map<String, BigDecimal> issued = new LinkedHashMap<>();
        for (JsonNode doc : erp.path("materialDocuments")) {
            for (JsonNode item : doc.path("to_MaterialDocumentItem").path("results")) {
                if (item.path("OrderID").asText().equals(wonum) && item.path("GoodsMovementType").asText().equals("261")) {
                    issued.merge(item.path("Material").asText(), new BigDecimal(item.path("QuantityInEntryUnit").asText()), BigDecimal::add);
                }
            }
        }
        for (var e : used.entrySet()) {
            BigDecimal got = issued.getOrDefault(e.getKey(), BigDecimal.ZERO);
            if (got.compareTo(e.getValue()) != 0) problems.add("ERP issued " + got + " of " + e.getKey() + " to order " + wonum + "; the repair used " + e.getValue());
            BigDecimal now = box.erp.quantity(e.getKey(), PlantInABox.PLANT, "MRO-01")[0];
            BigDecimal expected = before.get(e.getKey()).subtract(e.getValue());
            if (now.compareTo(expected) != 0) problems.add("ERP stock of " + e.getKey() + " is " + now + "; expected " + before.get(e.getKey()) + " - " + e.getValue() + " = " + expected);
        }
        if (!used.keySet().containsAll(issued.keySet())) problems.add("ERP issued materials the repair did not use: " + issued.keySet());
        long allocations = 0;
        for (JsonNode a : erp.path("activityAllocations")) if (a.path("ReceiverOrder").asText().equals(wonum)) allocations++;
        if (allocations != (wo == null ? 0 : wo.path("labtrans").size())) problems.add("ERP has " + allocations + " labour postings to " + wonum
                + " (expected one per labour line)");
        long notifications = 0;
        for (JsonNode n : erp.path("qualityNotifications")) if (n.path("Batch").asText().equals(lot)) notifications++;
        if (notifications != 1) problems.add("ERP has " + notifications + " quality notifications for " + lot + " (expected 1)");
        for (JsonNode s : erp.path("stock")) {
            if (s.path("Batch").asText().equals(lot) && s.path("BatchRestricted").asBoolean()) problems.add("ERP batch " + lot + " is still restricted");
        }
        for (JsonNode l : box.mes.state().path("lots")) {
            if (l.path("id").asText().equals(lot) && !l.path("status").asText().equals("ACTIVE")) problems.add("MES lot " + lot + " is " + l.path("status").asText());
        }
        for (JsonNode c : qms.path("capas")) {
            if (c.path("inspection").asText().equals(insp) && !c.path("status").asText().equals("VERIFICATION")) {
                problems.add("QMS " + c.path("id").asText() + " is " + c.path("status").asText() + " (expected VERIFICATION)");
            }
        }
        int expected = overTolerance ? 1 : 0;
        long cases = 0;
        for (JsonNode c : qms.path("supplierCases")) if (c.path("ncr").asText().equals(ncr)) cases++;
        if (cases != expected) problems.add("QMS has " + cases + " supplier cases for " + ncr + " (expected " + expected + ")");
        long posts = 0;
        for (JsonNode p : box.chat.state().path("posts")) if (p.path("message").asText().contains(insp)) posts++;
        if (posts != expected) problems.add("the chat has " + posts + " notices of " + insp + " (expected " + expected + ")");
        return problems;
    }
}
