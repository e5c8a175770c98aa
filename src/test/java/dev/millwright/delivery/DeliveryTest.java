package dev.millwright.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.store.Database;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestTarget;
import dev.millwright.support.TestTarget.Received;
import dev.millwright.support.TestTarget.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Delivery guarantees against real HTTP targets: once per business event, order per key, retries, dead letters. */
class DeliveryTest {
    private static final String BATCH = "application/cloudevents-batch+json";

    @TempDir
    static Path dir;
    static TestHub hub;
    static Database db;
    static TestTarget dupTarget, flakyTarget, poisonTarget, replayTarget, limitedTarget, tracedTarget;
    static HubClient client;

    @BeforeAll
    static void start() throws Exception {
        dupTarget = new TestTarget();
        flakyTarget = new TestTarget();
        poisonTarget = new TestTarget();
        replayTarget = new TestTarget();
        limitedTarget = new TestTarget();
        tracedTarget = new TestTarget();
        TestPlant plant = new TestPlant(dir)
                .system("dup", dupTarget.baseUrl())
                .system("flaky", flakyTarget.baseUrl())
                .system("poison", poisonTarget.baseUrl())
                .system("replay", replayTarget.baseUrl())
                .system("limited", limitedTarget.baseUrl(), "rateLimit: 20\n")
                .system("traced", tracedTarget.baseUrl())
                .subscription("traced-sub", "test.traced", "traced", "/in", null)
                .subscription("limited-sub", "test.limited", "limited", "/in", null)
                .subscription("dup-sub", "test.dup", "dup", "/in", "subject")
                .subscription("flaky-sub", "test.flaky", "flaky", "/in", "subject")
                .subscription("poison-sub", "test.poison", "poison", "/in", "data.key")
                .subscription("replay-sub", "test.replay", "replay", "/in", null);
        hub = TestHub.start("delivery", plant);
        db = hub.db;
        client = hub.client;
    }

    @AfterAll
    static void stop() {
        hub.close();
        List.of(dupTarget, flakyTarget, poisonTarget, replayTarget, limitedTarget, tracedTarget).forEach(TestTarget::close);
    }

    @Test
    void tenPercentDuplicatesReachTheTargetOnce() {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 1000; i++) events.add(event("dup-" + i, "test.dup", "LOT-" + (i % 20), "{\"n\":" + i + "}"));
        List<String> resent = new ArrayList<>();
        for (int i = 0; i < 1000; i += 10) resent.add(events.get(i)); // every tenth event is sent twice
        List<String> input = new ArrayList<>(events);
        input.addAll(resent);
        Collections.shuffle(input, new java.util.Random(42));
        int accepted = 0, duplicates = 0;
        for (int i = 0; i < input.size(); i += 100) {
            HubClient.Response r = client.postEvents(BATCH, HubClient.batch(input.subList(i, Math.min(i + 100, input.size()))));
            assertThat(r.status()).as(r.body()).isEqualTo(202);
            accepted += r.json().get("accepted").asInt();
            duplicates += r.json().get("duplicates").asInt();
        }
        assertThat(accepted).isEqualTo(1000);
        assertThat(duplicates).isEqualTo(100);
        await().atMost(Duration.ofSeconds(60)).until(() -> dupTarget.received().size() >= 1000);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                Sql.count(db, "select count(*) from deliveries where subscription = 'dup-sub' and state = 'delivered'") == 1000);
        List<Received> got = dupTarget.received();
        assertThat(got).hasSize(1000);
        assertThat(got.stream().map(Received::eventId).distinct().count()).isEqualTo(1000);
        assertThat(dupTarget.distinctKeys()).hasSize(1000);
        assertThat(Sql.count(db, "select count(*) from events where type = 'test.dup'")).isEqualTo(1000);
    }

    @Test
    void targetDownThenUpDeliversEverythingInKeyOrderWithBackoff() throws Exception {
        flakyTarget.stop(); // connection refused
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String id = "flaky-" + i;
            sent.add(id);
            HubClient.Response r = client.postEvents("application/cloudevents+json", event(id, "test.flaky", "K" + (i % 5), "{}"));
            assertThat(r.status()).isEqualTo(202);
        }
        await().atMost(Duration.ofSeconds(10)).until(() ->
                Sql.count(db, "select count(*) from delivery_attempts a join deliveries d on d.id = a.delivery_id where d.subscription = 'flaky-sub'") >= 10);
        Instant upAt = Instant.now().plusSeconds(2);
        AtomicBoolean serviceUnavailable = new AtomicBoolean(true);
        flakyTarget.respond(r -> Instant.now().isBefore(upAt) && serviceUnavailable.get() ? new Reply(503, "maintenance", null) : Reply.ok());
        flakyTarget.restart(); // up, but answering 503 for two more seconds

        await().atMost(Duration.ofSeconds(60)).until(() ->
                Sql.count(db, "select count(*) from deliveries where subscription = 'flaky-sub' and state = 'delivered'") == 50);
        List<Received> got = flakyTarget.received();
        assertThat(got.stream().map(Received::eventId).collect(Collectors.toSet())).hasSize(50);
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        got.forEach(r -> byKey.computeIfAbsent(r.subject(), k -> new ArrayList<>()).add(r.eventId()));
        for (Map.Entry<String, List<String>> e : byKey.entrySet()) {
            List<String> expected = sent.stream().filter(id -> ("K" + (Integer.parseInt(id.substring(6)) % 5)).equals(e.getKey())).toList();
            assertThat(e.getValue()).as("order of key " + e.getKey()).isEqualTo(expected);
        }
        // Only the head of each key was tried while the target was failing: n+1 waited for n.
        assertThat(flakyTarget.failures().stream().map(Received::subject).distinct().count()).isLessThanOrEqualTo(5);
        assertThat(flakyTarget.failures().stream().map(Received::eventId).distinct().count()).isLessThanOrEqualTo(5);

        // Backoff is visible in the attempt history: the waits between attempts grow (100, 200, 400, 800 ms ± 10%).
        // The first and the fourth wait are compared: each also holds the time to notice the retry is due, which
        // would blur two neighbouring waits but not an eightfold step.
        long head = Sql.count(db, "select min(d.id) from deliveries d where d.subscription = 'flaky-sub' and d.attempts >= 5");
        JsonNode detail = client.get("/api/v1/deliveries/" + head).json();
        List<Instant> starts = new ArrayList<>();
        detail.get("attempts").forEach(a -> starts.add(Instant.parse(a.get("startedAt").asText())));
        assertThat(starts.size()).isGreaterThanOrEqualTo(5);
        long gap1 = Duration.between(starts.get(0), starts.get(1)).toMillis();
        long gap4 = Duration.between(starts.get(3), starts.get(4)).toMillis();
        assertThat(gap1).isGreaterThanOrEqualTo(80);
        assertThat(gap4).as("backoff grows: %s ms then %s ms", gap1, gap4).isGreaterThan(gap1 * 2);
        // No retry storm: a failing head was tried at most a handful of times while the target was down.
        long maxTries = flakyTarget.failures().stream().collect(Collectors.groupingBy(Received::eventId, Collectors.counting()))
                .values().stream().mapToLong(Long::longValue).max().orElse(0);
        assertThat(maxTries).isLessThanOrEqualTo(10);
    }

    @Test
    void poisonGoesDeadWithoutBlockingOtherKeysAndIsDeliveredAfterRetry() {
        AtomicBoolean poisonFixed = new AtomicBoolean(false);
        poisonTarget.respond(r -> r.eventId().equals("poison-1") && !poisonFixed.get()
                ? new Reply(422, "{\"error\":\"material PUMP-X unknown\"}", null) : Reply.ok());
        client.postEvents("application/cloudevents+json", event("poison-1", "test.poison", null, "{\"key\":\"A\"}"));
        for (int i = 2; i <= 6; i++) {
            client.postEvents("application/cloudevents+json", event("poison-" + i, "test.poison", null,
                    "{\"key\":\"" + (i % 2 == 0 ? "B" : "A") + "\"}"));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> poisonTarget.received().size() == 5);
        assertThat(poisonTarget.received()).extracting(Received::eventId)
                .containsExactlyInAnyOrder("poison-2", "poison-3", "poison-4", "poison-5", "poison-6");

        JsonNode dead = client.get("/api/v1/deliveries?status=dead&target=poison").json().get("items");
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).get("eventId").asText()).isEqualTo("poison-1");
        assertThat(dead.get(0).get("lastStatus").asInt()).isEqualTo(422);
        assertThat(dead.get(0).get("lastError").asText()).contains("422").contains("material PUMP-X unknown");
        assertThat(dead.get(0).get("attempts").asInt()).isEqualTo(1);

        poisonFixed.set(true);
        HubClient.Response retry = client.postJson("/api/v1/deliveries/" + dead.get(0).get("id").asLong() + "/retry", "{}");
        assertThat(retry.status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(20)).until(() -> poisonTarget.received().size() == 6);
        assertThat(client.get("/api/v1/deliveries/" + dead.get(0).get("id").asLong()).json().at("/delivery/state").asText())
                .isEqualTo("delivered");
        assertThat(Sql.count(db, "select count(*) from audit_log where action = 'delivery.retry' and actor = 'bootstrap-admin' and client = '127.0.0.1' and detail like '%\"before\":{\"state\":\"dead\"%'")).isEqualTo(1);
        // A delivered delivery is not retryable.
        assertThat(client.postJson("/api/v1/deliveries/" + dead.get(0).get("id").asLong() + "/retry", "{}").status()).isEqualTo(409);
    }

    @Test
    void replayRedeliversWithTheOriginalKeyUnlessNewKeysAreAsked() {
        for (int i = 0; i < 3; i++) client.postEvents("application/cloudevents+json", event("replay-" + i, "test.replay", "S", "{}"));
        await().atMost(Duration.ofSeconds(20)).until(() -> replayTarget.received().size() == 3);
        List<String> originalKeys = replayTarget.received().stream().map(Received::idempotencyKey).toList();

        HubClient.Response same = client.postJson("/api/v1/replays", "{\"subscription\":\"replay-sub\",\"type\":\"test.replay\"}");
        assertThat(same.status()).as(same.body()).isEqualTo(202);
        assertThat(same.json().get("deliveries").asInt()).isEqualTo(3);
        await().atMost(Duration.ofSeconds(20)).until(() -> replayTarget.received().size() == 6);
        assertThat(replayTarget.received().subList(3, 6)).extracting(Received::idempotencyKey)
                .containsExactlyInAnyOrderElementsOf(originalKeys);

        HubClient.Response fresh = client.postJson("/api/v1/replays", "{\"subscription\":\"replay-sub\",\"type\":\"test.replay\",\"newKeys\":true}");
        assertThat(fresh.status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(20)).until(() -> replayTarget.received().size() == 9);
        assertThat(replayTarget.received().subList(6, 9)).extracting(Received::idempotencyKey).doesNotContainAnyElementsOf(originalKeys);

        HubClient.Response unknown = client.postJson("/api/v1/replays", "{\"subscription\":\"nope\"}");
        assertThat(unknown.status()).isEqualTo(404);
        HubClient.Response bad = client.postJson("/api/v1/replays", "{\"subscription\":\"replay-sub\",\"from\":\"soon\",\"colour\":1}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(Sql.count(db, "select count(*) from replays")).isEqualTo(2);
    }

    @Test
    void rateLimitHoldsInEverySecondAtTheTarget() {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 60; i++) events.add(event("limited-" + i, "test.limited", null, "{}"));
        assertThat(client.postEvents(BATCH, HubClient.batch(events)).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> limitedTarget.received().size() == 60);
        List<Instant> at = limitedTarget.received().stream().map(Received::at).sorted().toList();
        for (Instant start : at) {
            Instant end = start.plusSeconds(1);
            long inWindow = at.stream().filter(t -> !t.isBefore(start) && t.isBefore(end)).count();
            assertThat(inWindow).as("requests in the second from %s", start).isLessThanOrEqualTo(20);
        }
        assertThat(Duration.between(at.getFirst(), at.getLast())).isGreaterThanOrEqualTo(Duration.ofMillis(2800));
    }

    @Test
    void eventLogIsQueryable() {
        client.postEvents("application/cloudevents+json", event("log-1", "test.log", "LOT-9", "{\"a\":1}"));
        JsonNode one = client.get("/api/v1/events/log-1").json();
        assertThat(one.at("/event/subject").asText()).isEqualTo("LOT-9");
        assertThat(one.at("/event/data/a").asInt()).isEqualTo(1);
        JsonNode page = client.get("/api/v1/events?type=test.log&subject=LOT-9").json();
        assertThat(page.get("items")).hasSize(1);
        assertThat(client.get("/api/v1/events/unknown-id").status()).isEqualTo(404);
        assertThat(client.get("/api/v1/events?limit=abc").status()).isEqualTo(400);
    }

    @Test
    void eachDeliveryCarriesTheTraceContextItsEventArrivedWith() {
        String own = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        String fromHeader = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        String withOwn = event("tr-1", "test.traced", "A", "{}").replaceFirst("\\{", "{\"traceparent\":\"" + own + "\",");
        String plain = event("tr-2", "test.traced", "B", "{}");
        String badOwn = event("tr-3", "test.traced", "C", "{}").replaceFirst("\\{", "{\"traceparent\":\"not-a-trace\",");
        HubClient.Response r = client.postBytes("/api/v1/events", Map.of("Content-Type", BATCH, "traceparent", fromHeader),
                HubClient.batch(List.of(withOwn, plain, badOwn)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        // Without a header, an event without trace context is delivered without one.
        assertThat(client.postEvents(BATCH, HubClient.batch(List.of(event("tr-4", "test.traced", "D", "{}"))))
                .status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(15)).until(() -> tracedTarget.received().size() == 4);
        Map<String, String> byId = new java.util.HashMap<>();
        tracedTarget.received().forEach(x -> byId.put(x.eventId(), String.valueOf(x.header("traceparent"))));
        assertThat(byId).containsEntry("tr-1", own)         // its own extension wins over the request's header
                .containsEntry("tr-2", fromHeader)          // the request's header for an event without one
                .containsEntry("tr-3", "null")              // an invalid one is not passed on (and the event is not refused)
                .containsEntry("tr-4", "null");
    }
}
