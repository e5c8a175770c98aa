package dev.millwright.hub;

import dev.millwright.store.Database;
import dev.millwright.support.HubClient;
import dev.millwright.support.HubProcess;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestPostgres;
import dev.millwright.support.TestTarget;
import dev.millwright.support.TestTarget.Received;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** kill -9 of hub processes while they ingest and deliver: nothing acknowledged is lost, nothing else repeats. */
class CrashRecoveryTest {
    private static final String BATCH = "application/cloudevents-batch+json";

    @TempDir
    Path dir;

    @Test
    void killDuringIngestAndDeliveryLosesNothing() throws Exception {
        String schema = TestPostgres.newSchema("crash");
        try (TestTarget target = new TestTarget(); Database db = dev.millwright.store.Database.open(
                TestPostgres.jdbcUrl(), "postgres", null, schema, 4)) {
            target.respond(r -> {
                sleep(2); // a target that takes a moment, so deliveries are in flight at the kill
                return TestTarget.Reply.ok();
            });
            Path plant = plant(target).dir();
            List<List<String>> batches = batches("crash", 100, 100, 50);
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();

            HubProcess first = HubProcess.start(plant, HubProcess.onTestDatabase(schema));
            var sender = java.util.concurrent.CompletableFuture.supplyAsync(() -> sendUntilFailure(first.port(), batches, acknowledged));
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 3500
                    && count(db, "select count(*) from deliveries where state = 'delivered'") > 500);
            first.kill9();
            Set<String> inFlightAtKill = keysInState(db, "in_flight");
            int cutOff = sender.get(); // the batch that was in flight when the hub died (or not yet sent)
            assertThat(cutOff).isLessThan(batches.size());

            try (HubProcess second = HubProcess.start(plant, HubProcess.onTestDatabase(schema))) {
                // the batch cut off by the kill is sent again, as a real client would
                sendAll(second.port(), batches.subList(cutOff, batches.size()), acknowledged);
                assertThat(acknowledged).hasSize(10_000);

                Set<String> logged = eventIds(db);
                assertThat(logged).containsAll(acknowledged).hasSize(10_000);
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                        .until(() -> count(db, "select count(*) from deliveries where state <> 'delivered'") == 0);
                assertThat(count(db, "select count(*) from deliveries")).isEqualTo(10_000);

                Map<String, Long> seen = target.received().stream()
                        .collect(Collectors.groupingBy(Received::idempotencyKey, Collectors.counting()));
                assertThat(seen.keySet()).containsAll(keysInState(db, "delivered")).hasSize(10_000);
                Set<String> repeated = seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                        .collect(Collectors.toSet());
                assertThat(inFlightAtKill).containsAll(repeated);
                // SIGTERM drains: the JVM reports the signal (143) after the hub stopped and gave back its lanes
                int exit = second.terminate(Duration.ofSeconds(30));
                assertThat(exit).as(String.join("\n", second.output())).isIn(0, 143);
                assertThat(second.output()).as("exit " + exit).anyMatch(line -> line.contains("stopped"));
                assertThat(count(db, "select count(*) from leases where name like 'lane:%'")).isZero();
            }
        }
    }

    private TestPlant plant(TestTarget target) {
        return new TestPlant(dir.resolve("plant")).system("erp", target.baseUrl())
                .subscription("holds", "test.*", "erp", "/holds", "subject");
    }

    static List<List<String>> batches(String prefix, int count, int size, int keys) {
        List<List<String>> out = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            List<String> batch = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                int n = b * size + i;
                batch.add(event(prefix + "-" + n, "test.inspection.failed", "LOT-" + (n % keys), "{\"n\":" + n + "}"));
            }
            out.add(batch);
        }
        return out;
    }

    /** Sends batches in order until the hub stops answering; returns the index of the first unacknowledged batch. */
    static int sendUntilFailure(int port, List<List<String>> batches, Set<String> acknowledged) {
        try (HubClient client = new HubClient(port)) {
            for (int i = 0; i < batches.size(); i++) {
                try {
                    post(client, batches.get(i), acknowledged);
                } catch (UncheckedIOException e) {
                    return i;
                }
            }
        }
        return batches.size();
    }

    static void sendAll(int port, List<List<String>> batches, Set<String> acknowledged) {
        try (HubClient client = new HubClient(port)) {
            for (List<String> batch : batches) post(client, batch, acknowledged);
        }
    }

    private static void post(HubClient client, List<String> batch, Set<String> acknowledged) {
        HubClient.Response r = client.postEvents(BATCH, HubClient.batch(batch));
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        batch.forEach(e -> acknowledged.add(e.substring(e.indexOf("\"id\":\"") + 6, e.indexOf("\",\"source\""))));
    }

    static Set<String> keysInState(Database db, String state) {
        return strings(db, "select idempotency_key from deliveries where state = '" + state + "'", Function.identity());
    }

    static Set<String> eventIds(Database db) {
        return strings(db, "select id from events", Function.identity());
    }

    static long count(Database db, String sql) {
        return dev.millwright.support.Sql.count(db, sql);
    }

    private static Set<String> strings(Database db, String sql, Function<String, String> f) {
        Set<String> out = new HashSet<>();
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) out.add(f.apply(rs.getString(1)));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
