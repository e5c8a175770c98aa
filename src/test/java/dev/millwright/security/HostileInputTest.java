package dev.millwright.security;

import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Well over a thousand malformed or hostile requests, generated, at the ingest, inbound (JSON and XML), flow and query
 * endpoints: no 5xx, no stack trace or internal class name in any answer, nothing stored from a refused request, no
 * file read through an XML entity, and the hub healthy and delivering afterwards.
 */
class HostileInputTest {
    private static final String INBOUND_TOKEN = "inbound-token-for-hostile-test";

    @TempDir
    Path dir;

    /** Values that have broken parsers, stores and templates somewhere. */
    static List<String> hostileStrings() {
        List<String> v = new ArrayList<>(List.of(
                "'; drop table events; --", "' or '1'='1", "\" or \"\"=\"", "%", "_", "\\", "%00", "\u0000", "a\u0000b",
                "../../../../etc/passwd", "..\\..\\windows\\win.ini", "%2e%2e%2f%2e%2e%2f", "/", "//", "..",
                "\uFEFFbom", "\u202Eevil", "\u200B", "𝕳𝖊𝖑𝖑𝖔", "\uD83D\uDE00", "ｆｕｌｌｗｉｄｔｈ", "e\u0301", "\t\r\n",
                "__proto__", "constructor", "prototype", "{\"__proto__\":{\"admin\":true}}",
                "=cmd|' /C calc'!A0", "+SUM(1,2)", "@SUM(1)", "-1+1",
                "${jndi:ldap://127.0.0.1/x}", "${env:PATH}", "{{7*7}}", "$eval('1')", "<script>alert(1)</script>",
                "-9223372036854775809", "1e999999", "NaN", "Infinity", "0x7fffffff", "99999999999999999999999999999999"));
        v.add("x".repeat(70_000));
        v.add("é".repeat(20_000));
        return v;
    }

    static String deepJson(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    static String deepObject(int depth) {
        return "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    record Hostile(String method, String path, Map<String, String> headers, byte[] body) {
    }

    static List<Hostile> requests() {
        List<Hostile> out = new ArrayList<>();
        Map<String, String> ce = Map.of("Content-Type", "application/cloudevents+json");
        Map<String, String> batch = Map.of("Content-Type", "application/cloudevents-batch+json");
        Map<String, String> js = Map.of("Content-Type", "application/json");
        Map<String, String> inboundJson = Map.of("Content-Type", "application/json", "Authorization", "Bearer " + INBOUND_TOKEN);
        Map<String, String> inboundXml = Map.of("Content-Type", "application/xml", "Authorization", "Bearer " + INBOUND_TOKEN);
        int n = 0;
        for (String s : hostileStrings()) {
            String q = URLEncoder.encode(s, StandardCharsets.UTF_8);
            String j = json(s);
            n++;
            // ingest: a hostile value in every attribute and in the data, one at a time
            for (String attr : List.of("id", "source", "type", "subject", "plant", "time", "specversion", "datacontenttype", "dataschema")) {
                String event = "{\"specversion\":\"1.0\",\"id\":\"h-" + n + "-" + attr + "\",\"source\":\"test://h\",\"type\":\"test.hostile\",\"plant\":\"p\""
                        .replace("\"" + attr + "\":\"" + valueOf(attr, n) + "\"", "\"" + attr + "\":" + j);
                if (!event.contains("\"" + attr + "\":")) event += ",\"" + attr + "\":" + j;
                out.add(new Hostile("POST", "/api/v1/events", ce, bytes(event + ",\"data\":{}}")));
            }
            out.add(new Hostile("POST", "/api/v1/events", ce, bytes("{\"specversion\":\"1.0\",\"id\":\"d-" + n
                    + "\",\"source\":\"test://h\",\"type\":\"test.hostile\",\"data\":{" + j + ":" + j + ",\"__proto__\":{\"polluted\":" + j + "}}}")));
            out.add(new Hostile("POST", "/api/v1/events", batch, bytes("[" + j + "]")));
            out.add(new Hostile("POST", "/api/v1/events", Map.of("Content-Type", "application/json", "ce-id", s.length() > 200 ? "x" : s,
                    "ce-source", "test://h", "ce-type", "test.hostile", "ce-specversion", "1.0"), bytes("{}")));
            // inbound: JSON and XML payloads through a mapping
            out.add(new Hostile("POST", "/api/v1/inbound/plc", inboundJson, bytes("{\"lot\":" + j + ",\"__proto__\":" + j + "}")));
            out.add(new Hostile("POST", "/api/v1/inbound/plc", inboundXml, bytes("<r><lot>" + xmlEscape(s) + "</lot></r>")));
            // flows: hostile keys, data and signals
            out.add(new Hostile("POST", "/api/v1/flows/review/instances", js, bytes("{\"key\":" + j + ",\"data\":{\"lot\":" + j + "}}")));
            out.add(new Hostile("POST", "/api/v1/flows/review/instances", js, bytes("{\"data\":{\"lot\":" + j + "},\"plant\":" + j + "}")));
            out.add(new Hostile("POST", "/api/v1/flow-instances/1/signal", js, bytes("{\"name\":" + j + ",\"data\":" + j + "}")));
            // queries: every filter parameter, and path parameters
            for (String path : List.of("/api/v1/events?type=%s&subject=%s&source=%s", "/api/v1/events?after=%s&limit=%s",
                    "/api/v1/deliveries?status=%s&target=%s&key=%s&subscription=%s&reason=%s", "/api/v1/inbound-failures?system=%s&state=%s",
                    "/api/v1/flow-instances?flow=%s&state=%s&key=%s", "/api/v1/audit?actor=%s&action=%s&from=%s&to=%s&format=%s",
                    "/api/v1/xref/resolve?entityType=material&system=%s&localId=%s&to=%s", "/api/v1/kpis?window=%s",
                    "/api/v1/events/%s", "/api/v1/transactions/%s", "/api/v1/xref/material/%s", "/api/v1/systems/%s/health",
                    "/api/v1/contracts/%s/%s", "/api/v1/deliveries/%s", "/api/v1/flow-instances/%s")) {
                String p = path.replace("%s", q.length() > 6000 ? q.substring(0, 6000) : q);
                out.add(new Hostile("GET", p, Map.of(), null));
            }
            out.add(new Hostile("POST", "/api/v1/deliveries/retry", js, bytes("{\"status\":" + j + ",\"reason\":" + j + "}")));
            out.add(new Hostile("POST", "/api/v1/replays", js, bytes("{\"subscription\":" + j + ",\"from\":" + j + "}")));
            out.add(new Hostile("PUT", "/api/v1/xref/material/X-" + n, js, bytes("{\"systems\":{" + j + ":" + j + "}}")));
            out.add(new Hostile("POST", "/api/v1/xref/import", Map.of("Content-Type", "text/csv"),
                    bytes("entityType,canonicalId,system,localId\nmaterial," + csv(s) + ",erp," + csv(s) + "\n")));
        }
        // structure: depth, size, numbers, encodings
        for (int depth : List.of(100, 1_000, 5_000, 50_000)) {
            out.add(new Hostile("POST", "/api/v1/events", batch, bytes(deepJson(depth))));
            out.add(new Hostile("POST", "/api/v1/events", ce, bytes("{\"specversion\":\"1.0\",\"id\":\"deep-" + depth
                    + "\",\"source\":\"test://h\",\"type\":\"test.hostile\",\"data\":" + deepObject(depth) + "}")));
            out.add(new Hostile("POST", "/api/v1/inbound/plc", inboundJson, bytes(deepObject(depth))));
            out.add(new Hostile("POST", "/api/v1/inbound/plc", inboundXml, bytes("<a>".repeat(depth) + "</a>".repeat(depth))));
            out.add(new Hostile("POST", "/api/v1/flows/review/instances", js, bytes("{\"key\":\"k\",\"data\":" + deepObject(depth) + "}")));
        }
        out.add(new Hostile("POST", "/api/v1/events", ce, bytes("{\"specversion\":\"1.0\",\"id\":\"num\",\"source\":\"test://h\",\"type\":\"test.hostile\","
                + "\"data\":{\"n\":" + "9".repeat(100_000) + "}}")));
        out.add(new Hostile("POST", "/api/v1/events", ce, new byte[]{(byte) 0xC0, (byte) 0xAF, (byte) 0xFF, (byte) 0xFE, '{', '}'}));
        out.add(new Hostile("POST", "/api/v1/events", ce, new byte[0]));
        out.add(new Hostile("POST", "/api/v1/events", Map.of("Content-Type", "text/plain"), bytes("hello")));
        out.add(new Hostile("POST", "/api/v1/events", Map.of("Content-Type", "application/cloudevents+json; charset=utf-32"), bytes("{}")));
        // XML: external entities (file and network) and entity expansion
        out.add(new Hostile("POST", "/api/v1/inbound/plc", inboundXml, bytes("""
                <?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r><lot>&xxe;</lot></r>""")));
        out.add(new Hostile("POST", "/api/v1/inbound/plc", inboundXml, bytes("""
                <?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "http://127.0.0.1:1/x">]><r><lot>&xxe;</lot></r>""")));
        StringBuilder laughs = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY l0 \"lol\">");
        for (int i = 1; i <= 10; i++) laughs.append("<!ENTITY l").append(i).append(" \"").append(("&l" + (i - 1) + ";").repeat(10)).append("\">");
        laughs.append("]><r><lot>&l10;</lot></r>");
        out.add(new Hostile("POST", "/api/v1/inbound/plc", inboundXml, bytes(laughs.toString())));
        out.add(new Hostile("POST", "/api/v1/inbound/plc", inboundXml, bytes("<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"file:///etc/passwd\"><r/>")));
        // oversized headers
        out.add(new Hostile("GET", "/api/v1/events", Map.of("X-Big", "x".repeat(70_000)), null));
        out.add(new Hostile("POST", "/api/v1/events", Map.of("Content-Type", "application/cloudevents+json", "traceparent", "00-" + "f".repeat(5000)),
                bytes("{}")));
        return out;
    }

    private static String valueOf(String attr, int n) {
        return switch (attr) {
            case "id" -> "h-" + n + "-id";
            case "source" -> "test://h";
            case "type" -> "test.hostile";
            case "plant" -> "p";
            case "specversion" -> "1.0";
            default -> "";
        };
    }

    private static String xmlEscape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '<') b.append("&lt;");
            else if (c == '&') b.append("&amp;");
            else if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') b.append(c);
        }
        return b.toString();
    }

    private static String csv(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aThousandHostileRequestsChangeNothingTheyShouldNotAndBreakNothing() throws Exception {
        try (TestTarget target = new TestTarget()) {
            Path secret = Files.writeString(dir.resolve("inbound.token"), INBOUND_TOKEN);
            TestPlant plant = new TestPlant(dir.resolve("plant"))
                    .hub("plant: hostile\ncontracts: { allowUnknownTypes: true }\nsecurity: { rateLimit: { requestsPerSecond: 0 } }\n")
                    .system("erp", target.baseUrl())
                    .subscription("all", "test.*", "erp", "/events", "subject")
                    .write("systems/plc.yaml", """
                            name: plc
                            inbound:
                              http:
                                mapping: plc.jsonata
                                auth: { type: token, token: "${file:%s}" }
                            """.formatted(secret))
                    .write("mappings/plc.jsonata", "{ \"type\": \"test.plc\", \"id\": $string(lot), \"subject\": $string(lot), \"data\": $ }")
                    .reviewFlow();
            try (TestHub hub = TestHub.start("hostile", plant);
                 HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build()) {
                List<Hostile> requests = requests();
                assertThat(requests).hasSizeGreaterThanOrEqualTo(1000);
                long eventsBefore = Sql.count(hub.db, "select count(*) from events");
                long accepted = 0;
                String previous = "";
                String base = "http://127.0.0.1:" + hub.hub.port();
                for (Hostile h : requests) {
                    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + h.path())).timeout(Duration.ofSeconds(30))
                            .method(h.method(), h.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(h.body()));
                    if (!h.path().startsWith("/api/v1/inbound/")) b.header("Authorization", "Bearer " + HubClient.TOKEN);
                    HttpResponse<String> r;
                    try {
                        h.headers().forEach(b::setHeader);
                        r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                    } catch (IllegalArgumentException e) {
                        continue; // the client itself will not send this header or URI
                    } catch (java.io.IOException e) {
                        // A request head beyond Jetty's limit (8 KiB) may be answered 414/431 and the connection closed
                        // before the client reads the answer: a refusal too. Any other dropped connection is a failure.
                        int head = h.path().length() + h.headers().entrySet().stream().mapToInt(x -> x.getKey().length() + x.getValue().length()).sum();
                        if (head > 8 * 1024) continue;
                        // Naming the request before it too: a connection the hub dropped after answering would be reused for this one.
                        throw new AssertionError("connection dropped: " + h.method() + " " + h.path().substring(0, Math.min(200, h.path().length()))
                                + " after " + previous, e);
                    }
                    String sentBody = h.body() == null ? "" : new String(h.body(), StandardCharsets.UTF_8);
                    String what = h.method() + " " + (h.path().length() > 200 ? h.path().substring(0, 200) + "…" : h.path())
                            + (sentBody.isEmpty() ? "" : " " + (sentBody.length() > 200 ? sentBody.substring(0, 200) + "…" : sentBody)) + " → " + r.statusCode()
                            + " " + (r.body().length() > 300 ? r.body().substring(0, 300) : r.body());
                    previous = what.substring(0, Math.min(400, what.length())) + " " + r.headers().map();
                    assertThat(r.statusCode()).as(what).isLessThan(500);
                    assertThat(r.body()).as(what).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("dev.millwright.")
                            .doesNotContain("com.fasterxml").doesNotContain("root:x:0:0");
                    if (r.statusCode() >= 400) {
                        assertThat(r.headers().firstValue("Content-Type").orElse("")).as(what).startsWith("application/problem+json");
                    }
                    if (r.statusCode() == 202 && r.body().contains("\"accepted\"")) {
                        accepted += dev.millwright.event.Json.MAPPER.readTree(r.body()).get("accepted").asLong();
                    }
                }
                // Flow starts append their trigger as an event only when a flow appends one; ingest and inbound count all the rest.
                long stored = Sql.count(hub.db, "select count(*) from events where source <> 'millwright/api' and source not like 'millwright/flows/%'")
                        - eventsBefore;
                assertThat(stored).as("events stored equal events accepted: nothing from a refused request").isEqualTo(accepted);
                assertThat(Sql.count(hub.db, "select count(*) from events where body like '%root:x:0:0%'")).isZero();
                assertThat(hub.client.get("/health/ready").status()).isEqualTo(200);
                int before = target.received().size();
                assertThat(hub.client.postEvents("application/cloudevents+json", HubClient.event("after-the-storm", "test.ok", "S", "{}")).status())
                        .isEqualTo(202);
                await().atMost(Duration.ofSeconds(30)).until(() -> target.received().stream().anyMatch(x -> "after-the-storm".equals(x.eventId())));
                assertThat(target.received().size()).isGreaterThan(before);
            }
        }
    }
}
