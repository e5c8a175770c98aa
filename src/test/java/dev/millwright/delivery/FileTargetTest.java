package dev.millwright.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.event.Json;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A CMMS that only imports files gets whole files, one per delivery, replaced (not doubled) on redelivery. */
class FileTargetTest {
    @TempDir
    Path dir;

    private static List<Path> files(Path folder) throws Exception {
        if (!Files.isDirectory(folder)) return List.of();
        try (Stream<Path> s = Files.list(folder)) {
            return s.sorted().toList();
        }
    }

    @Test
    void eachDeliveryIsOneWholeFileAndARedeliveryReplacesIt() throws Exception {
        Path export = dir.resolve("export");
        TestPlant plant = new TestPlant(dir.resolve("plant"))
                .write("systems/cmms.yaml", """
                        name: cmms
                        outbound:
                          file: { dir: "%s", retry: { initialBackoff: 100ms, maxBackoff: 200ms } }
                        """.formatted(export))
                .subscription("closures", "test.file", "cmms", "/workorders", "subject");
        try (TestHub hub = TestHub.start("file_target", plant)) {
            for (int i = 0; i < 3; i++) {
                assertThat(hub.client.postEvents("application/cloudevents+json", event("f-" + i, "test.file", "WO-" + i, "{\"n\":" + i + "}")).status())
                        .isEqualTo(202);
            }
            Path folder = export.resolve("workorders");
            await().atMost(Duration.ofSeconds(20)).until(() -> files(folder).size() == 3
                    && Sql.count(hub.db, "select count(*) from deliveries where state = 'delivered'") == 3);
            for (Path f : files(folder)) {
                assertThat(f.getFileName().toString()).endsWith(".json").doesNotStartWith(".");
                JsonNode e = Json.MAPPER.readTree(f.toFile());
                assertThat(e.get("type").asText()).isEqualTo("test.file");
            }

            HubClient.Response replay = hub.client.postJson("/api/v1/replays", "{\"subscription\":\"closures\",\"type\":\"test.file\"}");
            assertThat(replay.json().get("deliveries").asInt()).isEqualTo(3);
            await().atMost(Duration.ofSeconds(20)).until(() -> Sql.count(hub.db, "select count(*) from deliveries where state = 'delivered'") == 6);
            assertThat(files(folder)).as("same keys, same files: nothing doubled, no temp files left").hasSize(3);
        }
    }

    @Test
    void anUnwritableFolderLeavesTheDeliveryFailedWithTheReason() throws Exception {
        Path blocker = dir.resolve("not-a-dir");
        Files.writeString(blocker, "a file where the export folder should be");
        TestPlant plant = new TestPlant(dir.resolve("plant"))
                .write("systems/cmms.yaml", """
                        name: cmms
                        outbound:
                          file: { dir: "%s" }
                        """.formatted(blocker))
                .subscription("closures", "test.file", "cmms", "/workorders", null);
        try (TestHub hub = TestHub.start("file_target_bad", plant)) {
            hub.client.postEvents("application/cloudevents+json", event("f-x", "test.file", null, "{}"));
            await().atMost(Duration.ofSeconds(20)).until(() -> hub.client.get("/api/v1/deliveries?status=failed").json().get("items").size() == 1);
            assertThat(hub.client.get("/api/v1/deliveries?status=failed").json().at("/items/0/lastError").asText())
                    .startsWith("cannot write " + blocker);
            HubClient.Response health = hub.client.get("/api/v1/systems/cmms/health");
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.json().get("problem").asText()).startsWith("cannot write in " + blocker);
        }
    }

    @Test
    void csvExportsHoldTheMappedRowsAndABadMappingDeadLettersTheDelivery() throws Exception {
        Path export = dir.resolve("csv-export");
        TestPlant plant = new TestPlant(dir.resolve("plant"))
                .write("mappings/parts.jsonata", """
                        data.parts.{ "order": $$.subject, "part": part, "qty": qty, "note": note }""")
                .write("systems/erp-import.yaml", """
                        name: erp-import
                        outbound:
                          file: { dir: "%s", format: csv, mapping: parts.jsonata }
                        """.formatted(export))
                .subscription("parts", "test.parts", "erp-import", "/parts", null);
        try (TestHub hub = TestHub.start("file_csv", plant)) {
            hub.client.postEvents("application/cloudevents+json", event("p-1", "test.parts", "MWO-55012",
                    "{\"parts\":[{\"part\":\"BRG-6204\",\"qty\":2,\"note\":\"bearing, \\\"sealed\\\"\"},{\"part\":\"SEAL-30\",\"qty\":1,\"note\":null},"
                            + "{\"part\":\"=HYPERLINK(\\\"http://x\\\")\",\"qty\":-3,\"note\":\"@SUM(A1)\"}]}"));
            hub.client.postEvents("application/cloudevents+json", event("p-2", "test.parts", "MWO-55013",
                    "{\"parts\":[{\"part\":{\"id\":\"X\"},\"qty\":1}]}"));
            Path folder = export.resolve("parts");
            await().atMost(Duration.ofSeconds(20)).until(() -> files(folder).size() == 1
                    && Sql.count(hub.db, "select count(*) from deliveries where state = 'dead'") == 1);
            Path csv = files(folder).getFirst();
            assertThat(csv.getFileName().toString()).endsWith(".csv");
            assertThat(Files.readAllLines(csv)).containsExactly(
                    "order,part,qty,note",
                    "MWO-55012,BRG-6204,2,\"bearing, \"\"sealed\"\"\"",
                    "MWO-55012,SEAL-30,1,",
                    // a text cell a spreadsheet would run is made inert; a negative number stays a number
                    "MWO-55012,\"'=HYPERLINK(\"\"http://x\"\")\",-3,\"'@SUM(A1)\"");
            JsonNode dead = hub.client.get("/api/v1/deliveries?status=dead").json().get("items").get(0);
            assertThat(dead.get("lastError").asText()).contains("parts.jsonata").contains("column 'part' is OBJECT");
        }
    }
}
