package dev.millwright.flow;

import dev.millwright.routing.Outbox;
import dev.millwright.store.Notifications;

import java.sql.Connection;
import java.sql.SQLException;

/** Tells flow workers an instance has work: on this node after commit, on others by NOTIFY (sent on commit). */
final class FlowWake {
    static final String CHANNEL = "millwright_flow";

    private final Runnable local;

    FlowWake(Runnable local) {
        this.local = local;
    }

    void soon(Connection c, Outbox.Wakes wakes) throws SQLException {
        Notifications.send(c, CHANNEL, c.getSchema());
        wakes.add(local);
    }
}
