package dev.millwright.delivery;

import dev.millwright.store.Database;
import dev.millwright.store.DeliveryStore.LaneRef;
import dev.millwright.support.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Work committed on one node wakes that node's lanes at once and reaches the other nodes through NOTIFY, sent by the
 * announcer after the commit rather than inside the writing transaction.
 */
class WorkSignalTest {
    private Database db;
    private final Set<LaneRef> wokenOnA = ConcurrentHashMap.newKeySet(), wokenOnB = ConcurrentHashMap.newKeySet();
    private final AtomicInteger routingOnA = new AtomicInteger(), routingOnB = new AtomicInteger();
    private WorkSignal a, b;

    @BeforeEach
    void open() {
        db = TestPostgres.newDatabase("worksignal");
        a = new WorkSignal(db, "node-a", wokenOnA::addAll, () -> { }, routingOnA::incrementAndGet);
        b = new WorkSignal(db, "node-b", wokenOnB::addAll, () -> { }, routingOnB::incrementAndGet);
        // Each listener wakes its routing stage once when it starts listening (anything before was missed).
        await().until(() -> routingOnA.get() >= 1 && routingOnB.get() >= 1);
    }

    @AfterEach
    void close() {
        a.close();
        b.close();
        db.close();
    }

    @Test
    void lanesGivenWorkOnOneNodeAreWokenThereAtOnceAndOnTheOtherThroughNotify() {
        List<LaneRef> lanes = List.of(new LaneRef("erp", 3), new LaneRef("eam", 7));
        a.lanesCommitted(lanes);
        assertThat(wokenOnA).as("the writing node wakes its own lanes directly").containsExactlyInAnyOrderElementsOf(lanes);
        await().untilAsserted(() -> assertThat(wokenOnB).containsExactlyInAnyOrderElementsOf(lanes));
        assertThat(wokenOnA).as("a node skips its own note").hasSize(2);
    }

    @Test
    void queuedEventsWakeTheOtherNodesRoutingStage() {
        int before = routingOnB.get(), ownBefore = routingOnA.get();
        a.routingCommitted();
        await().until(() -> routingOnB.get() > before);
        // The note reached b; a's own listener skipped it (a wakes its own stage directly, outside WorkSignal).
        a.lanesCommitted(List.of(new LaneRef("mes", 1)));
        await().untilAsserted(() -> assertThat(wokenOnB).contains(new LaneRef("mes", 1)));
        assertThat(routingOnA).hasValue(ownBefore);
    }

    @Test
    void manyCommitsInQuickSuccessionAreAllAnnounced() {
        for (int lane = 0; lane < 500; lane++) a.lanesCommitted(List.of(new LaneRef("erp", lane)));
        await().untilAsserted(() -> assertThat(wokenOnB).hasSize(500));
    }
}
