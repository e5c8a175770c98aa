package dev.millwright.hub;

import dev.millwright.store.Database;
import dev.millwright.support.HubProcess;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestPostgres;
import dev.millwright.support.TestTarget;
import dev.millwright.support.TestTarget.Received;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import static dev.millwright.hub.CrashRecoveryTest.batches;
import static dev.millwright.hub.CrashRecoveryTest.count;
import static dev.millwright.hub.CrashRecoveryTest.keysInState;
import static dev.millwright.hub.CrashRecoveryTest.sendAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two hub processes on one PostgreSQL share the work without sending anything twice, and survive each other. */
class TwoNodesTest {
    @TempDir
    Path dir;

    @Test
    void twoNodesShareLanesKeepKeyOrderAndOneFinishesWhenTheOtherIsKilled() throws Exception {
        String schema = TestPostgres.newSchema("two_nodes");
        try (TestTarget target = new TestTarget();
             Database db = Database.open(TestPostgres.jdbcUrl(), "postgres", null, schema, 4)) {
            target.respond(r -> {
                CrashRecoveryTest.sleep(1);
                return TestTarget.Reply.ok();
            });
            Path plant = new TestPlant(dir.resolve("plant")).system("erp", target.baseUrl())
                    .subscription("holds", "test.*", "erp", "/holds", "subject").dir();
            List<List<String>> batches = batches("two", 60, 50, 40);
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();

            try (HubProcess a = HubProcess.start(plant, HubProcess.onTestDatabase(schema));
                 HubProcess b = HubProcess.start(plant, HubProcess.onTestDatabase(schema))) {
                // Both nodes hold lanes once they have seen each other.
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        count(db, "select count(distinct owner) from leases where name like 'lane:%'") == 2);
                // Events go in through both nodes.
                var viaA = CompletableFuture.runAsync(() -> sendAll(a.port(), batches.subList(0, 20), acknowledged));
                sendAll(b.port(), batches.subList(20, 40), acknowledged);
                viaA.get();
                await().atMost(Duration.ofSeconds(60)).until(() -> count(db, "select count(*) from deliveries where state = 'delivered'") >= 1000);

                // Kill one node mid-stream; the other takes over its lanes once the leases expire.
                var more = CompletableFuture.runAsync(() -> sendAll(b.port(), batches.subList(40, 60), acknowledged));
                await().atMost(Duration.ofSeconds(30)).until(() -> count(db, "select count(*) from deliveries") > 2200);
                a.kill9();
                Set<String> inFlightAtKill = keysInState(db, "in_flight");
                more.get();
                assertThat(acknowledged).hasSize(3000);
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> count(db, "select count(*) from deliveries where state = 'delivered'") == 3000);
                assertThat(count(db, "select count(distinct owner) from leases where name like 'lane:%' and expires_at > now()")).isEqualTo(1);

                List<Received> got = target.received();
                assertThat(target.concurrentDuplicates()).as("a delivery sent by both nodes at once").isEmpty();
                Map<String, Long> perKey = got.stream().collect(Collectors.groupingBy(Received::idempotencyKey, Collectors.counting()));
                assertThat(perKey).hasSize(3000);
                Set<String> repeated = perKey.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).collect(Collectors.toSet());
                assertThat(inFlightAtKill).containsAll(repeated);

                // Per ordering key, first deliveries arrive in send order.
                Map<String, List<Integer>> order = new LinkedHashMap<>();
                Set<String> firstSeen = ConcurrentHashMap.newKeySet();
                for (Received r : got) {
                    if (!firstSeen.add(r.idempotencyKey())) continue;
                    order.computeIfAbsent(r.subject(), k -> new ArrayList<>()).add(Integer.parseInt(r.eventId().substring(4)));
                }
                assertThat(order).hasSize(40);
                order.forEach(TwoNodesTest::assertSendOrder);
            }
        }
    }

    /**
     * Events of a key sent through different nodes concurrently have no order between them; events sent
     * one after another through one client do. Batches 0-19 and 20-39 went concurrently, 40-59 after both.
     */
    private static void assertSendOrder(String key, List<Integer> ns) {
        assertThat(ns.stream().filter(n -> n < 1000).toList()).as("order of %s via node A", key).isSorted();
        assertThat(ns.stream().filter(n -> n >= 1000 && n < 2000).toList()).as("order of %s via node B", key).isSorted();
        List<Integer> later = ns.stream().filter(n -> n >= 2000).toList();
        assertThat(later).as("order of %s after the kill", key).isSorted();
        // everything sent after the first two groups arrives after all of them
        int lastEarlier = -1;
        for (int i = 0; i < ns.size(); i++) if (ns.get(i) < 2000) lastEarlier = i;
        if (!later.isEmpty()) assertThat(ns.indexOf(later.getFirst())).as("order of %s", key).isGreaterThan(lastEarlier);
    }
}
