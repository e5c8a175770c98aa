package dev.millwright.flow;

import dev.millwright.routing.Outbox;

import java.sql.Connection;
import java.sql.SQLException;

/** Tells flow workers an instance has work: on this node after commit, on others by NOTIFY (sent after the commit). */
final class FlowWake {
    static final String CHANNEL = "millwright_flow";

    private final Runnable local;

    FlowWake(Runnable local) {
        this.local = local;
    }

    void soon(Connection c, Outbox.Wakes wakes) throws SQLException {
        wakes.tellOtherNodes(CHANNEL, c.getSchema());
        wakes.add(local);
    }
}
