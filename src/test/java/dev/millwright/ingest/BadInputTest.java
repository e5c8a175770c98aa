package dev.millwright.ingest;

import dev.millwright.store.Database;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestTarget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;

/** Malformed requests each get the right status and a problem+json naming the problem; nothing is stored. */
class BadInputTest {
    private static final String CE = "application/cloudevents+json";
    private static final String BATCH = "application/cloudevents-batch+json";
    private static final String GOOD = event("good-1", "quality.inspection.failed", "LOT-1", "{\"lot\":\"LOT-1\"}");

    @TempDir
    static Path dir;
    static TestHub hub;
    static Database db;
    static TestTarget target;
    static HubClient client;

    @BeforeAll
    static void start() throws Exception {
        target = new TestTarget();
        TestPlant plant = new TestPlant(dir).system("erp", target.baseUrl())
                .subscription("holds", "quality.*", "erp", "/holds", "subject");
        plant.hub("""
                plant: test-plant
                http: { host: 127.0.0.1, port: 0, maxBodyBytes: 1048576, maxBatchEvents: 100 }
                """);
        hub = TestHub.start("bad_input", plant);
        db = hub.db;
        client = hub.client;
    }

    @AfterAll
    static void stop() throws Exception {
        hub.close();
        target.close();
    }

    record Case(String name, Map<String, String> headers, byte[] body, int status, String mentions) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case ce(String name, String body, int status, String mentions) {
        return new Case(name, Map.of("Content-Type", CE), body.getBytes(StandardCharsets.UTF_8), status, mentions);
    }

    static Case batch(String name, String body, int status, String mentions) {
        return new Case(name, Map.of("Content-Type", BATCH), body.getBytes(StandardCharsets.UTF_8), status, mentions);
    }

    static Stream<Arguments> cases() {
        String nested = "[".repeat(1000) + "]".repeat(1000);
        List<String> tooMany = new ArrayList<>();
        for (int i = 0; i < 101; i++) tooMany.add(event("many-" + i, "quality.inspection.failed", "S", "{}"));
        byte[] invalidUtf8 = ("{\"specversion\":\"1.0\",\"id\":\"u\",\"source\":\"s\",\"type\":\"t\",\"data\":\"")
                .getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[invalidUtf8.length + 4];
        System.arraycopy(invalidUtf8, 0, body, 0, invalidUtf8.length);
        body[invalidUtf8.length] = (byte) 0xC3; // a lead byte followed by an ASCII byte: not UTF-8
        body[invalidUtf8.length + 1] = (byte) 0x28;
        body[invalidUtf8.length + 2] = '"';
        body[invalidUtf8.length + 3] = '}';
        return Stream.of(
                ce("truncated JSON", GOOD.substring(0, GOOD.length() / 2), 400, "end-of-input"),
                ce("id is a number", GOOD.replace("\"id\":\"good-1\"", "\"id\":17"), 400, "/id"),
                ce("missing id", GOOD.replace("\"id\":\"good-1\",", ""), 400, "/id"),
                ce("missing source", GOOD.replace("\"source\":\"test://qms\",", ""), 400, "/source"),
                ce("missing type", GOOD.replace("\"type\":\"quality.inspection.failed\",", ""), 400, "/type"),
                ce("missing specversion", GOOD.replace("\"specversion\":\"1.0\",", ""), 400, "/specversion"),
                ce("unsupported specversion", GOOD.replace("\"1.0\"", "\"0.3\""), 400, "/specversion"),
                ce("time not RFC 3339", GOOD.replace("{\"specversion\"", "{\"time\":\"yesterday\",\"specversion\""), 400, "/time"),
                ce("source not a URI", GOOD.replace("test://qms", "test://q ms"), 400, "/source"),
                ce("data and data_base64", GOOD.replace("{\"specversion\"", "{\"data_base64\":\"AAAA\",\"specversion\""), 400, "data_base64"),
                ce("extension is an object", GOOD.replace("{\"specversion\"", "{\"plant\":{\"a\":1},\"specversion\""), 400, "/plant"),
                ce("bad extension name", GOOD.replace("{\"specversion\"", "{\"Plant_Id\":\"x\",\"specversion\""), 400, "/Plant_Id"),
                ce("duplicate key", GOOD.replace("{\"specversion\"", "{\"id\":\"dup\",\"specversion\""), 400, "Duplicate field"),
                ce("trailing garbage", GOOD + " {}", 400, "Trailing token"),
                ce("event is an array", "[" + GOOD + "]", 400, "JSON object"),
                ce("empty body", "", 400, "empty"),
                ce("NUL in subject", GOOD.replace("LOT-1\"", "LOT\\u00001\""), 400, "NUL"),
                ce("deeply nested JSON", GOOD.replace("{\"lot\":\"LOT-1\"}", nested), 400, "nests deeper"),
                new Case("10 MB body", Map.of("Content-Type", CE), new byte[10 * 1024 * 1024], 413, "limit"),
                new Case("invalid UTF-8", Map.of("Content-Type", CE), body, 400, "UTF-8"),
                batch("batch with one bad item", HubClient.batch(List.of(GOOD,
                        event("bad-2", "quality.inspection.failed", "LOT-2", "{}").replace("\"type\":\"quality.inspection.failed\",", ""))), 400, "/1/type"),
                batch("batch is an object", GOOD, 400, "JSON array"),
                batch("empty batch", "[]", 400, "empty"),
                batch("batch over the event limit", HubClient.batch(tooMany), 413, "at most 100"),
                ce("catalog event breaking its contract", GOOD, 400, "/data/inspectionId"),
                ce("type outside the catalog", GOOD.replace("quality.inspection.failed", "acme.custom.thing"), 400, "not in the event catalog"),
                new Case("unknown content type", Map.of("Content-Type", "text/plain"), GOOD.getBytes(StandardCharsets.UTF_8), 415, "text/plain"),
                new Case("plain JSON without ce- headers", Map.of("Content-Type", "application/json"), GOOD.getBytes(StandardCharsets.UTF_8), 415, "ce-"),
                new Case("binary mode without ce-id", Map.of("Content-Type", "application/json", "ce-specversion", "1.0",
                        "ce-source", "test://qms", "ce-type", "quality.inspection.failed"), "{}".getBytes(StandardCharsets.UTF_8), 400, "ce-id")
        ).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rejectedWithProblemAndNothingStored(Case c) {
        HubClient.Response r = client.postBytes("/api/v1/events", c.headers(), c.body());
        assertThat(r.status()).as(r.body()).isEqualTo(c.status());
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().path("status").asInt()).isEqualTo(c.status());
        assertThat(r.json().path("title").asText()).isNotBlank();
        assertThat(r.body()).contains(c.mentions()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(Sql.count(db, "select count(*) from events")).isZero();
        assertThat(Sql.count(db, "select count(*) from deliveries")).isZero();
    }

    @Test
    void everyProblemOfAnEventIsNamed() {
        String bad = "{\"specversion\":\"1.0\",\"id\":5,\"type\":\"\",\"time\":\"noon\"}";
        HubClient.Response r = client.postEvents(CE, bad);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("errors").findValuesAsText("pointer")).containsExactlyInAnyOrder("/id", "/source", "/type", "/time");
    }

    @Test
    void missingTokenIsUnauthorized() {
        HubClient.Response r = client.getWithoutToken("/api/v1/events");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.contentType()).startsWith("application/problem+json");
    }

    @Test
    void unknownRouteIsProblem() {
        HubClient.Response r = client.get("/api/v1/nothing-here");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.contentType()).startsWith("application/problem+json");
    }
}
