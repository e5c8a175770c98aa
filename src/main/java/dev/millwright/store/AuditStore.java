package dev.millwright.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** The audit trail of operator actions, written in the transaction of the action itself. */
public final class AuditStore {
    private static final Sql SQL = Sql.load("/sql/audit.sql");

    private AuditStore() {
    }

    public static void record(Connection c, String actor, String action, String detail) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("insert"))) {
            ps.setString(1, actor);
            ps.setString(2, action);
            ps.setString(3, detail);
            ps.executeUpdate();
        }
    }

    public static long insertReplay(Connection c, String subscription, String filter, boolean newKeys, String actor)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("insert_replay"))) {
            ps.setString(1, subscription);
            ps.setString(2, filter);
            ps.setBoolean(3, newKeys);
            ps.setString(4, actor);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    public static void setReplayMatched(Connection c, long replayId, int matched) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("set_replay_matched"))) {
            ps.setInt(1, matched);
            ps.setLong(2, replayId);
            ps.executeUpdate();
        }
    }
}
