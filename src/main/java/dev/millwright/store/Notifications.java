package dev.millwright.store;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Consumer;

/**
 * Listens to a PostgreSQL NOTIFY channel on a dedicated connection, reconnecting when it is lost.
 * {@code onListening} runs each time listening (re)starts: whatever was sent meanwhile was missed.
 */
public final class Notifications implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Notifications.class);

    private final Database db;
    private final String channel;
    private final Consumer<String> onNote;
    private final Runnable onListening;
    private final Thread listener;
    private volatile boolean closed;

    public Notifications(Database db, String channel, Consumer<String> onNote, Runnable onListening) {
        this.db = db;
        this.channel = channel;
        this.onNote = onNote;
        this.onListening = onListening;
        this.listener = Thread.ofVirtual().name("listen-" + channel).start(this::listen);
    }

    /** Sends a note in the caller's transaction: it goes out on commit, and not at all on rollback. */
    public static void send(Connection c, String channel, String payload) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select pg_notify(?, ?)")) {
            ps.setString(1, channel);
            ps.setString(2, payload);
            ps.execute();
        }
    }

    private void listen() {
        while (!closed) {
            try (Connection c = db.dedicatedConnection()) {
                try (Statement s = c.createStatement()) {
                    s.execute("listen \"" + channel.replace("\"", "") + "\"");
                }
                onListening.run();
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] notes = pg.getNotifications(1000);
                    if (notes == null) continue;
                    for (PGNotification n : notes) onNote.accept(n.getParameter());
                }
            } catch (SQLException e) {
                if (closed) return;
                log.warn("listener on {} lost its connection ({}); reconnecting", channel, e.getMessage());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        listener.interrupt();
    }
}
