package dev.millwright.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.event.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Each simulated system refuses what its real counterpart refuses, in its own words, and misbehaves on order. */
class SimulatorsTest {
    @TempDir
    static Path dir;
    static PlantInABox box;
    static HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws IOException {
        box = PlantInABox.start(Path.of("plants/demo/secrets"),
                PlantInABox.Settings.fast(dir.resolve("export"), Duration.ofMillis(200), Duration.ofMillis(100)), null, Clock.systemUTC());
        box.eam.repairTime(null); // these tests move work orders themselves
    }

    @AfterAll
    static void stop() {
        box.close();
        http.close();
    }

    private static HttpResponse<String> call(String method, String url, Map<String, String> headers, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String secret(String name) throws IOException {
        return Files.readString(Path.of("plants/demo/secrets", name)).strip();
    }

    /** An ERP session: OAuth2 token, then the CSRF token and cookie a write needs. */
    private static Map<String, String> erpSession() throws Exception {
        return erpSessionOn(box);
    }

    private static Map<String, String> erpSessionOn(PlantInABox box) throws Exception {
        HttpResponse<String> token = call("POST", box.erp.baseUrl() + "/sap/bc/sec/oauth2/token", Map.of("Content-Type", "application/x-www-form-urlencoded"),
                "grant_type=client_credentials&client_id=millwright&client_secret=" + secret("erp-client.secret"));
        assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
        String bearer = "Bearer " + Json.MAPPER.readTree(token.body()).get("access_token").asText();
        HttpResponse<String> fetch = call("GET", box.erp.baseUrl() + "/sap/opu/odata/sap/API_MATERIAL_DOCUMENT_SRV/",
                Map.of("Authorization", bearer, "x-csrf-token", "Fetch"), null);
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Authorization", bearer);
        h.put("Content-Type", "application/json");
        h.put("x-csrf-token", fetch.headers().firstValue("x-csrf-token").orElseThrow());
        h.put("Cookie", fetch.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0]);
        return h;
    }

    private static String erp(String path) {
        return box.erp.baseUrl() + "/sap/opu/odata/sap" + path;
    }

    private static String issue(String material, String qty, String type, String extra) {
        return """
                {"GoodsMovementCode":"03","to_MaterialDocumentItem":{"results":[{"Material":"%s","Plant":"1000","StorageLocation":"MRO-01",
                 "GoodsMovementType":"%s","QuantityInEntryUnit":"%s","EntryUnit":"EA"%s}]}}""".formatted(material, type, qty, extra);
    }

    @Test
    void erpRefusesNegativeStockAWrongMovementTypeForAReservationAndAWriteWithoutCsrfTokenAsSapDoes() throws Exception {
        Map<String, String> s = erpSession();
        java.math.BigDecimal bearings = box.erp.quantity("10045-BRG", "1000", "MRO-01")[0];
        HttpResponse<String> deficit = call("POST", erp("/API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader"), s,
                issue("10046-SEAL", "26", "261", ",\"OrderID\":\"9001\""));
        assertThat(deficit.statusCode()).isEqualTo(400);
        JsonNode error = Json.MAPPER.readTree(deficit.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("M7/021");
        assertThat(error.at("/message/value").asText()).isEqualTo("Deficit of SL Unrestricted-use 1 EA : 10046-SEAL 1000 MRO-01");
        assertThat(box.erp.quantity("10046-SEAL", "1000", "MRO-01")[0]).isEqualByComparingTo("25");

        HttpResponse<String> reservation = call("POST", erp("/API_RESERVATION_DOCUMENT_SRV/A_ReservationDocumentHeader"), s, """
                {"GoodsMovementType":"261","OrderID":"9001","to_ResvnDocItem":{"results":[{"Product":"10045-BRG","Plant":"1000",
                 "StorageLocation":"MRO-01","ResvnItmRequiredQtyInEntryUnit":"2","EntryUnit":"EA"}]}}""");
        assertThat(reservation.statusCode()).as(reservation.body()).isEqualTo(201);
        String number = Json.MAPPER.readTree(reservation.body()).at("/d/Reservation").asText();
        HttpResponse<String> wrongType = call("POST", erp("/API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader"), s,
                issue("10045-BRG", "2", "201", ",\"CostCenter\":\"4200\",\"Reservation\":\"" + number + "\""));
        assertThat(wrongType.statusCode()).isEqualTo(400);
        assertThat(wrongType.body()).contains("M7/445").contains("Movement type 201 does not agree with reservation " + number + " (movement type 261)");

        Map<String, String> noCsrf = new LinkedHashMap<>(s);
        noCsrf.remove("x-csrf-token");
        HttpResponse<String> refused = call("POST", erp("/API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader"), noCsrf,
                issue("10045-BRG", "1", "261", ",\"OrderID\":\"9001\""));
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.headers().firstValue("x-csrf-token")).hasValue("Required");
        assertThat(refused.body()).contains("CSRF token validation failed");
        assertThat(box.erp.quantity("10045-BRG", "1000", "MRO-01")[0]).isEqualByComparingTo(bearings);

        // A posting that passes changes stock, and the same Idempotency-Key again is answered as before, posting nothing more.
        Map<String, String> keyed = new LinkedHashMap<>(s);
        keyed.put("Idempotency-Key", "k-1");
        HttpResponse<String> first = call("POST", erp("/API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader"), keyed, issue("10045-BRG", "3", "261", ",\"OrderID\":\"9001\""));
        HttpResponse<String> again = call("POST", erp("/API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader"), keyed, issue("10045-BRG", "3", "261", ",\"OrderID\":\"9001\""));
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(box.erp.quantity("10045-BRG", "1000", "MRO-01")[0]).isEqualByComparingTo(bearings.subtract(new java.math.BigDecimal("3")));
    }

    @Test
    void erpBatchRunsEachPartAndAChangesetAllOrNothing() throws Exception {
        Map<String, String> s = new LinkedHashMap<>(erpSession());
        s.put("Content-Type", "multipart/mixed; boundary=batch_1");
        String good = issue("10045-BRG", "5", "201", ",\"CostCenter\":\"4200\"");
        String tooMuch = issue("10045-BRG", "100000", "201", ",\"CostCenter\":\"4200\"");
        String body = String.join("\r\n",
                "--batch_1", "Content-Type: multipart/mixed; boundary=changeset_a", "",
                "--changeset_a", "Content-Type: application/http", "Content-Transfer-Encoding: binary", "",
                "POST A_MaterialDocumentHeader HTTP/1.1", "Content-Type: application/json", "", good,
                "--changeset_a", "Content-Type: application/http", "Content-Transfer-Encoding: binary", "",
                "POST A_MaterialDocumentHeader HTTP/1.1", "Content-Type: application/json", "", tooMuch,
                "--changeset_a--", "",
                "--batch_1", "Content-Type: multipart/mixed; boundary=changeset_b", "",
                "--changeset_b", "Content-Type: application/http", "Content-Transfer-Encoding: binary", "",
                "POST A_MaterialDocumentHeader HTTP/1.1", "Content-Type: application/json", "", good,
                "--changeset_b", "Content-Type: application/http", "Content-Transfer-Encoding: binary", "",
                "POST A_MaterialDocumentHeader HTTP/1.1", "Content-Type: application/json", "", good,
                "--changeset_b--", "",
                "--batch_1", "Content-Type: application/http", "Content-Transfer-Encoding: binary", "",
                "GET A_MaterialDocumentHeader(MaterialDocument='4999999999',MaterialDocumentYear='2026') HTTP/1.1", "Accept: application/json", "", "",
                "--batch_1--", "");
        java.math.BigDecimal before = box.erp.quantity("10045-BRG", "1000", "MRO-01")[0];
        HttpResponse<String> answer = call("POST", erp("/API_MATERIAL_DOCUMENT_SRV/$batch"), s, body);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
        assertThat(answer.headers().firstValue("Content-Type").orElseThrow()).startsWith("multipart/mixed; boundary=batchresponse_");
        // The first changeset failed as a whole (its one answer is the deficit); the second posted both; the GET got its own answer.
        assertThat(answer.body()).contains("HTTP/1.1 400 Bad Request").contains("M7/021")
                .contains("HTTP/1.1 201 Created").contains("HTTP/1.1 404 Not Found").contains("M7/055");
        assertThat(answer.body().split("HTTP/1.1 201 Created", -1)).hasSize(3);
        assertThat(box.erp.quantity("10045-BRG", "1000", "MRO-01")[0]).isEqualByComparingTo(before.subtract(new java.math.BigDecimal("10")));

        // A request alone in its changeset carries its own Idempotency-Key: the same batch again (an answer that was
        // lost) gets the first answers back, and posts nothing twice.
        Map<String, String> keyed = Map.of("content-type", "application/json", "idempotency-key", "part-" + java.util.UUID.randomUUID());
        String once = dev.millwright.outbound.http.odata.ODataBatch.request("batch_2", List.of(
                List.of(new dev.millwright.outbound.http.odata.ODataBatch.Part("POST", "A_MaterialDocumentHeader", keyed, good))));
        s.put("Content-Type", "multipart/mixed; boundary=batch_2");
        java.math.BigDecimal beforeAgain = box.erp.quantity("10045-BRG", "1000", "MRO-01")[0];
        HttpResponse<String> original = call("POST", erp("/API_MATERIAL_DOCUMENT_SRV/$batch"), s, once);
        HttpResponse<String> repeated = call("POST", erp("/API_MATERIAL_DOCUMENT_SRV/$batch"), s, once);
        var first = dev.millwright.outbound.http.odata.ODataBatch.answers(original.headers().firstValue("Content-Type").orElseThrow(), original.body());
        var second = dev.millwright.outbound.http.odata.ODataBatch.answers(repeated.headers().firstValue("Content-Type").orElseThrow(), repeated.body());
        assertThat(first.getFirst().getFirst().status()).isEqualTo(201);
        assertThat(second.getFirst().getFirst().body()).isEqualTo(first.getFirst().getFirst().body()); // the same document number
        assertThat(box.erp.quantity("10045-BRG", "1000", "MRO-01")[0]).isEqualByComparingTo(beforeAgain.subtract(new java.math.BigDecimal("5")));
    }

    @Test
    void eamRefusesAnUnknownAssetAndAStatusChangeOutOfOrderAsMaximoDoes() throws Exception {
        Map<String, String> h = Map.of("apikey", secret("eam-api.key"), "Content-Type", "application/json", "properties", "*");
        String mxwo = box.eam.baseUrl() + "/maximo/oslc/os/mxwo?lean=1";
        HttpResponse<String> unknown = call("POST", mxwo, h, "{\"assetnum\":\"GHOST-9\",\"worktype\":\"CM\"}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(Json.MAPPER.readTree(unknown.body()).at("/Error/reasonCode").asText()).isEqualTo("BMXAA4153E");

        HttpResponse<String> created = call("POST", mxwo, h, "{\"siteid\":\"PLANT-A\",\"assetnum\":\"PRESS-2\",\"worktype\":\"CM\",\"description\":\"leak\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode wo = Json.MAPPER.readTree(created.body());
        assertThat(wo.get("status").asText()).isEqualTo("WAPPR");
        Map<String, String> patch = new LinkedHashMap<>(h);
        patch.put("x-method-override", "PATCH");
        HttpResponse<String> skip = call("POST", wo.get("href").asText() + "?lean=1", patch, "{\"status\":\"COMP\"}");
        assertThat(skip.statusCode()).isEqualTo(400);
        assertThat(skip.body()).contains("BMXAA4590E").contains("cannot be changed from WAPPR to COMP");
        for (String update : List.of("{\"status\":\"APPR\"}", "{\"status\":\"INPRG\",\"labtrans\":[{\"craft\":\"MECH\",\"regularhrs\":1.5}]}",
                "{\"status\":\"COMP\"}")) {
            assertThat(call("POST", wo.get("href").asText() + "?lean=1", patch, update).statusCode()).isEqualTo(200);
        }
        // The completion goes out in the next CSV export file.
        await().atMost(Duration.ofSeconds(5)).until(() -> box.eam.state().get("exportedFiles").size() > 0);
        String csv = Files.readString(dir.resolve("export").resolve(box.eam.state().get("exportedFiles").get(0).asText()));
        assertThat(csv).startsWith("wonum,siteid,assetnum,actfinish,linetype").contains(wo.get("wonum").asText() + ",PLANT-A,PRESS-2").contains(",LABOR,MECH,1.5,");

        HttpResponse<String> noKey = call("GET", box.eam.baseUrl() + "/maximo/oslc/os/mxwo?lean=1", Map.of(), null);
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(noKey.body()).contains("BMXAA7901E");
    }

    @Test
    void mesHoldsALotOnceAndItsOrderWithItAndReportsProductionAsOperationsPerformance() throws Exception {
        Map<String, String> h = Map.of("Authorization", "Bearer " + secret("mes-api.token"), "Content-Type", "application/json");
        String lot = box.mes.baseUrl() + "/api/v1/lots/LOT-4725";
        assertThat(call("POST", lot + "/hold", h, "{\"reason\":\"NCR-9\"}").statusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(call("GET", box.mes.baseUrl() + "/api/v1/orders/PO-104725", h, null).body()).get("status").asText())
                .isEqualTo("HELD");
        HttpResponse<String> again = call("POST", lot + "/hold", h, "{\"reason\":\"NCR-10\"}");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(again.body()).contains("lot LOT-4725 is already on hold (NCR-9)");
        assertThat(call("POST", lot + "/release", h, "{}").statusCode()).isEqualTo(200);
        assertThat(call("POST", box.mes.baseUrl() + "/api/v1/lots/LOT-9999/hold", h, "{}").statusCode()).isEqualTo(404);

        // Its production report goes to the hub, retried until it is answered.
        java.util.List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer hub = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 8);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        hub.createContext("/api/v1/inbound/mes", x -> {
            String body = new String(x.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            boolean answer = calls.incrementAndGet() > 1; // the first try fails
            if (answer) received.add(x.getRequestHeaders().getFirst("Authorization") + " " + body);
            x.sendResponseHeaders(answer ? 202 : 503, -1);
            x.close();
        });
        hub.start();
        try {
            box.mes.performanceUrl(URI.create("http://127.0.0.1:" + hub.getAddress().getPort() + "/api/v1/inbound/mes"));
            box.mes.confirm("PO-104726", "0020", 40, 2, "CASTING-7", 42);
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
            assertThat(received.getFirst()).startsWith("Bearer " + secret("mes-hub.token"))
                    .contains("\"OperationsResponse\":[{\"ID\":\"PO-104726\"").contains("\"MaterialUse\":\"Scrap\"");
            // the MES counts a report done once it has the answer, which comes just after the hub has the report
            await().atMost(Duration.ofSeconds(10)).until(() -> box.mes.reportsPending() == 0);
        } finally {
            hub.stop(0);
        }
    }

    @Test
    void qmsGivesADefectRateAndSendsTheReviewBoardsDispositionOnceTheChatTakesPostsInItsChannelsOnly() throws Exception {
        Map<String, String> q = Map.of("Authorization", "Bearer " + secret("qms-api.token"), "Content-Type", "application/json");
        String quality = box.qms.baseUrl() + "/api/v2/materials/PUMP-HOUSING-7/quality";
        assertThat(call("GET", quality, q, null).statusCode()).isEqualTo(404); // no inspection yet
        java.util.List<String> ncrs = new java.util.ArrayList<>();
        for (double bore : new double[]{25.0, 25.31, 25.1, 25.05}) {
            HttpResponse<String> r = call("POST", box.qms.baseUrl() + "/api/v2/inspection-results", q, """
                    {"plan":"IP-PH7","lot":"LOT-4729","measurements":[{"characteristic":"bore diameter","value":%s},
                     {"characteristic":"surface roughness","value":0.8}]}""".formatted(bore));
            assertThat(r.statusCode()).isEqualTo(201);
            String ncr = Json.MAPPER.readTree(r.body()).path("data").path("ncr").asText("");
            if (!ncr.isEmpty()) ncrs.add(ncr);
        }
        assertThat(ncrs).hasSize(1);
        JsonNode rate = Json.MAPPER.readTree(call("GET", quality, q, null).body()).get("data");
        assertThat(rate.get("inspected").asInt()).isEqualTo(4);
        assertThat(rate.get("failed").asInt()).isEqualTo(1);
        assertThat(rate.get("defectRate").asDouble()).isEqualTo(0.25);

        String disposition = box.qms.baseUrl() + "/api/v2/ncrs/" + ncrs.getFirst() + "/disposition";
        HttpResponse<String> wrong = call("POST", disposition, q, "{\"decision\":\"burn\"}");
        assertThat(wrong.statusCode()).isEqualTo(422);
        assertThat(wrong.body()).contains("disposition 'burn' is not one of repair, return-to-supplier, rework, scrap, use-as-is");
        assertThat(call("POST", disposition, q, "{\"decision\":\"rework\",\"by\":\"QE-4\"}").statusCode()).isEqualTo(200);
        HttpResponse<String> twice = call("POST", disposition, q, "{\"decision\":\"scrap\"}");
        assertThat(twice.statusCode()).isEqualTo(409);
        assertThat(twice.body()).contains("was dispositioned rework already");
        JsonNode ncr = Json.MAPPER.readTree(call("GET", box.qms.baseUrl() + "/api/v2/ncrs/" + ncrs.getFirst(), q, null).body()).get("data");
        assertThat(ncr.get("status").asText()).isEqualTo("DISPOSITIONED");
        assertThat(ncr.get("dispositionedBy").asText()).isEqualTo("QE-4");

        // The MES names what a lot was made from.
        Map<String, String> m = Map.of("Authorization", "Bearer " + secret("mes-api.token"));
        JsonNode lot = Json.MAPPER.readTree(call("GET", box.mes.baseUrl() + "/api/v1/lots/LOT-4716", m, null).body());
        assertThat(lot.at("/consumed/0/batch").asText()).isEqualTo("CB-2292");
        assertThat(lot.at("/consumed/0/supplier").asText()).isEqualTo("SUP-0042");

        // The chat: a bot posts to a channel it is in; elsewhere 403, without its token 401.
        Map<String, String> c = Map.of("Authorization", "Bearer " + secret("chat-bot.token"), "Content-Type", "application/json");
        HttpResponse<String> posted = call("POST", box.chat.baseUrl() + "/api/v4/posts", c, "{\"channel_id\":\"quality-leadership\",\"message\":\"hello\"}");
        assertThat(posted.statusCode()).isEqualTo(201);
        assertThat(call("POST", box.chat.baseUrl() + "/api/v4/posts", c, "{\"channel_id\":\"town-square\",\"message\":\"hello\"}").statusCode()).isEqualTo(403);
        assertThat(call("POST", box.chat.baseUrl() + "/api/v4/posts", Map.of("Content-Type", "application/json"),
                "{\"channel_id\":\"quality-leadership\",\"message\":\"hello\"}").statusCode()).isEqualTo(401);
        JsonNode read = Json.MAPPER.readTree(call("GET", box.chat.baseUrl() + "/api/v4/channels/quality-leadership/posts", c, null).body());
        String id = Json.MAPPER.readTree(posted.body()).get("id").asText();
        assertThat(read.at("/order/0").asText()).isEqualTo(id);
        assertThat(read.at("/posts/" + id + "/message").asText()).isEqualTo("hello");
    }

    @Test
    void withAStateFolderEachSystemComesBackWithItsDocumentsAndGoesOnNumberingFromThere() throws Exception {
        Path state = dir.resolve("state");
        PlantInABox.Settings settings = new PlantInABox.Settings(0, 0, 0, 0, 0, dir.resolve("export2"), Duration.ofSeconds(60), Duration.ofSeconds(60), state);
        Map<String, String> eam = Map.of("apikey", secret("eam-api.key"), "Content-Type", "application/json", "properties", "*");
        String firstWonum;
        java.math.BigDecimal seals;
        try (PlantInABox first = PlantInABox.start(Path.of("plants/demo/secrets"), settings, null, Clock.systemUTC())) {
            HttpResponse<String> wo = call("POST", first.eam.baseUrl() + "/maximo/oslc/os/mxwo?lean=1", eam, "{\"assetnum\":\"PRESS-2\",\"worktype\":\"PM\"}");
            firstWonum = Json.MAPPER.readTree(wo.body()).get("wonum").asText();
            Map<String, String> mes = Map.of("Authorization", "Bearer " + secret("mes-api.token"), "Content-Type", "application/json");
            assertThat(call("POST", first.mes.baseUrl() + "/api/v1/lots/LOT-4713/hold", mes, "{\"reason\":\"NCR-1\"}").statusCode()).isEqualTo(200);
            // A posting that changes stock, so what comes back differs from the plant's starting stock.
            Map<String, String> erp = new LinkedHashMap<>(erpSessionOn(first));
            assertThat(call("POST", first.erp.baseUrl() + "/sap/opu/odata/sap/API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader", erp,
                    issue("10046-SEAL", "4", "261", ",\"OrderID\":\"9002\"")).statusCode()).isEqualTo(201);
            seals = first.erp.quantity("10046-SEAL", "1000", "MRO-01")[0];
            assertThat(seals).isEqualByComparingTo("21");
        }
        assertThat(state.resolve("eam.json")).exists();
        try (PlantInABox again = PlantInABox.start(Path.of("plants/demo/secrets"), settings, null, Clock.systemUTC())) {
            HttpResponse<String> wo = call("POST", again.eam.baseUrl() + "/maximo/oslc/os/mxwo?lean=1", eam, "{\"assetnum\":\"PRESS-2\",\"worktype\":\"PM\"}");
            assertThat(Long.parseLong(Json.MAPPER.readTree(wo.body()).get("wonum").asText())).isEqualTo(Long.parseLong(firstWonum) + 1);
            assertThat(again.eam.state().get("workOrders")).hasSize(2);
            assertThat(again.mes.state().get("lots").findValuesAsText("status")).contains("ON_HOLD");
            assertThat(again.erp.quantity("10046-SEAL", "1000", "MRO-01")[0]).isEqualByComparingTo(seals);
            assertThat(again.erp.state().get("materialDocuments")).hasSize(1);
        }
    }

    @Test
    void failureOrdersMakeASystemMisbehaveAndDeleteEndsThem() throws Exception {
        String admin = box.qms.baseUrl() + "/_admin";
        String plans = box.qms.baseUrl() + "/api/v2/inspection-plans";
        Map<String, String> auth = Map.of("Authorization", "Bearer " + secret("qms-api.token"));
        try {
            assertThat(call("POST", admin, Map.of(), "{\"burst429\": 2}").statusCode()).isEqualTo(200);
            HttpResponse<String> limited = call("GET", plans, auth, null);
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(call("GET", plans, auth, null).statusCode()).isEqualTo(429);
            assertThat(call("GET", plans, auth, null).statusCode()).isEqualTo(200);

            call("POST", admin, Map.of(), "{\"dropNext\": 1}");
            assertThatThrownBy(() -> call("GET", plans, auth, null)).isInstanceOf(IOException.class); // the answer is broken off

            call("POST", admin, Map.of(), "{\"reject\": {\"bodyContains\": \"LOT-666\", \"status\": 422, \"message\": \"lot is quarantined\"}}");
            HttpResponse<String> rejected = call("POST", box.qms.baseUrl() + "/api/v2/inspection-results", auth, "{\"plan\":\"IP-PH7\",\"lot\":\"LOT-666\"}");
            assertThat(rejected.statusCode()).isEqualTo(422);
            assertThat(rejected.body()).contains("lot is quarantined");

            HttpResponse<String> bad = call("POST", admin, Map.of(), "{\"errorRate\": 2, \"colour\": \"red\"}");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("unknown failure orders [colour]");
        } finally {
            assertThat(call("DELETE", admin, Map.of(), null).statusCode()).isEqualTo(200);
        }
        assertThat(call("GET", plans, auth, null).statusCode()).isEqualTo(200);

        box.qms.down(Duration.ofMillis(500));
        await().atMost(Duration.ofSeconds(2)).until(() -> {
            try {
                call("GET", plans, auth, null);
                return false;
            } catch (IOException refused) {
                return true;
            }
        });
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> call("GET", plans, auth, null).statusCode() == 200);
    }
}
