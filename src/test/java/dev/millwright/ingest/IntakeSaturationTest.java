package dev.millwright.ingest;

import dev.millwright.metrics.HubMetrics;
import dev.millwright.tracing.Tracing;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When intake counts as saturated, on a hand-moved clock. No event is submitted, so the writers never touch the
 * database (none is given).
 */
class IntakeSaturationTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private IngestService intake() {
        return new IngestService(null, null, new HubMetrics(), Tracing.OFF, Duration.ofMillis(2), 5000, 4, now::get);
    }

    private static List<IngestService.Arrival> arrive(IngestService intake, int n) {
        List<IngestService.Arrival> arrivals = new ArrayList<>();
        for (int i = 0; i < n; i++) arrivals.add(intake.arrived());
        return arrivals;
    }

    @Test
    void aGroupCommitAnsweringEveryRequestAtOnceDoesNotEndSaturation() {
        try (IngestService intake = intake()) {
            AtomicInteger roomCalls = new AtomicInteger();
            intake.onRoom(roomCalls::incrementAndGet);
            assertThat(intake.saturated()).as("nothing arrived yet").isFalse();

            List<IngestService.Arrival> first = arrive(intake, 4);
            assertThat(intake.saturated()).isTrue();
            first.forEach(IngestService.Arrival::close); // one commit answers all four
            assertThat(roomCalls).hasValue(1);
            now.addAndGet(Duration.ofMillis(5).toNanos()); // the clients' next requests are on their way
            assertThat(intake.saturated()).as("the moment between answers and the next requests").isTrue();

            List<IngestService.Arrival> next = arrive(intake, 4);
            now.addAndGet(IngestService.ROOM_GRACE * 2);
            assertThat(intake.saturated()).as("requests in progress").isTrue();
            next.forEach(IngestService.Arrival::close);
            now.addAndGet(IngestService.ROOM_GRACE - 1);
            assertThat(intake.saturated()).isTrue();
            now.addAndGet(1);
            assertThat(intake.saturated()).as("the load stopped: nothing arrived within the grace after the last answer").isFalse();
        }
    }

    @Test
    void saturationIsHeldWhileFewerRequestsThanWritersAreInProgress() {
        try (IngestService intake = intake()) {
            List<IngestService.Arrival> four = arrive(intake, 4);
            four.get(0).close();
            four.get(1).close();
            now.addAndGet(IngestService.SATURATION_HOLD - 1);
            assertThat(intake.saturated()).as("two in progress, within the hold of the last arrival that found intake full").isTrue();
            now.addAndGet(1);
            assertThat(intake.saturated()).isFalse();
            four.get(2).close();
            four.get(3).close();
        }
    }

    @Test
    void fewerRequestsThanWritersNeverSaturate() {
        try (IngestService intake = intake()) {
            for (int round = 0; round < 10; round++) {
                List<IngestService.Arrival> three = arrive(intake, 3);
                assertThat(intake.saturated()).isFalse();
                three.forEach(IngestService.Arrival::close);
                now.addAndGet(Duration.ofMillis(1).toNanos());
            }
            assertThat(intake.saturated()).isFalse();
        }
    }
}
