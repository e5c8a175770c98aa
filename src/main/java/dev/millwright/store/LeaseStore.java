package dev.millwright.store;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.OptionalLong;
import java.util.Set;

/** Named leases and node heartbeats, both on database time. */
public final class LeaseStore {
    private static final Sql SQL = Sql.load("/sql/leases.sql");
    private final DataSource ds;

    public LeaseStore(DataSource ds) {
        this.ds = ds;
    }

    /** Takes or renews each named lease that is free, expired, already ours or whose owner is gone; returns those now held. */
    public Set<String> acquire(Collection<String> names, String owner, Duration ttl) {
        return acquireWithEpochs(names, owner, ttl).keySet();
    }

    /** As {@link #acquire}, with each held lease's epoch (it changes whenever the lease changes hands). */
    public Map<String, Long> acquireWithEpochs(Collection<String> names, String owner, Duration ttl) {
        if (names.isEmpty()) return Map.of();
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("acquire"))) {
                ps.setArray(1, c.createArrayOf("text", names.toArray()));
                ps.setString(2, owner);
                ps.setDouble(3, ttl.toMillis() / 1000.0);
                Map<String, Long> held = new HashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) held.put(rs.getString(1), rs.getLong(2));
                }
                return held;
            }
        });
    }

    /** A fresh epoch for a lease this owner holds (empty when it no longer does). */
    public OptionalLong newEpoch(String name, String owner) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("new_epoch"))) {
                ps.setString(1, name);
                ps.setString(2, owner);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
                }
            }
        });
    }

    public void release(Collection<String> names, String owner) {
        if (names.isEmpty()) return;
        Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("release"))) {
                ps.setString(1, owner);
                ps.setArray(2, c.createArrayOf("text", names.toArray()));
                return ps.executeUpdate();
            }
        });
    }

    public void releaseAll(String owner) {
        Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("release_all"))) {
                ps.setString(1, owner);
                return ps.executeUpdate();
            }
        });
    }

    public void heartbeat(String node) {
        Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("heartbeat"))) {
                ps.setString(1, node);
                return ps.executeUpdate();
            }
        });
    }

    /** Nodes whose liveness session is open, sorted by id. */
    public List<String> liveNodes() {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("live_nodes"))) {
                List<String> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(rs.getString(1));
                }
                return out;
            }
        });
    }

    /** On the liveness session: takes the node's lock and registers the node with it; false when the key is taken. */
    static boolean lockNode(Connection c, String node, int lockKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("lock_node"))) {
            ps.setInt(1, lockKey);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) return false;
            }
        }
        try (PreparedStatement ps = c.prepareStatement(SQL.get("register_node"))) {
            ps.setString(1, node);
            ps.setInt(2, lockKey);
            ps.executeUpdate();
        }
        return true;
    }

    public void forgetNode(String node) {
        Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("forget_node"))) {
                ps.setString(1, node);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(SQL.get("forget_dead_nodes"))) {
                return ps.executeUpdate();
            }
        });
    }
}
