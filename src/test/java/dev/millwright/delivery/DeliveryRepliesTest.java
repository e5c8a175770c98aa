package dev.millwright.delivery;

import dev.millwright.event.CloudEvent;
import dev.millwright.ingest.CloudEventReader;
import dev.millwright.routing.Router;
import dev.millwright.store.DeliveryReplies;
import dev.millwright.store.DeliveryState;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.EventStore;
import dev.millwright.store.Jdbc;
import dev.millwright.store.NewDelivery;
import dev.millwright.store.Notifications;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import dev.millwright.support.TestTarget.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A delivery someone waits for ends with a reply, written by the settlement itself: the answer, or why it is dead. */
class DeliveryRepliesTest {
    @TempDir
    static Path dir;
    static TestTarget eam;
    static TestHub hub;

    @BeforeAll
    static void start() throws Exception {
        eam = new TestTarget();
        eam.respond(r -> r.eventId().startsWith("bad") ? new Reply(400, "{\"Error\":\"BMXAA4129E unknown asset\"}", null)
                : new Reply(201, "{\"wonum\":\"WO-" + r.eventId() + "\"}", null));
        hub = TestHub.start("replies", new TestPlant(dir).system("eam", eam.baseUrl()));
    }

    @AfterAll
    static void stop() {
        hub.close();
        eam.close();
    }

    /** Appends an event and a delivery of it to the EAM, as a flow step would. */
    private static void callEam(String id, String replyTo) {
        CloudEvent event = new CloudEventReader(10).read("application/cloudevents+json", Map.of(),
                HubClient.event(id, "maintenance.request", "ASSET-7", "{}").getBytes(StandardCharsets.UTF_8)).getFirst();
        Jdbc.inTransaction(hub.db.dataSource(), c -> {
            long seq = EventStore.insert(c, List.of(event)).values().iterator().next();
            DeliveryStore.insert(c, List.of(new NewDelivery(seq, "flow", "eam", "/workorders", null, 0, null,
                    Router.idempotencyKey("flow", event.source(), event.id(), 0), 0, replyTo)));
            return null;
        });
        hub.hub.engine().wakeAll();
    }

    private static List<DeliveryReplies.Reply> take(String replyTo) {
        return Jdbc.inTransaction(hub.db.dataSource(), c -> DeliveryReplies.take(c, replyTo, 10));
    }

    @Test
    void aDeliveredCallRepliesWithTheAnswerAndADeadOneWithTheReasonEachOnce() {
        List<String> notes = new CopyOnWriteArrayList<>();
        try (Notifications listener = new Notifications(hub.db, DeliveryReplies.CHANNEL, notes::add, () -> { })) {
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                Sql.execute(hub.db, "select pg_notify('" + DeliveryReplies.CHANNEL + "', 'probe')");
                return notes.contains("probe");
            });
            callEam("good-1", "flow:41:create-workorder");
            callEam("bad-1", "flow:42:create-workorder");

            await().atMost(Duration.ofSeconds(15)).until(() -> Sql.count(hub.db, "select count(*) from delivery_replies") == 2);
            assertThat(notes).contains(hub.db.schema());
            List<DeliveryReplies.Reply> good = take("flow:41:create-workorder");
            assertThat(good).singleElement().satisfies(r -> {
                assertThat(r.state()).isEqualTo(DeliveryState.delivered);
                assertThat(r.status()).isEqualTo(201);
                assertThat(r.response()).isEqualTo("{\"wonum\":\"WO-good-1\"}");
            });
            List<DeliveryReplies.Reply> bad = take("flow:42:create-workorder");
            assertThat(bad).singleElement().satisfies(r -> {
                assertThat(r.state()).isEqualTo(DeliveryState.dead);
                assertThat(r.status()).isEqualTo(400);
                assertThat(r.error()).contains("BMXAA4129E");
                assertThat(r.response()).isNull();
            });
            // Taken means gone: a reply is acted on once.
            assertThat(take("flow:41:create-workorder")).isEmpty();
        }
    }

    @Test
    void aDeliveryNobodyWaitsForLeavesNoReply() {
        callEam("plain-1", null);
        await().atMost(Duration.ofSeconds(15)).until(() -> eam.received().stream().anyMatch(r -> r.eventId().equals("plain-1"))
                && Sql.count(hub.db, "select count(*) from deliveries where state = 'delivered' and reply_to is null") == 1);
        assertThat(Sql.count(hub.db, "select count(*) from delivery_replies where delivery_id in "
                + "(select id from deliveries where reply_to is null)")).isZero();
    }

    @Test
    void aPrefixTakesItsOwnRepliesOnlyNotANeighboursWhoseIdStartsTheSame() {
        callEam("prefix-1", "flow:7:hold/1");
        callEam("prefix-2", "flow:7:workorder/1");
        callEam("prefix-3", "flow:71:hold/1");
        callEam("prefix-4", "flow:7");
        await().atMost(Duration.ofSeconds(15)).until(() -> Sql.count(hub.db, "select count(*) from delivery_replies where reply_to like 'flow:7%'") == 4);

        List<DeliveryReplies.Reply> mine = Jdbc.inTransaction(hub.db.dataSource(), c -> DeliveryReplies.takePrefixed(c, "flow:7:", 10));
        assertThat(mine).extracting(DeliveryReplies.Reply::replyTo).containsExactlyInAnyOrder("flow:7:hold/1", "flow:7:workorder/1");
        Jdbc.inTransaction(hub.db.dataSource(), c -> {
            DeliveryReplies.dropPrefixed(c, "flow:71:");
            return null;
        });
        assertThat(Sql.count(hub.db, "select count(*) from delivery_replies where reply_to like 'flow:7%'")).isEqualTo(1);
        assertThat(take("flow:7")).singleElement().extracting(DeliveryReplies.Reply::replyTo).isEqualTo("flow:7");
    }

    @Test
    void theEndOfAPrefixIsTheNextStringInCodePointOrder() {
        assertThat(DeliveryReplies.pastPrefix("flow:7:")).isEqualTo("flow:7;");
        assertThat(DeliveryReplies.pastPrefix("a\uD83D\uDE00")).isEqualTo("a\uD83D\uDE01"); // a surrogate pair is one code point
    }
}
