package dev.millwright.simulate;

import dev.millwright.support.HubProcess;
import dev.millwright.support.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped closed loop with its hub killed (SIGKILL, a separate JVM) just after the lot was held in ERP, while the
 * MES hold, the quality notification and the work order are on their way: a new hub process on the same database
 * resumes the instance, and every system ends as it should with each effect once (judged by ClosedLoop from the
 * systems' own state: one work order, one notification, exactly the parts issued, one supplier case, one chat notice).
 */
class ClosedLoopCrashTest {
    @TempDir
    static Path dir;

    @Test
    void theHubKilledMidLoopResumesItAndEverySystemEndsWithEachEffectOnce() throws Exception {
        try (SimulatedPlant simulated = new SimulatedPlant(dir, "")) {
            Map<String, String> env = new HashMap<>(simulated.env);
            env.putAll(HubProcess.onTestDatabase(TestPostgres.newSchema("loopcrash")));
            AtomicReference<HubProcess> hub = new AtomicReference<>(HubProcess.start(simulated.plant, env));
            simulated.box.hub(URI.create("http://127.0.0.1:" + hub.get().port()));
            StringBuilder killedHub = new StringBuilder();
            String qmsToken = Files.readString(Path.of("plants/demo/secrets/qms-api.token")).strip();
            ClosedLoop.Result result;
            try {
                result = new ClosedLoop(simulated.box, qmsToken, line -> {
                    if (!line.contains("restricted (quality hold)") || !killedHub.isEmpty()) return;
                    try {
                        hub.get().kill9();
                        killedHub.append(String.join("\n", hub.get().output()));
                        hub.set(HubProcess.start(simulated.plant, env));
                        simulated.box.hub(URI.create("http://127.0.0.1:" + hub.get().port()));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }).run("LOT-4712", "CNC-07", Duration.ofSeconds(120));
            } finally {
                hub.get().close();
            }
            assertThat(killedHub).as("the hub was killed mid-loop").isNotEmpty();
            assertThat(result.problems()).as(String.join("\n", result.timeline()) + "\n--- restarted hub:\n"
                    + String.join("\n", hub.get().output())).isEmpty();
        }
    }
}
