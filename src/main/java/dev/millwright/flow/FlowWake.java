package dev.millwright.flow;

import dev.millwright.routing.Outbox;

import java.sql.Connection;
import java.sql.SQLException;

/** Tells flow workers an instance has work: on this node after commit, on others by NOTIFY (sent after the commit). */
final class FlowWake {
    static final String CHANNEL = "millwright_flow";

    private final Runnable local;
    private final String node;

    FlowWake(Runnable local, String node) {
        this.local = local;
        this.node = node;
    }

    /** The note is "schema|node": listeners take their schema's notes and skip their own node's (woken directly). */
    void soon(Connection c, Outbox.Wakes wakes) throws SQLException {
        wakes.tellOtherNodes(CHANNEL, c.getSchema() + '|' + node);
        wakes.add(local);
    }

    static boolean fromOtherNode(String note, String schema, String node) {
        return note.startsWith(schema + '|') && !note.equals(schema + '|' + node);
    }
}
