package dev.millwright.inbound;

import dev.millwright.inbound.http.WebhookReceiver;
import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.config.PlantConfig;
import dev.millwright.config.spec.ConfigError;
import dev.millwright.config.spec.ConfigException;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A QMS that can only POST its own JSON: signed webhooks mapped to canonical events. */
class InboundWebhookTest {
    private static final String MAPPING = """
            (
              $insp := inspection;
              $insp.result = "FAIL" ? {
                "type": "quality.inspection.failed",
                "id": "qms-" & $insp.no,
                "subject": $insp.lot,
                "plant": "acme/plant-a",
                "correlationid": $insp.no,
                "data": {
                  "inspectionId": $insp.no,
                  "lotId": $insp.lot,
                  "materialId": $insp.material,
                  "result": "fail",
                  "inspectedAt": $insp.at,
                  "sampleSize": {"value": $insp.sample + 0, "unit": "EA"},
                  "characteristics": [$insp.checks.{
                    "name": name, "measured": $number(value), "unit": unit, "result": ok ? "pass" : "fail"
                  }]
                }
              } : []
            )
            """;
    private static final String PAYLOAD = """
            {"inspection": {"no": "INSP-7", "lot": "LOT-9", "material": "PUMP-HOUSING-7", "result": "FAIL",
             "at": "2026-11-25T09:15:00+01:00", "sample": 5, "checks": [{"name": "bore", "value": "25.31", "unit": "mm", "ok": false}]}}""";

    @TempDir
    Path dir;

    private TestPlant plant(TestTarget target) {
        Path secret = dir.resolve("qms.key");
        return new TestPlant(dir.resolve("plant"))
                .write("../qms.key", "k3y")
                .write("systems/qms.yaml", """
                        name: qms
                        inbound:
                          http:
                            mapping: qms-inspection.jsonata
                            auth: { type: hmac, secret: "${file:%s}", replayWindow: 5m }
                        """.formatted(secret))
                .write("systems/mes.yaml", """
                        name: mes
                        inbound:
                          http:
                            mapping: qms-inspection.jsonata
                            auth: { type: token, token: "${file:%s}" }
                        """.formatted(secret))
                .write("mappings/qms-inspection.jsonata", MAPPING)
                .system("erp", target.baseUrl())
                .subscription("holds", "quality.inspection.failed", "erp", "/holds", "subject");
    }

    private static Map<String, String> signed(String body, long unixSeconds, String key) {
        String ts = Long.toString(unixSeconds);
        return Map.of("Content-Type", "application/json", "X-Timestamp", ts,
                "X-Signature", "sha256=" + WebhookReceiver.hmac(key, ts + "." + body));
    }

    @Test
    void signedPayloadsBecomeCanonicalEventsOnceAndBadOnesChangeNothing() throws Exception {
        try (TestTarget target = new TestTarget(); TestHub hub = TestHub.start("inbound", plant(target))) {
            long now = Instant.now().getEpochSecond();
            HubClient.Response ok = hub.client.postBytes("/api/v1/inbound/qms", signed(PAYLOAD, now, "k3y"), PAYLOAD.getBytes(StandardCharsets.UTF_8));
            assertThat(ok.status()).as(ok.body()).isEqualTo(202);
            assertThat(ok.json().get("accepted").asInt()).isEqualTo(1);
            HubClient.Response again = hub.client.postBytes("/api/v1/inbound/qms", signed(PAYLOAD, now, "k3y"), PAYLOAD.getBytes(StandardCharsets.UTF_8));
            assertThat(again.json().get("duplicates").asInt()).as("a re-sent webhook is a duplicate").isEqualTo(1);
            await().atMost(Duration.ofSeconds(20)).until(() -> target.received().size() == 1);
            assertThat(target.received().getFirst().event().at("/data/characteristics/0/measured").asDouble()).isEqualTo(25.31);
            assertThat(target.received().getFirst().event().get("source").asText()).isEqualTo("system://qms");

            HubClient.Response mismatch = hub.client.postBytes("/api/v1/inbound/qms", signed(PAYLOAD, now, "wrong"),
                    PAYLOAD.replace("INSP-7", "INSP-8").getBytes(StandardCharsets.UTF_8));
            assertThat(mismatch.status()).isEqualTo(401);
            assertThat(mismatch.body()).contains("signature mismatch");
            String other = PAYLOAD.replace("INSP-7", "INSP-9");
            HubClient.Response expired = hub.client.postBytes("/api/v1/inbound/qms", signed(other, now - 3600, "k3y"),
                    other.getBytes(StandardCharsets.UTF_8));
            assertThat(expired.status()).isEqualTo(401);
            assertThat(expired.body()).contains("outside the replay window");

            String broken = PAYLOAD.replace("\"sample\": 5", "\"sample\": \"five\"").replace("INSP-7", "INSP-10");
            HubClient.Response failed = hub.client.postBytes("/api/v1/inbound/qms", signed(broken, now, "k3y"), broken.getBytes(StandardCharsets.UTF_8));
            assertThat(failed.status()).isEqualTo(422);
            assertThat(failed.json().get("title").asText()).isEqualTo("Mapping failed");
            // jsonata-java reports positions for syntax errors only; a runtime error names the mapping and the problem.
            assertThat(failed.body()).contains("mapping qms-inspection.jsonata").contains("operator must evaluate to a number")
                    .contains("\\\"sample\\\":\\\"five\\\"");

            String passed = PAYLOAD.replace("\"FAIL\"", "\"PASS\"").replace("INSP-7", "INSP-11");
            HubClient.Response none = hub.client.postBytes("/api/v1/inbound/qms", signed(passed, now, "k3y"), passed.getBytes(StandardCharsets.UTF_8));
            assertThat(none.json().get("accepted").asInt()).as("a mapping may make no event").isZero();

            assertThat(Sql.count(hub.db, "select count(*) from events")).isEqualTo(1);

            HubClient.Response noToken = hub.client.postBytes("/api/v1/inbound/mes", Map.of("Content-Type", "application/json"),
                    PAYLOAD.getBytes(StandardCharsets.UTF_8));
            assertThat(noToken.status()).isEqualTo(401);
            HubClient.Response withToken = hub.client.postBytes("/api/v1/inbound/mes",
                    Map.of("Content-Type", "application/json", "Authorization", "Bearer k3y"), PAYLOAD.replace("INSP-7", "INSP-12").getBytes(StandardCharsets.UTF_8));
            assertThat(withToken.status()).as(withToken.body()).isEqualTo(202);
            assertThat(hub.client.postBytes("/api/v1/inbound/nobody", Map.of("Content-Type", "application/json"), "{}".getBytes()).status()).isEqualTo(404);
        }
    }

    @Test
    void xmlAndCsvPayloadsAreMappedLikeJsonAndMalformedOnesNameWhere() throws Exception {
        TestPlant plant = new TestPlant(dir.resolve("plant"))
                .write("systems/lims.yaml", """
                        name: lims
                        inbound:
                          http: { mapping: lims.jsonata, auth: { type: token, token: "${env:HOME}" } }
                        """)
                .write("systems/scale.yaml", """
                        name: scale
                        inbound:
                          http: { mapping: scale.jsonata, auth: { type: token, token: "${env:HOME}" } }
                        """)
                // XML: attributes and child elements become fields, repeated elements an array.
                .write("mappings/lims.jsonata", """
                        { "type": "lims.sample.measured", "id": "lims-" & Sample.id, "subject": Sample.lot,
                          "data": { "lot": Sample.lot, "values": [Sample.Value.{ "name": name, "v": $number(_text) }] } }""")
                .write("mappings/scale.jsonata", """
                        $.{ "type": "scale.weighed", "id": "w-" & ticket, "subject": lot, "data": { "kg": $number(kg) } }""");
        Map<String, String> auth = Map.of("Authorization", "Bearer " + System.getenv("HOME"));
        try (TestHub hub = TestHub.start("inbound_formats", plant)) {
            String xml = "<Sample id=\"S-1\" lot=\"LOT-3\"><Value name=\"bore\">25.31</Value><Value name=\"depth\">4.2</Value></Sample>";
            HubClient.Response x = hub.client.postBytes("/api/v1/inbound/lims", with(auth, "application/xml"), xml.getBytes(StandardCharsets.UTF_8));
            assertThat(x.status()).as(x.body()).isEqualTo(202);
            JsonNode stored = hub.client.get("/api/v1/events?type=lims.sample.measured").json().get("items").get(0).get("event");
            assertThat(stored.get("subject").asText()).isEqualTo("LOT-3");
            assertThat(stored.get("data").get("values").findValuesAsText("name")).containsExactly("bore", "depth");
            assertThat(stored.get("data").get("values").get(0).get("v").asDouble()).isEqualTo(25.31);

            String csv = "ticket,lot,kg\nT1,LOT-1,12.5\nT2,LOT-2,13\n";
            HubClient.Response c = hub.client.postBytes("/api/v1/inbound/scale", with(auth, "text/csv"), csv.getBytes(StandardCharsets.UTF_8));
            assertThat(c.status()).as(c.body()).isEqualTo(202);
            assertThat(c.json().get("accepted").asInt()).isEqualTo(2);

            HubClient.Response badXml = hub.client.postBytes("/api/v1/inbound/lims", with(auth, "text/xml"), "<Sample><Value></Sample>".getBytes(StandardCharsets.UTF_8));
            assertThat(badXml.status()).isEqualTo(400);
            assertThat(badXml.contentType()).startsWith("application/problem+json");
            assertThat(badXml.body()).contains("not valid XML at line 1");
            HubClient.Response badCsv = hub.client.postBytes("/api/v1/inbound/scale", with(auth, "text/csv"), "ticket,lot,kg\nT3,LOT-3\n".getBytes(StandardCharsets.UTF_8));
            assertThat(badCsv.status()).isEqualTo(400);
            assertThat(badCsv.body()).contains("not valid CSV at line 2");
            HubClient.Response text = hub.client.postBytes("/api/v1/inbound/scale", with(auth, "text/plain"), "hello".getBytes(StandardCharsets.UTF_8));
            assertThat(text.status()).isEqualTo(415);
            assertThat(Sql.count(hub.db, "select count(*) from events")).isEqualTo(3);
        }
    }

    @Test
    void aSystemSpeaksOnlyForItsPlantsAndUnderItsOwnSource() throws Exception {
        TestPlant plant = new TestPlant(dir.resolve("plant"))
                .write("systems/line.yaml", """
                        name: line
                        plants: [acme/plant-a]
                        inbound:
                          http: { mapping: line.jsonata, source: "line://plant-a/2", auth: { type: token, token: "${env:HOME}" } }
                        """)
                .write("mappings/line.jsonata", """
                        { "type": "line.count", "id": id, "plant": plant, "source": src, "data": { "n": n } }""");
        Map<String, String> auth = Map.of("Authorization", "Bearer " + System.getenv("HOME"));
        try (TestHub hub = TestHub.start("inbound_owned", plant)) {
            HubClient.Response own = hub.client.postBytes("/api/v1/inbound/line", with(auth, "application/json"),
                    "{\"id\":\"c-1\",\"plant\":\"acme/plant-a\",\"n\":1}".getBytes(StandardCharsets.UTF_8));
            assertThat(own.status()).as(own.body()).isEqualTo(202);
            HubClient.Response otherPlant = hub.client.postBytes("/api/v1/inbound/line", with(auth, "application/json"),
                    "{\"id\":\"c-2\",\"plant\":\"acme/plant-b\",\"n\":1}".getBytes(StandardCharsets.UTF_8));
            assertThat(otherPlant.status()).isEqualTo(422);
            assertThat(otherPlant.body()).contains("plant 'acme/plant-b' is not one of line's plants");
            HubClient.Response forged = hub.client.postBytes("/api/v1/inbound/line", with(auth, "application/json"),
                    "{\"id\":\"c-3\",\"plant\":\"acme/plant-a\",\"src\":\"erp://s4\",\"n\":1}".getBytes(StandardCharsets.UTF_8));
            assertThat(forged.status()).isEqualTo(422);
            assertThat(forged.body()).contains("source 'erp://s4' is not line's");
            assertThat(Sql.count(hub.db, "select count(*) from events")).isEqualTo(1);
        }
    }

    @Test
    void aSaasStyleSignatureOverTheRawBodyIsCheckedOnTheBytesReceivedNotOnDecodedText() throws Exception {
        TestPlant plant = new TestPlant(dir.resolve("plant"))
                .write("../saas.key", "s4as")
                .write("systems/saas.yaml", """
                        name: saas
                        inbound:
                          http:
                            mapping: saas.jsonata
                            auth: { type: hmac, secret: "${file:%s}", signs: body, signatureHeader: X-Hub-Signature-256 }
                        """.formatted(dir.resolve("saas.key")))
                .write("systems/b64.yaml", """
                        name: b64
                        inbound:
                          http:
                            mapping: saas.jsonata
                            auth: { type: hmac, secret: "${file:%s}", signs: body, signatureHeader: X-Signature, prefix: none, encoding: base64 }
                        """.formatted(dir.resolve("saas.key")))
                .write("mappings/saas.jsonata", """
                        { "type": "saas.ncr.created", "id": "ncr-" & Ncr.no, "subject": Ncr.lot, "data": { "text": Ncr.text } }""");
        // ISO-8859-1 bytes: 0xC4 is not UTF-8, so a signature over decoded-and-re-encoded text would not match.
        byte[] body = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Ncr no=\"N-1\" lot=\"L-1\" text=\"\u00c4rger\"/>"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] mac = WebhookReceiver.hmacBytes("s4as", new byte[0], body);
        try (TestHub hub = TestHub.start("inbound_saas", plant)) {
            Map<String, String> github = Map.of("Content-Type", "application/xml",
                    "X-Hub-Signature-256", "sha256=" + java.util.HexFormat.of().formatHex(mac));
            HubClient.Response ok = hub.client.postBytes("/api/v1/inbound/saas", github, body);
            assertThat(ok.status()).as(ok.body()).isEqualTo(202);
            // The sender retries (no timestamp, no replay window): the same webhook again is a duplicate, not a second event.
            HubClient.Response again = hub.client.postBytes("/api/v1/inbound/saas", github, body);
            assertThat(again.status()).isEqualTo(202);
            assertThat(again.json().get("duplicates").asInt()).isEqualTo(1);
            JsonNode stored = hub.client.get("/api/v1/events?type=saas.ncr.created").json().get("items").get(0).get("event");
            assertThat(stored.at("/data/text").asText()).isEqualTo("\u00c4rger");

            String base64 = java.util.Base64.getEncoder().encodeToString(WebhookReceiver.hmacBytes("s4as", new byte[0],
                    "{\"Ncr\":{\"no\":\"N-2\",\"lot\":\"L-2\",\"text\":\"x\"}}".getBytes(StandardCharsets.UTF_8)));
            HubClient.Response b = hub.client.postBytes("/api/v1/inbound/b64", Map.of("Content-Type", "application/json", "X-Signature", base64),
                    "{\"Ncr\":{\"no\":\"N-2\",\"lot\":\"L-2\",\"text\":\"x\"}}".getBytes(StandardCharsets.UTF_8));
            assertThat(b.status()).as(b.body()).isEqualTo(202);

            byte[] tampered = body.clone();
            tampered[tampered.length - 4] = 'X';
            HubClient.Response bad = hub.client.postBytes("/api/v1/inbound/saas", github, tampered);
            assertThat(bad.status()).isEqualTo(401);
            assertThat(bad.body()).contains("X-Hub-Signature-256 must be sha256=HEX of HMAC-SHA256(secret, the body's bytes as sent)");
            HubClient.Response unsigned = hub.client.postBytes("/api/v1/inbound/saas", Map.of("Content-Type", "application/xml"), body);
            assertThat(unsigned.status()).isEqualTo(401);
            assertThat(unsigned.body()).contains("send the X-Hub-Signature-256 header");
            assertThat(Sql.count(hub.db, "select count(*) from events")).isEqualTo(2);
        }
    }

    private static Map<String, String> with(Map<String, String> headers, String contentType) {
        Map<String, String> out = new java.util.HashMap<>(headers);
        out.put("Content-Type", contentType);
        return out;
    }

    @Test
    void aMappingThatDoesNotCompileIsAConfigErrorWithItsPosition() throws Exception {
        try (TestTarget target = new TestTarget()) {
            TestPlant plant = plant(target).write("mappings/qms-inspection.jsonata", "{ \"type\": inspection.( }");
            assertThatThrownBy(() -> PlantConfig.load(plant.dir(), name -> null))
                    .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).extracting(ConfigError::toString)
                            .anyMatch(s -> s.startsWith("mappings/qms-inspection.jsonata:1: does not compile: mapping qms-inspection.jsonata at position")));
        }
    }
}
