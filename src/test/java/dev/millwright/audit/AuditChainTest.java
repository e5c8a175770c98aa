package dev.millwright.audit;

import dev.millwright.store.Actor;
import dev.millwright.store.AuditStore;
import dev.millwright.store.Database;
import dev.millwright.store.Jdbc;
import dev.millwright.support.Sql;
import dev.millwright.support.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** The audit trail is a hash chain: an edit, a deletion or a reordering made in the database is found and named. */
class AuditChainTest {
    Database db;

    @BeforeEach
    void open() {
        db = TestPostgres.newDatabase("audit");
    }

    @AfterEach
    void close() {
        db.close();
    }

    private void record(int n) {
        for (int i = 1; i <= n; i++) {
            int k = i;
            Jdbc.inTransaction(db.dataSource(), c -> {
                AuditStore.record(c, new Actor("operator-" + (k % 2), "10.0.0." + k), "delivery.retry", "{\"delivery\":" + k + "}");
                return null;
            });
        }
    }

    private AuditStore.Verification verify() {
        return Jdbc.withConnection(db.dataSource(), AuditStore::verify);
    }

    @Test
    void anIntactChainVerifiesAndItsHeadCanBeHandedToANotary() {
        record(5);
        AuditStore.Verification ok = verify();
        assertThat(ok.intact()).isTrue();
        assertThat(ok.entries()).isEqualTo(5);
        assertThat(ok.headHash()).hasSize(64);
        // The SQL definition (used to chain entries written before the chain existed) and the Java one agree.
        assertThat(Sql.count(db, "select count(*) from audit_log where audit_chain_hash(prev_hash, id, at, actor, action, detail, client) = hash"))
                .isEqualTo(5);
        record(1);
        assertThat(verify().headHash()).isNotEqualTo(ok.headHash());
    }

    @Test
    void anEditADeletionAndAReorderingAreEachFoundAtTheFirstEntryTheyTouched() {
        record(5);
        Sql.execute(db, "update audit_log set detail = '{\"delivery\":999}' where id = 3");
        AuditStore.Verification edited = verify();
        assertThat(edited.brokenAt()).isEqualTo(3);
        assertThat(edited.problem()).contains("entry 3 was changed after it was written");
        Sql.execute(db, "update audit_log set detail = '{\"delivery\":3}' where id = 3");
        assertThat(verify().intact()).isTrue();

        // Moving entries: 2 and 4 swap their content (and hashes), as a reordering by hand would.
        Sql.execute(db, """
                update audit_log a set actor = b.actor, action = b.action, detail = b.detail, client = b.client, hash = b.hash, prev_hash = b.prev_hash
                from (select * from audit_log where id in (2, 4)) b where a.id in (2, 4) and b.id = 6 - a.id""");
        assertThat(verify().brokenAt()).isEqualTo(2);
        Sql.execute(db, """
                update audit_log a set actor = b.actor, action = b.action, detail = b.detail, client = b.client, hash = b.hash, prev_hash = b.prev_hash
                from (select * from audit_log where id in (2, 4)) b where a.id in (2, 4) and b.id = 6 - a.id""");
        assertThat(verify().intact()).isTrue();

        Sql.execute(db, "delete from audit_log where id = 2");
        AuditStore.Verification deleted = verify();
        assertThat(deleted.brokenAt()).isEqualTo(3);
        assertThat(deleted.problem()).contains("entry 3 does not follow the entry before it");
    }

    @Test
    void theApiListsExportsAndVerifiesTheTrailAndNoRouteChangesIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        try (dev.millwright.support.TestTarget erp = new dev.millwright.support.TestTarget();
             dev.millwright.support.TestHub hub = dev.millwright.support.TestHub.start("audit_api", new dev.millwright.support.TestPlant(dir)
                     .system("erp", erp.baseUrl()).subscription("holds", "test.hold", "erp", "/holds", null))) {
            var client = hub.client;
            assertThat(client.postEvents("application/cloudevents+json", dev.millwright.support.HubClient.event("a-1", "test.hold", "L", "{}"))
                    .status()).isEqualTo(202);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> erp.received().size() == 1);
            assertThat(client.postJson("/api/v1/replays", "{\"subscription\":\"holds\"}").status()).isBetween(200, 202);
            var listed = client.get("/api/v1/audit?action=replay").json().get("items");
            assertThat(listed).hasSize(1);
            assertThat(listed.get(0).get("hash").asText()).hasSize(64);
            assertThat(listed.get(0).get("actor").asText()).isEqualTo("bootstrap-admin");
            assertThat(listed.get(0).get("client").asText()).isEqualTo("127.0.0.1");
            // The hub's start is a configuration load, audited first with the folder's content hash.
            var loads = client.get("/api/v1/audit?action=config.load").json().get("items");
            assertThat(loads).hasSize(1);
            assertThat(loads.get(0).get("detail").asText()).containsPattern("\\\"sha256\\\":\\\"[0-9a-f]{64}\\\"");
            String jsonl = client.get("/api/v1/audit?format=jsonl").body();
            assertThat(jsonl.lines().count()).as(jsonl).isEqualTo(2);
            assertThat(jsonl.lines()).as(jsonl).allMatch(l -> l.startsWith("{\"id\":"));
            assertThat(client.get("/api/v1/audit/verify").json().get("intact").asBoolean()).isTrue();

            Sql.execute(hub.db, "update audit_log set actor = 'someone-else' where action = 'replay'");
            var broken = client.get("/api/v1/audit/verify").json();
            assertThat(broken.get("intact").asBoolean()).isFalse();
            assertThat(broken.get("brokenAt").asLong()).isEqualTo(listed.get(0).get("id").asLong());

            var bad = client.get("/api/v1/audit?limit=0&from=yesterday&format=xml");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.contentType()).startsWith("application/problem+json");
            assertThat(bad.body()).contains("limit").contains("from").contains("format");
            assertThat(client.delete("/api/v1/audit").status()).isIn(404, 405);
        }
    }

    @Test
    void entriesWrittenBeforeTheChainExistedAreChainedByTheMigration() {
        String schema = TestPostgres.newSchema("audit_old");
        org.flywaydb.core.Flyway.configure().dataSource(TestPostgres.jdbcUrl(), "postgres", null).schemas(schema).createSchemas(true)
                .locations("classpath:db/migration").target("10").load().migrate();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(TestPostgres.jdbcUrl(), "postgres", null);
             java.sql.Statement st = c.createStatement()) {
            st.execute("insert into " + schema + ".audit_log (at, actor, action, detail) values "
                    + "('2026-11-30 10:00:00.123456+00', 'admin', 'delivery.retry', '{\"delivery\":1}'), "
                    + "('2026-11-30 10:05:00+00', 'ops', 'replay', '{\"replay\":1}')");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        try (Database old = Database.open(TestPostgres.jdbcUrl(), "postgres", null, schema, 4)) {
            AuditStore.Verification v = Jdbc.withConnection(old.dataSource(), AuditStore::verify);
            assertThat(v.intact()).as(v.problem()).isTrue();
            assertThat(v.entries()).isEqualTo(2);
            Jdbc.inTransaction(old.dataSource(), c -> {
                AuditStore.record(c, Actor.of("admin"), "flow.cancel", "{}");
                return null;
            });
            assertThat(Jdbc.withConnection(old.dataSource(), AuditStore::verify).entries()).isEqualTo(3);
        }
    }

    @Test
    void concurrentWritersStillMakeOneChain() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) done.add(pool.submit(() -> record(25)));
            for (Future<?> f : done) f.get();
        } finally {
            pool.shutdown();
        }
        AuditStore.Verification v = verify();
        assertThat(v.intact()).as(v.problem()).isTrue();
        assertThat(v.entries()).isEqualTo(100);
    }
}
