package dev.millwright.delivery;

import dev.millwright.store.Announcer;
import dev.millwright.store.Database;
import dev.millwright.store.DeliveryStore.LaneRef;
import dev.millwright.store.Notifications;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * Wakes lane workers when their lane gets work, and routing stages when events were queued: directly on the node that
 * wrote the rows, and through PostgreSQL NOTIFY on every other node, sent by the {@link Announcer} once the writing
 * transaction has committed. The lane workers' slow poll remains the safety net if a notification is missed.
 */
public final class WorkSignal implements AutoCloseable {
    static final String CHANNEL = "millwright_work";
    private static final int MAX_PAYLOAD = 7000;
    private static final String ALL = "*";
    private static final String ROUTE = "route";

    private final String node;
    private final Consumer<Collection<LaneRef>> wake;
    private final Runnable wakeAll;
    private final Runnable wakeRouting;
    private final Notifications listener;
    private final Announcer announcer;

    public WorkSignal(Database db, String node, Consumer<Collection<LaneRef>> wake, Runnable wakeAll, Runnable wakeRouting) {
        this.node = node;
        this.wake = wake;
        this.wakeAll = wakeAll;
        this.wakeRouting = wakeRouting;
        this.announcer = new Announcer(db.lazyDataSource());
        // Anything sent while not listening was missed: wake every lane and the routing stage then.
        this.listener = new Notifications(db, CHANNEL, this::dispatch, () -> {
            wakeAll.run();
            wakeRouting.run();
        });
    }

    /** After a commit that queued events: tell other nodes' routing stages. */
    public void routingCommitted() {
        announcer.announce(CHANNEL, node + '|' + ROUTE);
    }

    /** After a commit that gave lanes work: wake them here, and tell other nodes. */
    public void lanesCommitted(Collection<LaneRef> lanes) {
        if (lanes.isEmpty()) return;
        wake.accept(lanes);
        announcer.announce(CHANNEL, lanesNote(lanes));
    }

    /** After a commit: a note on another channel for other nodes (flow workers). */
    public void announce(String channel, String payload) {
        announcer.announce(channel, payload);
    }

    /** "node|lane:target,lane:target": the writing node wakes its own lanes directly and skips its own note. */
    private String lanesNote(Collection<LaneRef> lanes) {
        StringBuilder payload = new StringBuilder(node).append('|');
        int start = payload.length();
        for (LaneRef l : lanes) {
            if (payload.length() > MAX_PAYLOAD) {
                payload.setLength(start);
                payload.append(ALL);
                break;
            }
            if (payload.length() > start) payload.append(',');
            payload.append(l.lane()).append(':').append(l.target());
        }
        return payload.toString();
    }

    private void dispatch(String note) {
        int bar = note.indexOf('|');
        if (bar < 0 || note.substring(0, bar).equals(node)) return;
        String payload = note.substring(bar + 1);
        if (payload.equals(ROUTE)) {
            wakeRouting.run();
            return;
        }
        if (payload.equals(ALL)) {
            wakeAll.run();
            return;
        }
        List<LaneRef> lanes = new ArrayList<>();
        for (String part : payload.split(",")) {
            int colon = part.indexOf(':');
            if (colon <= 0) continue;
            try {
                lanes.add(new LaneRef(part.substring(colon + 1), Integer.parseInt(part.substring(0, colon))));
            } catch (NumberFormatException ignored) {
                // Not ours; the poll covers it.
            }
        }
        wake.accept(lanes);
    }

    @Override
    public void close() {
        announcer.close();
        listener.close();
    }
}
