package dev.millwright.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Sends NOTIFY for transactions that have committed, instead of inside them. PostgreSQL serialises the commits of all
 * transactions that notify (a database-wide lock held through the commit's WAL flush), so a note sent in each ingest,
 * routing or flow transaction made those commits wait for one another (measured: a quarter of the active ingest backends
 * in {@code Lock:object} at COMMIT). Writers hand their notes over after committing; one thread sends what gathered,
 * identical notes once, in one transaction that does not wait for the flush. A note lost with a crash between the
 * commit and the send is covered by the listeners' polls, the safety net for a missed notification anyway.
 */
public final class Announcer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Announcer.class);

    private record Note(String channel, String payload) {
    }

    private final DataSource lazy;
    private final Set<Note> unsent = new LinkedHashSet<>();
    private final Thread thread;
    private volatile boolean closed;
    private long lastFailureLogged = System.nanoTime() - TimeUnit.MINUTES.toNanos(2);

    /** @param lazy connections that commit without waiting for the WAL flush */
    public Announcer(DataSource lazy) {
        this.lazy = lazy;
        this.thread = Thread.ofPlatform().name("announcer").daemon().start(this::run);
    }

    /** Call after the commit that the note is about. */
    public synchronized void announce(String channel, String payload) {
        if (unsent.add(new Note(channel, payload))) notifyAll();
    }

    private void run() {
        while (!closed) {
            List<Note> notes;
            synchronized (this) {
                while (!closed && unsent.isEmpty()) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                notes = new ArrayList<>(unsent);
                unsent.clear();
            }
            if (!notes.isEmpty()) send(notes);
        }
    }

    private void send(List<Note> notes) {
        try {
            Jdbc.inTransaction(lazy, c -> {
                for (Note n : notes) Notifications.send(c, n.channel(), n.payload());
                return null;
            });
        } catch (RuntimeException e) {
            long now = System.nanoTime();
            if (now - lastFailureLogged > TimeUnit.MINUTES.toNanos(1)) {
                lastFailureLogged = now;
                log.warn("could not notify other nodes ({}); they find the work by their polls", e.getMessage());
            }
        }
    }

    /** Sends what is still waiting, then stops. */
    @Override
    public void close() {
        List<Note> last;
        synchronized (this) {
            closed = true;
            last = new ArrayList<>(unsent);
            unsent.clear();
            notifyAll();
        }
        try {
            thread.join(java.time.Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!last.isEmpty()) send(last);
    }
}
