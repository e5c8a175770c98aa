package dev.millwright.hub;

import dev.millwright.support.Sql;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestPostgres;
import dev.millwright.support.TestTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A plant whose configuration changes under unfinished deliveries: nothing is stranded, split or misdirected. */
class ConfigChangeTest {
    @TempDir
    Path dir;

    private TestPlant plant(Path folder, int lanes, String targetUrl, boolean withSystem, boolean withOperation) {
        TestPlant plant = new TestPlant(folder).hub("""
                plant: test-plant
                http: { host: 127.0.0.1, port: 0 }
                ingest: { groupCommitWindow: 1ms }
                delivery: { lanes: %d, leaseTtl: 3s, pollInterval: 200ms, drainTimeout: 2s }
                contracts: { allowUnknownTypes: true }
                """.formatted(lanes));
        if (withSystem) {
            plant.system("erp", targetUrl, """
                    retry: { maxAttempts: 20, initialBackoff: 100ms, maxBackoff: 200ms }
                    circuitBreaker: { failureThreshold: 0 }
                    """ + (withOperation ? "operations:\n  post: { path: /op }\n" : ""))
                    .subscription("plain", "test.plain", "erp", "/in", "subject");
            if (withOperation) plant.write("subscriptions/op.yaml", "name: op\non: test.op\ndeliver: { system: erp, operation: post }\n");
        }
        return plant;
    }

    /** A port nothing listens on: deliveries to it fail and wait for their retry. */
    private static String refusedUrl() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    private static void post(TestHub hub, String id, String type) {
        assertThat(hub.client.postEvents("application/cloudevents+json", event(id, type, "K1", "{}")).status()).isEqualTo(202);
    }

    @Test
    void theLaneCountCannotChangeUnderUnfinishedDeliveriesAndCanOnceTheyAreDone() throws Exception {
        String schema = TestPostgres.newSchema("lanes");
        String down = refusedUrl();
        try (TestHub hub = TestHub.startOn(schema, plant(dir.resolve("a"), 4, down, true, false), Clock.systemUTC())) {
            post(hub, "l-1", "test.plain");
            await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(hub.db, "select count(*) from deliveries where state = 'failed'") == 1);
        }
        assertThatThrownBy(() -> TestHub.startOn(schema, plant(dir.resolve("b"), 8, down, true, false), Clock.systemUTC()))
                .isInstanceOf(StartFailure.class)
                .hasMessageContaining("delivery.lanes is 8")
                .hasMessageContaining("laid out on 4 lanes")
                .hasMessageContaining("1 unfinished");

        try (TestTarget up = new TestTarget();
             TestHub hub = TestHub.startOn(schema, plant(dir.resolve("c"), 4, up.baseUrl(), true, false), Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> up.received().size() == 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> Sql.count(hub.db, "select count(*) from deliveries where state = 'delivered'") == 1);
        }
        try (TestTarget up = new TestTarget();
             TestHub hub = TestHub.startOn(schema, plant(dir.resolve("d"), 8, up.baseUrl(), true, false), Clock.systemUTC())) {
            assertThat(Sql.text(hub.db, "select value from hub_settings where name = 'delivery.lanes'")).isEqualTo("8");
            post(hub, "l-2", "test.plain");
            await().atMost(Duration.ofSeconds(10)).until(() -> up.received().size() == 1);
        }
    }

    @Test
    void deliveriesForARemovedSystemOrOperationGoDeadWithTheReason() throws Exception {
        String schema = TestPostgres.newSchema("removed");
        String down = refusedUrl();
        try (TestHub hub = TestHub.startOn(schema, plant(dir.resolve("a"), 4, down, true, true), Clock.systemUTC())) {
            post(hub, "r-1", "test.op");
            await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(hub.db, "select count(*) from deliveries where state = 'failed'") == 1);
        }
        // The operation is gone: the delivery is not sent anywhere (not even as a raw event to the base path) and is dead.
        try (TestTarget up = new TestTarget();
             TestHub hub = TestHub.startOn(schema, plant(dir.resolve("b"), 4, up.baseUrl(), true, false), Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(hub.db, "select count(*) from deliveries where state = 'dead'") == 1);
            assertThat(Sql.text(hub.db, "select last_error from deliveries")).contains("no longer has an operation 'post'");
            assertThat(up.received()).isEmpty();
            assertThat(up.failures()).isEmpty();
            up.respond(r -> new TestTarget.Reply(503, "busy", null));
            post(hub, "r-2", "test.plain");
            await().atMost(Duration.ofSeconds(10)).until(() -> Sql.count(hub.db, "select count(*) from deliveries where state = 'failed'") == 1);
        }
        // Now the system is gone: its unfinished delivery is dead at start, with the reason.
        try (TestHub hub = TestHub.startOn(schema, plant(dir.resolve("c"), 4, down, false, false), Clock.systemUTC())) {
            assertThat(Sql.count(hub.db, "select count(*) from deliveries where state = 'dead'")).isEqualTo(2);
            assertThat(Sql.text(hub.db, "select last_error from deliveries d join events e on e.seq = d.event_seq where e.id = 'r-2'"))
                    .isEqualTo("system 'erp' is no longer configured; nothing was sent");
        }
    }

    @Test
    void aStartThatFailsStopsWhatItStartedAndSaysWhatToDo() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            TestPlant plant = plant(dir.resolve("a"), 4, refusedUrl(), true, false);
            Files.writeString(plant.dir().resolve("millwright.yaml"), Files.readString(plant.dir().resolve("millwright.yaml"))
                    .replace("port: 0", "port: " + taken.getLocalPort()));
            assertThatThrownBy(() -> TestHub.start("startfail", plant))
                    .isInstanceOf(StartFailure.class)
                    .hasMessage("port " + taken.getLocalPort() + " on 127.0.0.1 is in use by another process: stop it, "
                            + "or choose another port (http.port in millwright.yaml, or --port)");
            // Nothing it started is left running: no lane scheduler, settler, ingest writer or reader.
            await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                    .filter(Thread::isAlive).map(Thread::getName)
                    .noneMatch(n -> n.equals("lane-scheduler") || n.equals("settler") || n.startsWith("ingest-writer")));
        }
    }
}
