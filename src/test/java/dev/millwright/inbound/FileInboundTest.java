package dev.millwright.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Files in: a CMMS that closes work orders in CSV exports. One file is one atomic batch. */
class FileInboundTest {
    @TempDir
    Path dir;

    private static final String HEADER = "order,asset,closed,hours\n";

    private Path inbox() {
        return dir.resolve("in");
    }

    private TestPlant plant(String mapping, String extra) {
        return new TestPlant(dir.resolve("plant"))
                .write("mappings/closures.jsonata", mapping)
                .write("systems/cmms.yaml", """
                        name: cmms
                        inbound:
                          files:
                            dir: %s
                            pattern: "*.csv"
                            format: csv
                            mapping: closures.jsonata
                            stableFor: 500ms
                            pollInterval: 100ms
                        %s""".formatted(inbox(), extra.indent(4)));
    }

    private static final String MAPPING = """
            $.{ "type": "maintenance.workorder.closed", "id": "WO-" & order, "subject": order,
                "data": { "order": order, "asset": asset, "hours": $number(hours) } }""";

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private static long count(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    private static JsonNode events(TestHub hub) {
        return hub.client.get("/api/v1/events?type=maintenance.workorder.closed&limit=1000").json().get("items");
    }

    @Test
    void aFileBecomesEventsInOneBatchAndMovesToDone() throws Exception {
        try (TestHub hub = TestHub.start("files_ok", plant(MAPPING, ""))) {
            write(inbox().resolve("closures-0800.csv"), HEADER + "4711,A-7781,2026-11-25T08:00:00Z,2.5\n4712,A-7782,2026-11-25T08:10:00Z,1\n"
                    + "4713,A-7781,2026-11-25T08:40:00Z,0.5\n");
            write(inbox().resolve("notes.txt"), "not for the hub");
            await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(inbox().resolve("done/closures-0800.csv")));
            assertThat(hub.client.get("/api/v1/systems/cmms/health").json().get("ok").asBoolean()).isTrue();
            JsonNode events = events(hub);
            assertThat(events).hasSize(3);
            assertThat(events.findValuesAsText("subject")).containsExactlyInAnyOrder("4711", "4712", "4713");
            assertThat(events.get(0).get("event").get("source").asText()).isEqualTo("system://cmms");
            assertThat(Files.exists(inbox().resolve("closures-0800.csv"))).isFalse();
            assertThat(Files.exists(inbox().resolve("notes.txt"))).isTrue();
        }
    }

    @Test
    void aFileOverTheLimitIsSetAsideUnreadAndALinkIsNeverFollowed() throws Exception {
        Path outside = Files.writeString(Files.createDirectories(dir.resolve("elsewhere")).resolve("secret.csv"), HEADER + "9999,A-9,2026-11-25T08:00:00Z,1\n");
        try (TestHub hub = TestHub.start("files_limits", plant(MAPPING, "maxFileBytes: 200"))) {
            write(inbox().resolve("big.csv"), HEADER + "8001,A-1,2026-11-25T08:00:00Z,1\n".repeat(20));
            Files.createSymbolicLink(inbox().resolve("link.csv"), outside);
            write(inbox().resolve("small.csv"), HEADER + "8100,A-1,2026-11-25T08:00:00Z,1\n");
            await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(inbox().resolve("failed/big.csv"))
                    && Files.exists(inbox().resolve("done/small.csv")));
            assertThat(Files.readString(inbox().resolve("failed/big.csv.reason.txt"))).contains("at most 200 bytes");
            assertThat(events(hub).findValuesAsText("subject")).containsExactly("8100");
            assertThat(Files.isSymbolicLink(inbox().resolve("link.csv"))).as("the link is left where it is, unread").isTrue();
            assertThat(Files.readString(outside)).contains("9999");
        }
    }

    @Test
    void aHalfWrittenFileIsNeverRead() throws Exception {
        try (TestHub hub = TestHub.start("files_partial", plant(MAPPING, ""))) {
            Path file = inbox().resolve("slow.csv");
            write(file, HEADER + "5001,A-1,2026-11-25T08:00:00Z,");
            // The system keeps writing, a row at a time, for longer than stableFor; a reader that did not wait for
            // the file to settle would see a row cut short and fail it.
            for (int i = 2; i <= 12; i++) {
                Files.writeString(file, "1\n500" + i + ",A-" + i + ",2026-11-25T08:00:00Z,", StandardOpenOption.APPEND);
                Thread.sleep(150);
                assertThat(Files.exists(file)).as("file still being written must not be taken").isTrue();
            }
            Files.writeString(file, "1\n", StandardOpenOption.APPEND);
            await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(inbox().resolve("done/slow.csv")));
            assertThat(events(hub)).hasSize(12);
            assertThat(count(inbox().resolve("failed"))).isZero();
        }
    }

    @Test
    void aCsvWithABadRowFailsWholeWithItsLineAndGoodFilesStillFlow() throws Exception {
        try (TestHub hub = TestHub.start("files_bad", plant(MAPPING, ""))) {
            write(inbox().resolve("bad.csv"), HEADER + "6001,A-1,2026-11-25T08:00:00Z,1\n6002,A-2\n6003,A-3,2026-11-25T08:00:00Z,1\n");
            write(inbox().resolve("good.csv"), HEADER + "7001,A-1,2026-11-25T08:00:00Z,1\n");
            await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(inbox().resolve("failed/bad.csv"))
                    && Files.exists(inbox().resolve("done/good.csv")));
            String reason = Files.readString(inbox().resolve("failed/bad.csv.reason.txt"));
            assertThat(reason).contains("line 3").contains("CSV");
            assertThat(events(hub).findValuesAsText("subject")).containsExactly("7001");
            JsonNode failures = hub.client.get("/api/v1/inbound-failures?system=cmms").json().get("items");
            assertThat(failures).hasSize(1);
            assertThat(failures.get(0).get("channel").asText()).isEqualTo("file");
            assertThat(failures.get(0).get("reference").asText()).isEqualTo("bad.csv");
            assertThat(failures.get(0).get("reason").asText()).contains("line 3");
            assertThat(failures.get(0).get("state").asText()).isEqualTo("open");
        }
    }

    @Test
    void aFileReadAgainAfterACrashGivesNoDuplicates() throws Exception {
        try (TestHub hub = TestHub.start("files_again", plant(MAPPING, ""))) {
            String content = HEADER + "8001,A-1,2026-11-25T08:00:00Z,1\n8002,A-2,2026-11-25T08:00:00Z,2\n";
            write(inbox().resolve("orders.csv"), content);
            await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(inbox().resolve("done/orders.csv")));
            // What a crash between the commit and the move leaves behind: the same file in the folder again.
            write(inbox().resolve("orders.csv"), content);
            await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(inbox().resolve("done/orders.csv.1")));
            assertThat(events(hub)).hasSize(2);
            assertThat(hub.hub.api().routes()).isNotEmpty();
        }
    }

    @Test
    void withAMarkerAFileIsReadOnlyOnceItsMarkerExists() throws Exception {
        try (TestHub hub = TestHub.start("files_marker", plant(MAPPING, "marker: .ready\n"))) {
            write(inbox().resolve("m.csv"), HEADER + "9001,A-1,2026-11-25T08:00:00Z,1\n");
            write(inbox().resolve("n.csv"), HEADER + "9002,A-1,2026-11-25T08:00:00Z,1\n");
            write(inbox().resolve("n.csv.ready"), "");
            await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(inbox().resolve("done/n.csv")));
            assertThat(Files.exists(inbox().resolve("n.csv.ready"))).isFalse();
            assertThat(Files.exists(inbox().resolve("m.csv"))).as("no marker, not read").isTrue();
            write(inbox().resolve("m.csv.ready"), "");
            await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(inbox().resolve("done/m.csv")));
            assertThat(events(hub)).hasSize(2);
        }
    }

    @Test
    void aFailedFileIsTakenAgainAfterItsMappingIsFixed() throws Exception {
        String schema = TestPostgres.newSchema("files_retry");
        String strict = """
                $.{ "type": "maintenance.workorder.closed", "id": "WO-" & order, "subject": order,
                    "data": { "order": order, "hours": $number(hours) } }""";
        long failureId;
        try (TestHub hub = TestHub.startOn(schema, plant(strict, ""), Clock.systemUTC())) {
            write(inbox().resolve("h.csv"), HEADER + "9101,A-1,2026-11-25T08:00:00Z,two\n");
            await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(inbox().resolve("failed/h.csv")));
            JsonNode failure = hub.client.get("/api/v1/inbound-failures?state=open").json().get("items").get(0);
            assertThat(failure.get("reason").asText()).contains("closures.jsonata").contains("\"two\"");
            failureId = failure.get("id").asLong();
            assertThat(hub.client.postJson("/api/v1/inbound-failures/" + failureId + "/retry", "{}").status()).isEqualTo(422);
        }
        String lenient = strict.replace("$number(hours)", "$exists($number(hours)) ? $number(hours) : null")
                .replace("$exists($number(hours))", "$contains(hours, /^[0-9.]+$/)");
        try (TestHub hub = TestHub.startOn(schema, plant(lenient, ""), Clock.systemUTC())) {
            var retried = hub.client.postJson("/api/v1/inbound-failures/" + failureId + "/retry", "{}");
            assertThat(retried.status()).isEqualTo(200);
            assertThat(retried.json().get("accepted").asInt()).isEqualTo(1);
            assertThat(events(hub)).hasSize(1);
            assertThat(hub.client.get("/api/v1/inbound-failures/" + failureId).json().get("failure").get("state").asText()).isEqualTo("resolved");
            assertThat(hub.client.postJson("/api/v1/inbound-failures/" + failureId + "/retry", "{}").status()).isEqualTo(409);
        }
    }
}
