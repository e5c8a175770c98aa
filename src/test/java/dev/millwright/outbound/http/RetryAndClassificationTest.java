package dev.millwright.outbound.http;

import dev.millwright.delivery.Outcome;
import dev.millwright.config.RetryPolicy;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RetryAndClassificationTest {
    private final RetryPolicy policy = new RetryPolicy(10, Duration.ofSeconds(1), Duration.ofMinutes(1), 2.0, 0.2);

    @Test
    void backoffGrowsIsCappedAndJitteredWithinBounds() {
        assertThat(policy.backoff(1, 0.5)).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.backoff(2, 0.5)).isEqualTo(Duration.ofSeconds(2));
        assertThat(policy.backoff(4, 0.5)).isEqualTo(Duration.ofSeconds(8));
        assertThat(policy.backoff(30, 0.5)).isEqualTo(Duration.ofMinutes(1));
        assertThat(policy.backoff(3, 0.0)).isEqualTo(Duration.ofMillis(3200));
        assertThat(policy.backoff(3, 0.999999)).isBetween(Duration.ofMillis(4799), Duration.ofMillis(4800));
    }

    @Test
    void answersAreClassified() {
        try (HttpTarget target = target(Clock.systemUTC())) {
            assertThat(target.classify(204, "", null).kind()).isEqualTo(Outcome.Kind.DELIVERED);
            assertThat(target.classify(503, "down", null).kind()).isEqualTo(Outcome.Kind.RETRY);
            assertThat(target.classify(429, "", "7").retryAfter()).isEqualTo(Duration.ofSeconds(7));
            assertThat(target.classify(408, "", null).kind()).isEqualTo(Outcome.Kind.RETRY);
            Outcome rejected = target.classify(422, "x".repeat(2000), null);
            assertThat(rejected.kind()).isEqualTo(Outcome.Kind.PERMANENT);
            assertThat(rejected.error()).startsWith("HTTP 422: xxx").hasSizeLessThan(520);
        }
    }

    @Test
    void retryAfterAsHttpDateIsReadAgainstTheClock() {
        Clock clock = Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC);
        try (HttpTarget target = target(clock)) {
            assertThat(target.parseRetryAfter("Wed, 25 Nov 2026 10:00:30 GMT")).isEqualTo(Duration.ofSeconds(30));
            assertThat(target.parseRetryAfter("Wed, 25 Nov 2026 09:00:00 GMT")).isEqualTo(Duration.ZERO);
            assertThat(target.parseRetryAfter("soon")).isNull();
        }
    }

    private HttpTarget target(Clock clock) {
        return new HttpTarget("erp", new HttpOutbound(URI.create("http://127.0.0.1:9"), Map.of(),
                Duration.ofSeconds(1), 4, 0, policy, HttpOutbound.Auth.NONE, HttpOutbound.Breaker.OFF, Map.of(), null), clock, null, dev.millwright.mapping.Mappings.offline(Map.of()), new dev.millwright.metrics.HubMetrics());
    }
}
