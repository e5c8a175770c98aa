package dev.millwright.delivery;

import dev.millwright.store.Database;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import dev.millwright.support.TestTarget.Received;
import dev.millwright.support.TestTarget.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The delivery core's promises where it used to stall silently: a send that throws, a path a URL cannot carry as
 * it is, a failing or slow key in a lane shared with others, a replay narrower than the log. One lane, so every
 * key shares it, and claims of ten, so a backlog is longer than a claim.
 */
class DeliveryCoreTest {
    private static final String BATCH = "application/cloudevents-batch+json";

    @TempDir
    static Path dir;
    static TestHub hub;
    static Database db;
    static HubClient client;
    static TestTarget plain, broken, blocky, slow, narrow;
    static final CountDownLatch slowReleased = new CountDownLatch(1);
    static final AtomicBoolean slowEntered = new AtomicBoolean();

    @BeforeAll
    static void start() throws Exception {
        plain = new TestTarget();
        broken = new TestTarget();
        blocky = new TestTarget();
        slow = new TestTarget();
        narrow = new TestTarget();
        TestPlant plant = new TestPlant(dir)
                .hub("""
                        plant: test-plant
                        http: { host: 127.0.0.1, port: 0 }
                        ingest: { groupCommitWindow: 1ms }
                        delivery: { lanes: 1, batchSize: 10, leaseTtl: 60s, pollInterval: 200ms, drainTimeout: 5s }
                        contracts: { allowUnknownTypes: true }
                        """)
                .system("plain", plain.baseUrl())
                .system("broken", broken.baseUrl(), """
                        retry: { maxAttempts: 2, initialBackoff: 100ms, maxBackoff: 200ms }
                        operations:
                          post:
                            path: /broken
                            mapping: function.jsonata
                        """)
                .write("mappings/function.jsonata", "($f := function($n) { $f($n + 1) + 1 }; $f(0))")
                .system("blocky", blocky.baseUrl(), """
                        retry: { maxAttempts: 20, initialBackoff: 1h, maxBackoff: 1h }
                        circuitBreaker: { failureThreshold: 0 }
                        """)
                .system("slow", slow.baseUrl(), """
                        timeout: 20s
                        circuitBreaker: { failureThreshold: 0 }
                        """)
                .system("narrow", narrow.baseUrl())
                .system("odata", plain.baseUrl(), """
                        retry: { maxAttempts: 2, initialBackoff: 100ms, maxBackoff: 200ms }
                        operations:
                          release:
                            path: "/A_Batch(Material='{data.material}',Batch='{data.lot}')/release"
                            headers: { x-method-override: PATCH, If-Match: "{data.etag}", X-Event: "{type}" }
                        """)
                .write("subscriptions/templated.yaml", "name: templated\non: test.templated\ndeliver: { system: odata, operation: release }\n")
                .subscription("spaced", "test.spaced", "plain", "\"/in box\"", null)
                .write("subscriptions/broken.yaml", "name: broken\non: test.broken\ndeliver: { system: broken, operation: post }\n")
                .subscription("blocky", "test.blocky", "blocky", "/in", "subject")
                .subscription("slow", "test.slow", "slow", "/in", "subject")
                .subscription("narrow", "test.narrow", "narrow", "/in", null);
        blocky.respond(r -> "BAD".equals(r.subject()) ? new Reply(503, "down for this key", null) : Reply.ok());
        slow.respond(r -> {
            if ("SLOW".equals(r.subject())) {
                slowEntered.set(true);
                try {
                    slowReleased.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return Reply.ok();
        });
        hub = TestHub.start("core", plant);
        db = hub.db;
        client = hub.client;
    }

    @AfterAll
    static void stop() {
        slowReleased.countDown();
        hub.close();
        List.of(plain, broken, blocky, slow, narrow).forEach(TestTarget::close);
    }

    @Test
    void aPathWithASpaceIsSentEncoded() {
        assertThat(client.postEvents("application/cloudevents+json", event("sp-1", "test.spaced", "S", "{}")).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> plain.received().stream().anyMatch(r -> r.eventId().equals("sp-1")));
        assertThat(plain.received().stream().filter(r -> r.eventId().equals("sp-1")).findFirst().orElseThrow().path()).isEqualTo("/in box");
        await().atMost(Duration.ofSeconds(5)).until(() ->
                Sql.count(db, "select count(*) from deliveries where subscription = 'spaced' and state = 'delivered'") == 1);
    }

    @Test
    void pathAndHeadersAreFilledFromTheEventEachValueEncodedWholeAndAMissingValueIsADeadLetterWithTheReason() {
        String full = event("tp-1", "test.templated", "T", "{\"material\":\"MAT 1/2\",\"lot\":\"L'7\",\"etag\":\"W/\\\"3\\\"\"}");
        String lacking = event("tp-2", "test.templated", "T", "{\"material\":\"MAT-9\",\"etag\":\"x\"}");
        assertThat(client.postEvents("application/cloudevents-batch+json", HubClient.batch(List.of(full, lacking))).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> plain.received().stream().anyMatch(r -> r.eventId().equals("tp-1")));
        var received = plain.received().stream().filter(r -> r.eventId().equals("tp-1")).findFirst().orElseThrow();
        // The slash and the quote inside a value are escaped, so the value cannot add a segment or close the OData key.
        assertThat(received.rawPath()).isEqualTo("/A_Batch(Material='MAT%201%2F2',Batch='L%277')/release");
        assertThat(received.header("x-method-override")).isEqualTo("PATCH");
        assertThat(received.header("If-Match")).isEqualTo("W/\"3\"");
        assertThat(received.header("X-Event")).isEqualTo("test.templated");
        await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(db,
                "select count(*) from deliveries d join events e on e.seq = d.event_seq where e.id = 'tp-2' and d.state = 'dead'") == 1);
        assertThat(Sql.text(db, "select d.last_error from deliveries d join events e on e.seq = d.event_seq where e.id = 'tp-2'"))
                .contains("needs data.lot").contains("nothing was sent");
        assertThat(plain.received().stream().noneMatch(r -> r.eventId().equals("tp-2"))).isTrue();
    }

    @Test
    void aSendThatThrowsIsRetriedThenDeadWithTheReason() {
        // The mapping recurses without end: the connector throws (a StackOverflowError) rather than answering.
        assertThat(client.postEvents("application/cloudevents+json", event("br-1", "test.broken", "B", "{}")).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                Sql.count(db, "select count(*) from deliveries where subscription = 'broken' and state = 'dead'") == 1);
        assertThat(Sql.count(db, "select attempts from deliveries where subscription = 'broken'")).isEqualTo(2);
        assertThat(Sql.text(db, "select last_error from deliveries where subscription = 'broken'"))
                .isEqualTo("gave up after 2 attempts: unexpected error while sending: StackOverflowError");
        assertThat(Sql.count(db, "select count(*) from delivery_attempts a join deliveries d on d.id = a.delivery_id where d.subscription = 'broken'"))
                .isEqualTo(2);
        assertThat(broken.received()).isEmpty();
    }

    @Test
    void aFailingKeyWithABacklogLongerThanAClaimDoesNotHoldBackOtherKeys() {
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < 50; i++) bad.add(event("bad-" + i, "test.blocky", "BAD", "{}"));
        assertThat(client.postEvents(BATCH, HubClient.batch(bad)).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                Sql.count(db, "select count(*) from deliveries where subscription = 'blocky' and state = 'failed'") == 1);
        List<String> good = new ArrayList<>();
        for (int i = 0; i < 20; i++) good.add(event("good-" + i, "test.blocky", "G" + (i % 5), "{}"));
        assertThat(client.postEvents(BATCH, HubClient.batch(good)).status()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(10)).until(() -> blocky.received().size() == 20);
        assertThat(blocky.received()).extracting(Received::subject).doesNotContain("BAD");
        // The failing key waits for its head's retry (an hour away): tried once, the rest of its backlog untouched.
        assertThat(blocky.failures()).hasSize(1);
        assertThat(Sql.count(db, "select count(*) from deliveries d join events e on e.seq = d.event_seq "
                + "where e.subject = 'BAD' and d.state = 'pending'")).isEqualTo(49);
    }

    @Test
    void aSlowKeyDoesNotHoldBackOtherKeys() {
        assertThat(client.postEvents("application/cloudevents+json", event("slow-1", "test.slow", "SLOW", "{}")).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).untilTrue(slowEntered);
        List<String> fast = new ArrayList<>();
        for (int i = 0; i < 30; i++) fast.add(event("fast-" + i, "test.slow", "F" + (i % 3), "{}"));
        assertThat(client.postEvents(BATCH, HubClient.batch(fast)).status()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(10)).until(() -> slow.received().size() == 30);
        assertThat(slowReleased.getCount()).as("the slow call is still open").isEqualTo(1);
        assertThat(Sql.count(db, "select count(*) from deliveries d join events e on e.seq = d.event_seq "
                + "where e.subject = 'SLOW' and d.state = 'in_flight'")).isEqualTo(1);
        slowReleased.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(db, "select count(*) from deliveries d join events e on e.seq = d.event_seq "
                + "where e.subject = 'SLOW' and d.state = 'delivered'") == 1);
    }

    @Test
    void aReplayWithoutATypeSendsOnlyWhatItsSubscriptionTakes() {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 5; i++) events.add(event("nar-" + i, "test.narrow", "N", "{}"));
        for (int i = 0; i < 7; i++) events.add(event("oth-" + i, "test.unrouted", "N", "{}"));
        assertThat(client.postEvents(BATCH, HubClient.batch(events)).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(10)).until(() -> narrow.received().size() == 5);

        HubClient.Response replay = client.postJson("/api/v1/replays", "{\"subscription\":\"narrow\"}");
        assertThat(replay.status()).as(replay.body()).isEqualTo(202);
        assertThat(replay.json().get("deliveries").asInt()).isEqualTo(5);
        await().atMost(Duration.ofSeconds(10)).until(() -> narrow.received().size() == 10);
        assertThat(narrow.received()).extracting(r -> r.event().path("type").asText()).containsOnly("test.narrow");
    }
}
