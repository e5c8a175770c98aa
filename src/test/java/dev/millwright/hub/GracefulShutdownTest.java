package dev.millwright.hub;

import dev.millwright.store.Database;
import dev.millwright.support.HubProcess;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestPostgres;
import dev.millwright.support.TestTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static dev.millwright.hub.CrashRecoveryTest.batches;
import static dev.millwright.hub.CrashRecoveryTest.count;
import static dev.millwright.hub.CrashRecoveryTest.sendAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** SIGTERM while deliveries are in flight: they finish and are recorded, the rest waits, lanes are handed back. */
class GracefulShutdownTest {
    @TempDir
    Path dir;

    @Test
    void sigtermFinishesInFlightWorkAndLeavesNothingInFlight() throws Exception {
        String schema = TestPostgres.newSchema("drain");
        try (TestTarget target = new TestTarget();
             Database db = Database.open(TestPostgres.jdbcUrl(), "postgres", null, schema, 4)) {
            target.respond(r -> {
                CrashRecoveryTest.sleep(200); // slow enough that a drain has work to finish
                return TestTarget.Reply.ok();
            });
            // A call timeout well above the target's 200 ms, so on a slow machine no call times out while the target still
            // answers it: every answer the target gives must be recorded as delivered.
            Path plant = new TestPlant(dir.resolve("plant"))
                    .hub("""
                            plant: test-plant
                            http: { host: 127.0.0.1, port: 0 }
                            ingest: { groupCommitWindow: 1ms }
                            delivery: { lanes: 16, leaseTtl: 12s, pollInterval: 200ms, drainTimeout: 8s }
                            contracts: { allowUnknownTypes: true }
                            """)
                    .system("erp", target.baseUrl(), """
                            timeout: 5s
                            retry: { maxAttempts: 20, initialBackoff: 100ms, maxBackoff: 1s, jitter: 0.1 }
                            circuitBreaker: { failureThreshold: 0 }
                            """)
                    .subscription("holds", "test.*", "erp", "/holds", "subject").dir();
            HubProcess hub = HubProcess.start(plant, HubProcess.onTestDatabase(schema));
            sendAll(hub.port(), batches("drain", 4, 50, 40), java.util.concurrent.ConcurrentHashMap.newKeySet());
            await().atMost(Duration.ofSeconds(30)).until(() -> count(db, "select count(*) from deliveries where state = 'in_flight'") > 0);

            long started = System.nanoTime();
            int exit = hub.terminate(Duration.ofSeconds(30));
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertThat(exit).isIn(0, 143);
            assertThat(tookMs).as("drain is bounded by delivery.drainTimeout (8 s here)").isLessThan(20_000);

            assertThat(count(db, "select count(*) from deliveries where state = 'in_flight'")).isZero();
            assertThat(count(db, "select count(*) from deliveries")).isEqualTo(200);
            // Every request the target answered was recorded as delivered before the hub exited.
            assertThat(count(db, "select count(*) from deliveries where state = 'delivered'")).isEqualTo(target.received().size());
            assertThat(count(db, "select count(*) from leases where name like 'lane:%'")).isZero();
            assertThat(hub.output()).anyMatch(l -> l.contains("draining")).anyMatch(l -> l.contains("stopped"));

            // A new node picks up what was left, at once (no lease to wait out).
            try (HubProcess next = HubProcess.start(plant, HubProcess.onTestDatabase(schema))) {
                await().atMost(Duration.ofSeconds(60)).until(() -> count(db, "select count(*) from deliveries where state = 'delivered'") == 200);
                assertThat(target.distinctKeys()).hasSize(200);
                assertThat(target.received()).hasSize(200);
            }
        }
    }
}
