package dev.millwright.security;

import dev.millwright.support.HubClient;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Per-client request rates: beyond the burst a client gets 429 with Retry-After; another client is not affected; guessing tokens is throttled. */
class RateLimitTest {
    @TempDir
    Path dir;

    @Test
    void aClientBeyondItsRateIsToldToWaitAndOthersAreNot() {
        try (TestHub hub = TestHub.start("rates", new TestPlant(dir).hub("""
                plant: rates
                security: { rateLimit: { requestsPerSecond: 1, burst: 3 } }
                """))) {
            HubClient admin = hub.client;
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 10; i++) statuses.add(admin.get("/api/v1/contracts").status());
            assertThat(statuses.subList(0, 3)).containsOnly(200);
            assertThat(statuses).contains(429);
            assertThat(statuses.stream().filter(s -> s == 200).count()).as(statuses.toString()).isLessThan(10);
            HubClient.Response refused = admin.get("/api/v1/contracts");
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.contentType()).startsWith("application/problem+json");
            assertThat(Integer.parseInt(refused.retryAfter())).isBetween(1, 2);
            assertThat(admin.getWithoutToken("/health/live").status()).as("open routes count per address, apart from the token's budget")
                    .isEqualTo(200);

            // Guessing credentials: after a burst of refusals the address is told to wait before any token is looked up.
            HubClient guesser = admin.as("mwt_guess");
            List<Integer> guesses = new ArrayList<>();
            for (int i = 0; i < 40; i++) guesses.add(guesser.get("/api/v1/contracts").status());
            assertThat(guesses.subList(0, 5)).containsOnly(401);
            assertThat(guesses).contains(429);
        }
    }
}
