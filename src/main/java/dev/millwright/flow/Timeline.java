package dev.millwright.flow;

import dev.millwright.store.FlowStore;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An instance's timeline rows for one advance, written at its end in at most two statements: the close of the row
 * an earlier advance left waiting, and one insert of every row this advance entered (most steps open and close
 * within it). Writing each open and close as it happened cost two statements per step.
 */
final class Timeline {
    private final long instance;
    /** The row an earlier advance left waiting (the step the instance is parked at), or null. */
    private final Long carried;
    private FlowStore.StepRow carriedClose;
    private final List<FlowStore.StepRow> fresh = new ArrayList<>();
    /** The row being written to: one of {@code fresh}, or null for the carried row. */
    private FlowStore.StepRow current;
    /** The delivery the next close names (a dead call's), when the close itself does not. */
    private Long delivery;

    Timeline(long instance, Long carried) {
        this.instance = instance;
        this.carried = carried;
    }

    void open(String step, String kind, int iteration, int attempt, Instant at) {
        current = new FlowStore.StepRow(instance, step, kind, iteration, attempt, "waiting", null, null, null, null, at, null);
        fresh.add(current);
    }

    void note(String step, String kind, String text, Instant at) {
        fresh.add(new FlowStore.StepRow(instance, step, kind, 1, 1, "noted", text, null, null, null, at, at));
    }

    /** The delivery the current row's close will name. */
    void delivery(long deliveryId) {
        this.delivery = deliveryId;
    }

    /** Ends the current row (this advance's, or the one the instance was parked at). */
    void close(String state, String result, String error, Instant at, Long deliveryId) {
        if (deliveryId == null) deliveryId = delivery;
        delivery = null;
        if (current != null) {
            int i = fresh.indexOf(current);
            current = current.closed(state, result, error, at, deliveryId);
            fresh.set(i, current);
            current = null;
        } else if (carried != null) {
            carriedClose = new FlowStore.StepRow(instance, null, null, 0, 0, state, null, result, error, deliveryId, null, at);
        }
    }

    /** Whether a row is open (waiting) that a close would end. */
    boolean hasOpenRow() {
        return current != null || (carried != null && carriedClose == null);
    }

    /** Writes the rows; returns the id of the row left waiting (the instance is parked at it), or null. */
    Long flush(Connection c) throws SQLException {
        if (carriedClose != null) {
            FlowStore.closeStep(c, carried, carriedClose.state(), carriedClose.result(), carriedClose.error(), carriedClose.endedAt(),
                    carriedClose.deliveryId());
        }
        Long waiting = fresh.isEmpty() ? null : FlowStore.insertSteps(c, fresh);
        if (waiting != null) return waiting;
        return carried != null && carriedClose == null && fresh.isEmpty() ? carried : null;
    }
}
