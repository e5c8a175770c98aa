package dev.millwright.store;

import javax.sql.DataSource;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Named leases and node heartbeats, both on database time. */
public final class LeaseStore {
    private static final Sql SQL = Sql.load("/sql/leases.sql");
    private final DataSource ds;

    public LeaseStore(DataSource ds) {
        this.ds = ds;
    }

    /** Takes or renews each named lease that is free, expired or already ours; returns those now held. */
    public Set<String> acquire(Collection<String> names, String owner, Duration ttl) {
        if (names.isEmpty()) return Set.of();
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("acquire"))) {
                ps.setArray(1, c.createArrayOf("text", names.toArray()));
                ps.setString(2, owner);
                ps.setDouble(3, ttl.toMillis() / 1000.0);
                Set<String> held = new HashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) held.add(rs.getString(1));
                }
                return held;
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

    /** Nodes whose heartbeat is younger than {@code window}, sorted by id. */
    public List<String> liveNodes(Duration window) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("live_nodes"))) {
                ps.setDouble(1, window.toMillis() / 1000.0);
                List<String> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(rs.getString(1));
                }
                return out;
            }
        });
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
