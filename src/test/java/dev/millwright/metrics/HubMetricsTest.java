package dev.millwright.metrics;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class HubMetricsTest {
    @Test
    void aSlowRefreshWaitsTwentyTimesItsDurationBeforeTheNext() {
        assertThat(HubMetrics.pauseAfter(Duration.ofSeconds(5), Duration.ofMillis(100))).isEqualTo(Duration.ofSeconds(5));
        assertThat(HubMetrics.pauseAfter(Duration.ofSeconds(5), Duration.ofMillis(250))).isEqualTo(Duration.ofSeconds(5));
        assertThat(HubMetrics.pauseAfter(Duration.ofSeconds(5), Duration.ofMillis(564))).isEqualTo(Duration.ofMillis(11_280));
    }
}
