package dev.millwright.outbound.http;

import dev.millwright.delivery.Outcome;
import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.support.HubClient;
import dev.millwright.support.MutableClock;
import dev.millwright.support.Sql;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class CircuitBreakerTest {
    @TempDir
    Path dir;

    @Test
    void aTrialCallThatThrowsOpensTheCircuitAgainInsteadOfHoldingEveryLaterCall() {
        MutableClock clock = new MutableClock();
        CircuitBreaker breaker = new CircuitBreaker(1, Duration.ofSeconds(30), clock);
        breaker.failed();
        clock.advance(Duration.ofSeconds(31));
        assertThat(breaker.permit()).as("the trial").isNull();
        breaker.record(null); // the trial threw: no outcome
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        clock.advance(Duration.ofSeconds(31));
        assertThat(breaker.permit()).as("a new trial after openFor, not held for good").isNull();
        breaker.record(Outcome.delivered(200));
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void aTrialNotMadeGivesItsTurnBack() {
        MutableClock clock = new MutableClock();
        CircuitBreaker breaker = new CircuitBreaker(1, Duration.ofSeconds(30), clock);
        breaker.failed();
        clock.advance(Duration.ofSeconds(31));
        assertThat(breaker.permit()).isNull();
        breaker.record(Outcome.unsent("lease ran out"));
        assertThat(breaker.permit()).as("the next call may be the trial").isNull();
    }

    @Test
    void opensAfterTheThresholdLetsOneTrialThroughAndClosesOnSuccess() {
        MutableClock clock = new MutableClock();
        CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(30), clock);
        for (int i = 0; i < 2; i++) {
            assertThat(breaker.permit()).isNull();
            breaker.failed();
        }
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        breaker.failed();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.permit()).isBetween(Duration.ofSeconds(29), Duration.ofSeconds(30));
        clock.advance(Duration.ofSeconds(31));
        assertThat(breaker.permit()).as("one trial").isNull();
        assertThat(breaker.permit()).as("only one").isNotNull();
        breaker.failed();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        clock.advance(Duration.ofSeconds(31));
        assertThat(breaker.permit()).isNull();
        breaker.succeeded();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.permit()).isNull();
    }

    @Test
    void aHangingSystemGetsFewCallsWhileOpenAndEverythingIsDeliveredWhenItRecovers() throws Exception {
        AtomicBoolean hanging = new AtomicBoolean(true);
        AtomicInteger callsWhileHanging = new AtomicInteger();
        try (TestTarget target = new TestTarget()) {
            target.respond(r -> {
                if (hanging.get()) {
                    callsWhileHanging.incrementAndGet();
                    CrashSleep.sleep(1500); // longer than the 1 s timeout
                    return new TestTarget.Reply(504, "", null);
                }
                return TestTarget.Reply.ok();
            });
            TestPlant plant = new TestPlant(dir).system("erp", target.baseUrl(), """
                    timeout: 1s
                    circuitBreaker: { failureThreshold: 3, openFor: 2s }
                    retry: { maxAttempts: 50, initialBackoff: 100ms, maxBackoff: 200ms }
                    """).subscription("holds", "test.cb", "erp", "/holds", "subject");
            try (TestHub hub = TestHub.start("breaker", plant)) {
                List<String> events = new ArrayList<>();
                for (int i = 0; i < 8; i++) events.add(event("cb-" + i, "test.cb", "K" + i, "{}"));
                hub.client.postEvents("application/cloudevents-batch+json", HubClient.batch(events));
                await().atMost(Duration.ofSeconds(20)).until(() -> lastErrors(hub).stream().anyMatch(e -> e.contains("circuit open")));
                await().atMost(Duration.ofSeconds(20)).until(() -> target.failures().size() == callsWhileHanging.get());
                // The console's overview shows the open circuit beside the system.
                String overview = consoleOverview(hub);
                assertThat(overview.substring(overview.indexOf("data-system=\"erp\""))).contains("data-testid=\"circuit\"><span class=\"state bad\"");
                int atOpen = callsWhileHanging.get();
                long openedAt = System.nanoTime();
                // Two more calls are the half-open trials, each after a full openFor (2 s). Without the breaker,
                // eight failing heads retried every ≤200 ms would have made about 25 calls in that time.
                await().atMost(Duration.ofSeconds(20)).until(() -> callsWhileHanging.get() >= atOpen + 2);
                long tookMs = (System.nanoTime() - openedAt) / 1_000_000;
                assertThat(tookMs).as("two trials take at least two open periods").isGreaterThanOrEqualTo(3500);
                assertThat(callsWhileHanging.get() - atOpen).isLessThanOrEqualTo(3);
                assertThat(Sql.count(hub.db, "select max(attempts) from deliveries")).as("held calls are not attempts").isLessThanOrEqualTo(4);

                hanging.set(false);
                await().atMost(Duration.ofSeconds(20)).until(() -> target.received().size() == 8);
                // Outcomes are written just after the answers arrive (by the settler): wait for them.
                await().atMost(Duration.ofSeconds(5)).until(() -> Sql.count(hub.db, "select count(*) from deliveries where state = 'delivered'") == 8);
                assertThat(target.received()).hasSize(8);
            }
        }
    }

    private static String consoleOverview(TestHub hub) throws Exception {
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + hub.hub.port() + "/console/overview/live"))
                    .header("Cookie", "millwright_session=" + HubClient.TOKEN).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    private static List<String> lastErrors(TestHub hub) {
        List<String> out = new ArrayList<>();
        for (JsonNode d : hub.client.get("/api/v1/deliveries?status=failed").json().get("items")) out.add(d.path("lastError").asText());
        return out;
    }

    /** The target's own pause (it models a hung server); not a test synchronisation. */
    private static final class CrashSleep {
        static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
