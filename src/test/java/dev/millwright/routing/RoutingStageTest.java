package dev.millwright.routing;

import dev.millwright.config.Subscription;
import dev.millwright.delivery.WorkSignal;
import dev.millwright.event.CloudEvent;
import dev.millwright.ingest.CloudEventReader;
import dev.millwright.ingest.IntakeFirst;
import dev.millwright.ingest.IntakeLoad;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.store.Database;
import dev.millwright.store.Jdbc;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Intake only appends and queues; the routing stage turns queued events into deliveries exactly once, in key order. */
class RoutingStageTest {
    private final List<AutoCloseable> opened = new ArrayList<>();
    private Database db;
    private Outbox outbox;

    @BeforeEach
    void open() {
        db = TestPostgres.newDatabase("routing");
        Router router = new Router(List.of(new Subscription("holds", "test.routing", "erp", "/holds", null, "subject", true)), 8);
        WorkSignal signal = new WorkSignal(db, "n1", lanes -> { }, () -> { }, () -> { });
        opened.add(signal);
        outbox = new Outbox(router, type -> false, signal, () -> { });
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : opened.reversed()) c.close();
        db.close();
    }

    /** Intake that is saturated (or not) at 10,000 events/s. */
    private RoutingStage stage(AtomicBoolean saturated, int floor) {
        IntakeLoad load = new IntakeLoad() {
            @Override
            public boolean saturated() {
                return saturated.get();
            }

            @Override
            public double eventsPerSecond() {
                return 10_000;
            }
        };
        IntakeFirst intakeFirst = new IntakeFirst(floor);
        intakeFirst.watch(load);
        RoutingStage stage = new RoutingStage(db.dataSource(), outbox, RoutedEvents.NONE, new HubMetrics(), 20, Duration.ofMillis(100), intakeFirst);
        opened.add(stage);
        return stage;
    }

    private static List<CloudEvent> events(String prefix, int n, String... keys) {
        List<CloudEvent> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String json = HubClient.event(prefix + "-" + i, "test.routing", keys[i % keys.length], "{\"n\":" + i + "}");
            out.add(new CloudEventReader(10).read("application/cloudevents+json", Map.of(), json.getBytes(StandardCharsets.UTF_8)).getFirst());
        }
        return out;
    }

    private void append(List<CloudEvent> events) {
        Outbox.Wakes wakes = outbox.wakes();
        Jdbc.inTransaction(db.dataSource(), c -> outbox.appendEvents(c, events, wakes));
        wakes.run();
    }

    private long deliveries() {
        return Sql.count(db, "select count(*) from deliveries");
    }

    @Test
    void anEventCommittedAfterALaterSequenceNumberIsStillRoutedOnce() throws Exception {
        stage(new AtomicBoolean(), 0);
        // A takes the lower sequence number but commits last: a cursor over seq would have passed it by.
        try (Connection a = db.dataSource().getConnection()) {
            a.setAutoCommit(false);
            outbox.appendEvents(a, events("a", 1, "K"), outbox.wakes());
            append(events("b", 2, "K", "L"));
            await().atMost(Duration.ofSeconds(10)).until(() -> deliveries() == 2);
            a.commit();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> deliveries() == 3);
        assertThat(Sql.count(db, "select count(*) from (select event_seq from deliveries group by event_seq having count(*) > 1) x")).isZero();
        assertThat(Sql.count(db, "select count(*) from events e where not exists (select 1 from deliveries d where d.event_seq = e.seq)")).isZero();
        assertThat(Sql.count(db, "select count(*) from routing_queue")).isZero();
    }

    @Test
    void twoRoutersOnOneDatabaseRouteEachEventOnceAndKeepEachKeysOrder() throws Exception {
        stage(new AtomicBoolean(), 0);
        stage(new AtomicBoolean(), 0);
        for (int i = 0; i < 60; i++) append(events("t" + i, 10, "K1", "K2", "K3"));
        await().atMost(Duration.ofSeconds(30)).until(() -> deliveries() == 600);
        assertThat(Sql.count(db, "select count(*) from routing_queue")).isZero();
        // Per key, delivery ids (the lane's order) follow the events' order in the log.
        Map<String, List<long[]>> byKey = new LinkedHashMap<>();
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("select ordering_key, event_seq, id from deliveries order by ordering_key, event_seq");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) byKey.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new long[]{rs.getLong(2), rs.getLong(3)});
        }
        assertThat(byKey).containsOnlyKeys("K1", "K2", "K3");
        byKey.forEach((key, rows) -> {
            List<Long> ids = rows.stream().map(r -> r[1]).toList();
            assertThat(ids).as("delivery ids of %s in event order", key).isSorted();
        });
    }

    @Test
    void whileIntakeIsSaturatedRoutingKeepsToItsFloorAndCatchesUpWhenIntakeHasRoom() {
        AtomicBoolean saturated = new AtomicBoolean(true);
        // A floor of 1 event per second: after one commit of 50 events, the next turn is 50 s away.
        RoutingStage stage = stage(saturated, 1);
        for (int i = 0; i < 5; i++) append(events("s" + i, 50, "K1", "K2"));
        await().atMost(Duration.ofSeconds(10)).until(() -> deliveries() == 50);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> deliveries() == 50);
        assertThat(Sql.count(db, "select count(*) from routing_queue")).isEqualTo(4);

        saturated.set(false);
        stage.wake(); // what intake does when its last request is answered
        await().atMost(Duration.ofSeconds(10)).until(() -> deliveries() == 250);
    }

    @Test
    void eventsNoSubscriptionTakesAreStoredButNotQueued() {
        List<CloudEvent> other = new ArrayList<>();
        String json = HubClient.event("o-1", "test.unrouted", "K", "{}");
        other.add(new CloudEventReader(10).read("application/cloudevents+json", Map.of(), json.getBytes(StandardCharsets.UTF_8)).getFirst());
        append(other);
        assertThat(Sql.count(db, "select count(*) from events")).isEqualTo(1);
        assertThat(Sql.count(db, "select count(*) from routing_queue")).isZero();
    }
}
