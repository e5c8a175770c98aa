package dev.millwright.delivery;

import dev.millwright.store.Database;
import dev.millwright.store.DeliveryStore.LaneRef;
import dev.millwright.store.Jdbc;
import dev.millwright.store.Notifications;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Wakes lane workers when their lane gets work, and routing stages when events were queued: directly on the node that
 * wrote the rows, and through PostgreSQL NOTIFY on every other node. The NOTIFY is not sent in the writing transaction:
 * PostgreSQL serialises the commits of all transactions that notify (a database-wide lock held through the commit's
 * WAL flush), which made every ingest commit wait for the one before it (measured: a quarter of the active ingest
 * backends in {@code Lock:object} at COMMIT). Instead a writer hands its note over after its commit, and one announcer
 * thread sends what gathered in one small transaction without waiting for the flush. A note lost with a crash between
 * the two is covered by the other nodes' slow polls, the safety net for a missed notification anyway.
 */
public final class WorkSignal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkSignal.class);
    static final String CHANNEL = "millwright_work";
    private static final int MAX_PAYLOAD = 7000;
    private static final String ALL = "*";
    private static final String ROUTE = "route";

    private final String node;
    private final Consumer<Collection<LaneRef>> wake;
    private final Runnable wakeAll;
    private final Runnable wakeRouting;
    private final Notifications listener;
    private final DataSource announceWith;
    /** Notes committed but not yet announced. */
    private final Set<LaneRef> unannouncedLanes = new HashSet<>();
    private boolean unannouncedRouting;
    private final Thread announcer;
    private volatile boolean closed;
    private long lastFailureLogged;

    public WorkSignal(Database db, String node, Consumer<Collection<LaneRef>> wake, Runnable wakeAll, Runnable wakeRouting) {
        this.node = node;
        this.wake = wake;
        this.wakeAll = wakeAll;
        this.wakeRouting = wakeRouting;
        this.announceWith = db.lazyDataSource();
        // Anything sent while not listening was missed: wake every lane and the routing stage then.
        this.listener = new Notifications(db, CHANNEL, this::dispatch, () -> {
            wakeAll.run();
            wakeRouting.run();
        });
        this.announcer = Thread.ofPlatform().name("work-announcer").daemon().start(this::announceLoop);
    }

    /** After a commit that queued events: tell other nodes' routing stages. */
    public synchronized void routingCommitted() {
        unannouncedRouting = true;
        notifyAll();
    }

    /** After a commit that gave lanes work: wake them here, and tell other nodes. */
    public void lanesCommitted(Collection<LaneRef> lanes) {
        if (lanes.isEmpty()) return;
        wake.accept(lanes);
        synchronized (this) {
            unannouncedLanes.addAll(lanes);
            notifyAll();
        }
    }

    private void announceLoop() {
        while (!closed) {
            boolean routing;
            List<LaneRef> lanes;
            synchronized (this) {
                while (!closed && !unannouncedRouting && unannouncedLanes.isEmpty()) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                routing = unannouncedRouting;
                lanes = new ArrayList<>(unannouncedLanes);
                unannouncedRouting = false;
                unannouncedLanes.clear();
            }
            if (closed) return;
            announce(routing, lanes);
        }
    }

    /** One transaction for everything that gathered while the last one was sent. */
    private void announce(boolean routing, List<LaneRef> lanes) {
        List<String> notes = new ArrayList<>(2);
        if (routing) notes.add(node + '|' + ROUTE);
        if (!lanes.isEmpty()) notes.add(lanesNote(lanes));
        try {
            Jdbc.inTransaction(announceWith, c -> {
                for (String note : notes) Notifications.send(c, CHANNEL, note);
                return null;
            });
        } catch (RuntimeException e) {
            long now = System.nanoTime();
            if (now - lastFailureLogged > java.util.concurrent.TimeUnit.MINUTES.toNanos(1)) {
                lastFailureLogged = now;
                log.warn("could not tell other nodes about new work ({}); they find it by their slow poll", e.getMessage());
            }
        }
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
        closed = true;
        synchronized (this) {
            notifyAll();
        }
        try {
            announcer.join(java.time.Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listener.close();
    }
}
