package dev.millwright.xref;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The cross-reference: CNC-07 in MES is 10004711 in ERP and A-7781 in EAM. */
class XrefTest {
    @TempDir
    Path dir;

    private static final String LATHE = """
            {"systems": {"mes": "CNC-07", "erp": "10004711", "eam": "A-7781"}}""";

    private static HubClient.Response resolve(TestHub hub, String type, String system, String localId, String to) {
        return hub.client.get("/api/v1/xref/resolve?entityType=" + type + "&system=" + system + "&localId=" + localId + "&to=" + to);
    }

    private static HubClient.Response importCsv(TestHub hub, String csv) {
        return hub.client.postBytes("/api/v1/xref/import", Map.of("Content-Type", "text/csv"), csv.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void idsResolveBetweenSystemsAndEveryChangeIsInTheHistory() throws Exception {
        try (TestHub hub = TestHub.start("xref_api", new TestPlant(dir.resolve("plant")))) {
            HubClient.Response put = hub.client.putJson("/api/v1/xref/equipment/EQ-LATHE-7", LATHE);
            assertThat(put.status()).as(put.body()).isEqualTo(200);
            assertThat(put.json().get("added").asInt()).isEqualTo(3);

            assertThat(resolve(hub, "equipment", "mes", "CNC-07", "erp").json().get("id").asText()).isEqualTo("10004711");
            assertThat(resolve(hub, "equipment", "eam", "A-7781", "canonical").json().get("id").asText()).isEqualTo("EQ-LATHE-7");
            assertThat(resolve(hub, "equipment", "canonical", "EQ-LATHE-7", "eam").json().get("id").asText()).isEqualTo("A-7781");
            HubClient.Response unknown = resolve(hub, "equipment", "mes", "CNC-99", "erp");
            assertThat(unknown.status()).isEqualTo(404);
            assertThat(unknown.contentType()).startsWith("application/problem+json");
            assertThat(unknown.body()).contains("equipment 'CNC-99' of mes has no erp id");

            // ERP renumbers the lathe; EAM is dropped.
            HubClient.Response change = hub.client.putJson("/api/v1/xref/equipment/EQ-LATHE-7", """
                    {"systems": {"mes": "CNC-07", "erp": "10009999"}}""");
            assertThat(change.json().get("changed").asInt()).isEqualTo(1);
            assertThat(change.json().get("removed").asInt()).isEqualTo(1);
            assertThat(change.json().get("unchanged").asInt()).isEqualTo(1);
            assertThat(resolve(hub, "equipment", "mes", "CNC-07", "erp").json().get("id").asText()).isEqualTo("10009999");
            assertThat(resolve(hub, "equipment", "eam", "A-7781", "canonical").status()).isEqualTo(404);

            JsonNode entry = hub.client.get("/api/v1/xref/equipment/EQ-LATHE-7").json();
            assertThat(entry.get("systems").get("erp").asText()).isEqualTo("10009999");
            JsonNode history = entry.get("history");
            assertThat(history).hasSize(5);
            JsonNode renumber = history.get(4).get("system").asText().equals("erp") ? history.get(4) : history.get(3);
            assertThat(renumber.get("oldLocalId").asText()).isEqualTo("10004711");
            assertThat(renumber.get("newLocalId").asText()).isEqualTo("10009999");
            assertThat(renumber.get("changedBy").asText()).isNotBlank();

            // An id names one entity: giving MES's CNC-07 to another machine is refused and changes nothing.
            HubClient.Response taken = hub.client.putJson("/api/v1/xref/equipment/EQ-MILL-2", """
                    {"systems": {"mes": "CNC-07", "erp": "10004712"}}""");
            assertThat(taken.status()).isEqualTo(409);
            assertThat(taken.body()).contains("mes id 'CNC-07' already names equipment 'EQ-LATHE-7'");
            assertThat(hub.client.get("/api/v1/xref/equipment/EQ-MILL-2").status()).isEqualTo(404);

            HubClient.Response bad = hub.client.putJson("/api/v1/xref/spaceship/X", LATHE);
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.body()).contains("unknown entity type 'spaceship'");
            assertThat(hub.client.putJson("/api/v1/xref/equipment/X", "{\"systems\": {\"mes\": 7}}").body()).contains("/systems/mes");

            assertThat(hub.client.delete("/api/v1/xref/equipment/EQ-LATHE-7").json().get("removed").asInt()).isEqualTo(2);
            assertThat(resolve(hub, "equipment", "mes", "CNC-07", "erp").status()).isEqualTo(404);
            assertThat(hub.client.get("/api/v1/xref/equipment/EQ-LATHE-7").json().get("history")).hasSize(7);
        }
    }

    @Test
    void aCsvImportIsAnIdempotentUpsertThatNamesEveryRejectedLine() throws Exception {
        try (TestHub hub = TestHub.start("xref_import", new TestPlant(dir.resolve("plant")))) {
            hub.client.putJson("/api/v1/xref/material/MAT-PUMP-7", "{\"systems\": {\"erp\": \"4711\"}}");
            String csv = """
                    entityType,canonicalId,system,localId
                    material,MAT-PUMP-7,erp,4711
                    material,MAT-PUMP-7,mes,PUMP-HOUSING-7
                    material,MAT-SEAL-3,erp,4711
                    gizmo,G-1,erp,1
                    material,MAT-SEAL-3,erp
                    material,MAT-SEAL-3,mes,SEAL-30
                    """;
            // A preview first: the same counts and rejects, nothing changed.
            HubClient.Response preview = hub.client.postBytes("/api/v1/xref/import?dryRun=true", Map.of("Content-Type", "text/csv"),
                    csv.getBytes(StandardCharsets.UTF_8));
            assertThat(preview.status()).as(preview.body()).isEqualTo(200);
            assertThat(preview.json().get("dryRun").asBoolean()).isTrue();
            assertThat(preview.json().get("added").asInt()).isEqualTo(2);
            assertThat(preview.json().get("rejected")).hasSize(3);
            assertThat(resolve(hub, "material", "mes", "SEAL-30", "canonical").status()).as("a preview changes nothing").isEqualTo(404);
            assertThat(Sql.count(hub.db, "select count(*) from audit_log where action = 'xref.import'")).isZero();

            HubClient.Response first = importCsv(hub, csv);
            assertThat(first.status()).as(first.body()).isEqualTo(200);
            assertThat(first.json().get("dryRun").asBoolean()).isFalse();
            assertThat(Sql.count(hub.db, "select count(*) from audit_log where action = 'xref.import'")).isEqualTo(1);
            JsonNode r = first.json();
            assertThat(r.get("added").asInt()).isEqualTo(2);
            assertThat(r.get("changed").asInt()).isZero();
            assertThat(r.get("unchanged").asInt()).isEqualTo(1);
            assertThat(r.get("rejected")).hasSize(3);
            assertThat(r.get("rejected").get(0).get("line").asInt()).isEqualTo(4);
            assertThat(r.get("rejected").get(0).get("reason").asText()).contains("erp id '4711' already names 'MAT-PUMP-7'");
            assertThat(r.get("rejected").get(1).get("line").asInt()).isEqualTo(5);
            assertThat(r.get("rejected").get(1).get("reason").asText()).contains("unknown entity type 'gizmo'");
            assertThat(r.get("rejected").get(2).get("line").asInt()).isEqualTo(6);
            assertThat(r.get("rejected").get(2).get("reason").asText()).contains("3 columns");
            assertThat(resolve(hub, "material", "mes", "SEAL-30", "canonical").json().get("id").asText()).isEqualTo("MAT-SEAL-3");

            JsonNode again = importCsv(hub, csv).json();
            assertThat(again.get("added").asInt()).isZero();
            assertThat(again.get("changed").asInt()).isZero();
            assertThat(again.get("unchanged").asInt()).isEqualTo(3);

            assertThat(importCsv(hub, "type,id\nx,y\n").body()).contains("the header must be entityType,canonicalId,system,localId");
            assertThat(hub.client.postBytes("/api/v1/xref/import", Map.of("Content-Type", "application/json"), "{}".getBytes()).status())
                    .isEqualTo(415);
        }
    }

    @Test
    void aChangeOnOneNodeIsSeenByTheOtherNodesNextLookup() throws Exception {
        String schema = TestPostgres.newSchema("xref_nodes");
        TestPlant plant = new TestPlant(dir.resolve("plant"));
        try (TestHub a = TestHub.startOn(schema, plant, Clock.systemUTC()); TestHub b = TestHub.startOn(schema, plant, Clock.systemUTC())) {
            a.client.putJson("/api/v1/xref/asset/AS-1", "{\"systems\": {\"eam\": \"A-7781\", \"erp\": \"10004711\"}}");
            assertThat(resolve(b, "asset", "eam", "A-7781", "erp").json().get("id").asText()).isEqualTo("10004711"); // now cached on b
            assertThat(resolve(b, "asset", "eam", "A-9999", "erp").status()).isEqualTo(404); // a miss, cached too

            a.client.putJson("/api/v1/xref/asset/AS-1", "{\"systems\": {\"eam\": \"A-7781\", \"erp\": \"20000001\"}}");
            a.client.putJson("/api/v1/xref/asset/AS-2", "{\"systems\": {\"eam\": \"A-9999\", \"erp\": \"20000002\"}}");
            // b learns of the changes by NOTIFY a moment after a's commit.
            await().atMost(Duration.ofSeconds(5)).until(() -> resolve(b, "asset", "eam", "A-7781", "erp").json().get("id").asText().equals("20000001"));
            await().atMost(Duration.ofSeconds(5)).until(() -> resolve(b, "asset", "eam", "A-9999", "erp").status() == 200);

            importCsv(a, "entityType,canonicalId,system,localId\nasset,AS-1,erp,30000001\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> resolve(b, "asset", "eam", "A-7781", "erp").json().get("id").asText().equals("30000001"));
        }
    }
}
