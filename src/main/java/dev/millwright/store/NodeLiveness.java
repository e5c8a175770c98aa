package dev.millwright.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * This node's liveness session: one dedicated connection that holds the node's advisory lock for the life
 * of the process. When the process dies (kill -9 included) the kernel closes the connection, PostgreSQL
 * ends the session and the lock is gone at once, so other nodes take the dead node's leases without
 * waiting for them to expire. The node itself acts on its leases only while it has confirmed the session
 * recently: a node cut off from the database stops before others can consider it gone.
 */
public final class NodeLiveness implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeLiveness.class);
    private static final int CHECK_TIMEOUT_SECONDS = 2;

    private final Database db;
    private final String node;
    private Connection session;
    private volatile long confirmedAt = Long.MIN_VALUE;
    private volatile boolean closed;

    public NodeLiveness(Database db, String node) {
        this.db = db;
        this.node = node;
        confirm();
    }

    /** Checks the session, opening a new one (and taking the lock again) when it broke; true when alive. */
    public synchronized boolean confirm() {
        if (closed) return false;
        long started = System.nanoTime();
        try {
            if (session == null || session.isClosed()) open();
            try (Statement st = session.createStatement()) {
                st.setQueryTimeout(CHECK_TIMEOUT_SECONDS);
                st.execute("select 1");
            }
            confirmedAt = started;
            return true;
        } catch (SQLException | RuntimeException e) {
            if (confirmedAt != Long.MIN_VALUE) log.warn("node {} lost its liveness session ({}); it stops delivering until it is back", node, e.getMessage());
            confirmedAt = Long.MIN_VALUE;
            closeSession();
            return false;
        }
    }

    private void open() throws SQLException {
        Connection c = db.dedicatedConnection("millwright-live " + node);
        try {
            c.setNetworkTimeout(Runnable::run, CHECK_TIMEOUT_SECONDS * 1000 + 1000);
            // The server drops a silent client within seconds, so a node cut off by the network frees its lock soon.
            try (Statement st = c.createStatement()) {
                st.execute("set tcp_keepalives_idle = 5; set tcp_keepalives_interval = 2; set tcp_keepalives_count = 2");
            }
            for (int tries = 0; ; tries++) {
                if (LeaseStore.lockNode(c, node, ThreadLocalRandom.current().nextInt())) break;
                if (tries == 10) throw new SQLException("no free node lock key after 10 tries");
            }
            session = c;
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Whether the session was confirmed alive within {@code window}. */
    public boolean confirmedWithin(Duration window) {
        long at = confirmedAt;
        return at != Long.MIN_VALUE && System.nanoTime() - at < window.toNanos();
    }

    private void closeSession() {
        if (session == null) return;
        try {
            session.close();
        } catch (SQLException ignored) {
            // Closing a broken connection: nothing to do.
        }
        session = null;
    }

    @Override
    public synchronized void close() {
        closed = true;
        confirmedAt = Long.MIN_VALUE;
        closeSession();
    }
}
