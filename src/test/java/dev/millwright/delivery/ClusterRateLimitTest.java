package dev.millwright.delivery;

import dev.millwright.config.PlantConfig;
import dev.millwright.hub.Hub;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two nodes share one system's rate limit: the target never sees more than the limit in any second. */
class ClusterRateLimitTest {
    @TempDir
    Path dir;

    @Test
    void twoNodesTogetherStayWithinTheLimit() throws Exception {
        try (TestTarget target = new TestTarget()) {
            TestPlant plant = new TestPlant(dir).system("erp", target.baseUrl(), "rateLimit: 10\n")
                    .subscription("holds", "test.limited", "erp", "/holds", "subject");
            try (TestHub a = TestHub.start("cluster_limit", plant);
                 Hub b = Hub.start(PlantConfig.load(plant.dir()), a.db, List.of(HubClient.TOKEN), Clock.systemUTC())) {
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        Sql.count(a.db, "select count(distinct owner) from leases where name like 'lane:%'") == 2);
                List<String> events = new ArrayList<>();
                for (int i = 0; i < 40; i++) events.add(event("lim-" + i, "test.limited", "K" + i, "{}"));
                assertThat(a.client.postEvents("application/cloudevents-batch+json", HubClient.batch(events)).status()).isEqualTo(202);
                await().atMost(Duration.ofSeconds(30)).until(() -> target.received().size() == 40);

                List<Instant> at = target.received().stream().map(TestTarget.Received::at).sorted().toList();
                for (Instant start : at) {
                    Instant end = start.plusSeconds(1);
                    assertThat(at.stream().filter(t -> !t.isBefore(start) && t.isBefore(end)).count())
                            .as("requests in the second from %s", start).isLessThanOrEqualTo(10);
                }
                assertThat(Duration.between(at.getFirst(), at.getLast())).isGreaterThanOrEqualTo(Duration.ofMillis(3900));
                assertThat(b.engine().ownedLanes()).isNotEmpty();
            }
        }
    }
}
