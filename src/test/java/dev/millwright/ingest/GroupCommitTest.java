package dev.millwright.ingest;

import dev.millwright.delivery.WorkSignal;
import dev.millwright.event.CloudEvent;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.routing.Outbox;
import dev.millwright.routing.Router;
import dev.millwright.store.Database;
import dev.millwright.support.HubClient;
import dev.millwright.support.TestPostgres;
import dev.millwright.tracing.Tracing;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The group commit window gathers concurrent requests; a request with nobody else in progress does not wait for it. */
class GroupCommitTest {
    /** Far longer than any test waits: a commit that waited for it would time the test out. */
    private static final Duration WINDOW = Duration.ofSeconds(60);
    private Database db;
    private WorkSignal signal;
    private IngestService ingest;

    @BeforeEach
    void open() {
        db = TestPostgres.newDatabase("groupcommit");
        signal = new WorkSignal(db, "n1", lanes -> { }, () -> { }, () -> { });
        Outbox outbox = new Outbox(new Router(List.of(), 8), type -> false, signal, () -> { });
        ingest = new IngestService(db.dataSource(), outbox, new HubMetrics(), Tracing.OFF, WINDOW, 5000, 1);
    }

    @AfterEach
    void close() {
        ingest.close();
        signal.close();
        db.close();
    }

    private static List<CloudEvent> event(String id) {
        String json = HubClient.event(id, "test.groupcommit", null, "{}");
        return new CloudEventReader(10).read("application/cloudevents+json", Map.of(), json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aLoneRequestIsCommittedWithoutWaitingForTheWindow() throws Exception {
        try (IngestService.Arrival alone = ingest.arrived()) {
            assertThat(ingest.submit(event("lone-1")).get(10, TimeUnit.SECONDS).accepted()).isEqualTo(1);
        }
    }

    @Test
    void aRequestStillInProgressIsWaitedForAndJoinsTheSameCommit() throws Exception {
        IngestService.Arrival first = ingest.arrived(), second = ingest.arrived();
        CompletableFuture<IngestService.Result> a = ingest.submit(event("pair-1"));
        // The second request is still being read: the writer holds the first for it instead of committing alone.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !a.isDone());
        CompletableFuture<IngestService.Result> b = ingest.submit(event("pair-2"));
        // Both are in the group and nobody else is on the way: committed at once, long before the window ends.
        assertThat(a.get(10, TimeUnit.SECONDS).accepted()).isEqualTo(1);
        assertThat(b.get(10, TimeUnit.SECONDS).accepted()).isEqualTo(1);
        first.close();
        second.close();
    }
}
