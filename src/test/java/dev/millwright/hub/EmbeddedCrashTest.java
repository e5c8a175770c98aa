package dev.millwright.hub;

import dev.millwright.support.HubClient;
import dev.millwright.support.HubProcess;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** `millwright run` in embedded mode, killed with -9 and started again on the same data folder. */
class EmbeddedCrashTest {
    @TempDir
    Path dir;

    @Test
    void embeddedHubComesBackWithItsDataAndStopsTheOrphanedPostgres() throws Exception {
        try (TestTarget target = new TestTarget()) {
            Path plant = new TestPlant(dir.resolve("plant")).system("erp", target.baseUrl())
                    .subscription("holds", "test.*", "erp", "/holds", "subject").dir();
            Path data = dir.resolve("data");
            Map<String, String> env = Map.of("MILLWRIGHT_DATA_DIR", data.toString());

            HubProcess first = HubProcess.start(plant, env);
            // The launcher execs the JVM: killing the process started as ./millwright kills both.
            assertThat(first.command()).endsWith("/java");
            try (HubClient client = new HubClient(first.port())) {
                for (int i = 0; i < 20; i++) {
                    assertThat(client.postEvents("application/cloudevents+json",
                            event("emb-" + i, "test.inspection.failed", "LOT-" + i, "{}")).status()).isEqualTo(202);
                }
            }
            first.kill9();
            long orphanPid = postmasterPid(data).orElseThrow();
            assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive)).as("postgres outlives its killed hub").contains(true);

            try (HubProcess second = HubProcess.start(plant, env); HubClient client = new HubClient(second.port())) {
                assertThat(second.output()).anyMatch(l -> l.contains("orphaned embedded PostgreSQL (pid " + orphanPid + ")"));
                assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
                long newPid = postmasterPid(data).orElseThrow();
                assertThat(newPid).isNotEqualTo(orphanPid);

                assertThat(client.get("/api/v1/events?limit=100").json().get("items")).hasSize(20);
                await().atMost(Duration.ofSeconds(30)).until(() -> target.distinctKeys().size() == 20);

                // A second hub on the same data folder is refused rather than sharing it.
                assertThatThrownBy(() -> HubProcess.start(plant, env))
                        .hasMessageContaining("in use by another running Millwright hub");

                assertThat(second.terminate(Duration.ofSeconds(30))).isIn(0, 143);
                // a clean stop stops the embedded postgres (its last backends exit just after pg_ctl returns)
                await().atMost(Duration.ofSeconds(15)).until(() -> !ProcessHandle.of(newPid).map(ProcessHandle::isAlive).orElse(false));
            }
        }
    }

    private static Optional<Long> postmasterPid(Path data) throws Exception {
        Path pidFile = data.resolve("pg/postmaster.pid");
        if (!Files.exists(pidFile)) return Optional.empty();
        List<String> lines = Files.readAllLines(pidFile);
        return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.getFirst().trim()));
    }
}
