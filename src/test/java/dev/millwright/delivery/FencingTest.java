package dev.millwright.delivery;

import dev.millwright.outbound.http.HttpTarget;
import dev.millwright.outbound.http.HttpOutbound;
import dev.millwright.config.PlantConfig;
import dev.millwright.event.CloudEvent;
import dev.millwright.ingest.CloudEventReader;
import dev.millwright.mapping.Mappings;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.routing.Router;
import dev.millwright.store.Database;
import dev.millwright.store.DeliveryState;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.EventStore;
import dev.millwright.store.Jdbc;
import dev.millwright.store.LaneItem;
import dev.millwright.store.LeaseStore;
import dev.millwright.store.NewDelivery;
import dev.millwright.store.RateLimitStore;
import dev.millwright.store.Settlement;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestPostgres;
import dev.millwright.support.TestTarget;
import dev.millwright.support.TestTarget.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A node that lost its lane can neither settle over the new owner's outcome nor send after it. */
class FencingTest {
    static Database db;

    @BeforeAll
    static void open() {
        db = TestPostgres.newDatabase("fencing");
    }

    @AfterAll
    static void close() {
        db.close();
    }

    private static long storeOneDelivery(String id) {
        CloudEvent event = new CloudEventReader(10).read("application/cloudevents+json", Map.of(),
                HubClient.event(id, "test.fence", "K", "{}").getBytes(StandardCharsets.UTF_8)).getFirst();
        return Jdbc.inTransaction(db.dataSource(), c -> {
            long seq = EventStore.insert(c, List.of(event)).values().iterator().next();
            DeliveryStore.insert(c, List.of(new NewDelivery(seq, "sub", "erp", "/in", null, 0, "K",
                    Router.idempotencyKey("sub", event.source(), event.id(), 0), 0)));
            return seq;
        });
    }

    @Test
    void anOwnerThatLostItsLaneCannotSettleOverTheNewOwnersOutcomeNorClaimAgain() {
        storeOneDelivery("f-1");
        DeliveryStore store = new DeliveryStore(db.dataSource(), db.dataSource());
        LeaseStore leases = new LeaseStore(db.dataSource());
        String lease = "lane:0:erp";
        Duration ttl = Duration.ofMinutes(5);

        assertThat(leases.acquire(List.of(lease), "node-a", ttl)).containsExactly(lease);
        long epochA = leases.newEpoch(lease, "node-a").orElseThrow();
        DeliveryStore.LaneClaim a = new DeliveryStore.LaneClaim("erp", 0, lease, "node-a", epochA);
        List<LaneItem> claimedByA = store.claim(a, Set.of(), 10);
        assertThat(claimedByA).hasSize(1);

        // node-a has no liveness session (as if its process died mid-call): node-b may take the lane at once.
        assertThat(leases.acquireWithEpochs(List.of(lease), "node-b", ttl)).containsKey(lease);
        long epochB = leases.newEpoch(lease, "node-b").orElseThrow();
        assertThat(epochB).isGreaterThan(epochA);
        DeliveryStore.LaneClaim b = new DeliveryStore.LaneClaim("erp", 0, lease, "node-b", epochB);
        List<LaneItem> claimedByB = store.claim(b, Set.of(), 10);
        assertThat(claimedByB).extracting(LaneItem::id).containsExactly(claimedByA.getFirst().id());
        Instant now = Instant.now();
        assertThat(store.settle(List.of(Settlement.attempted(claimedByB.getFirst(), epochB, DeliveryState.delivered, 200, null, null, now, 5)),
                "node-b")).isEqualTo(1);

        // node-a's late answer (a failure) changes nothing, and node-a gets no more work from the lane.
        assertThat(store.settle(List.of(Settlement.attempted(claimedByA.getFirst(), epochA, DeliveryState.dead, 400, "late", null, now, 5)),
                "node-a")).isZero();
        assertThat(Sql.text(db, "select state::text from deliveries where id = " + claimedByA.getFirst().id())).isEqualTo("delivered");
        storeOneDelivery("f-2");
        assertThat(store.claim(a, Set.of(), 10)).isEmpty();
        assertThat(store.claim(b, Set.of(), 10)).hasSize(1);
    }

    @Test
    void aSendWhoseLeaseRanOutWhileItWaitedForASlotIsNotMade(@TempDir Path dir) throws Exception {
        try (TestTarget target = new TestTarget()) {
            CountDownLatch release = new CountDownLatch(1);
            target.respond(r -> {
                if (r.eventId().equals("first")) {
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return Reply.ok();
            });
            PlantConfig plant = PlantConfig.load(new TestPlant(dir).hub("plant: p\ndelivery: { leaseTtl: 60s }\ncontracts: { allowUnknownTypes: true }\n").system("erp", target.baseUrl(), "timeout: 20s\nmaxConcurrency: 1\n")
                    .subscription("s", "test.fence", "erp", "/in", null).dir());
            HttpTarget http = new HttpTarget("erp", plant.systems().get("erp").outbound(HttpOutbound.class), Clock.systemUTC(), new RateLimitStore(db.dataSource()),
                    Mappings.offline(Map.of()), new HubMetrics());
            try {
                CompletableFuture<Outcome> first = CompletableFuture.supplyAsync(() -> send(http, "first", Fence.NONE));
                await().atMost(Duration.ofSeconds(10)).until(() -> target.inFlight() == 1);
                AtomicBoolean held = new AtomicBoolean(true);
                CompletableFuture<Outcome> second = CompletableFuture.supplyAsync(() ->
                        send(http, "second", () -> held.get() ? Duration.ofMinutes(10) : Duration.ZERO));
                // The second call waits for the one slot; meanwhile its lane is lost.
                held.set(false);
                release.countDown();
                assertThat(first.get(20, TimeUnit.SECONDS).kind()).isEqualTo(Outcome.Kind.DELIVERED);
                assertThat(second.get(20, TimeUnit.SECONDS).kind()).isEqualTo(Outcome.Kind.UNSENT);
                assertThat(target.received()).extracting(TestTarget.Received::eventId).containsExactly("first");
            } finally {
                http.close();
            }
        }
    }

    private static Outcome send(HttpTarget http, String id, Fence fence) {
        String body = HubClient.event(id, "test.fence", "K", "{}");
        LaneItem item = new LaneItem(1, 1, "s", "/in", null, "K", "key-" + id, DeliveryState.in_flight, 0, Instant.now(), Instant.now(),
                "test.fence", body, null, null);
        try {
            return http.send(item, body, fence);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
