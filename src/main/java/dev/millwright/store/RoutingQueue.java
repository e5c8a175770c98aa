package dev.millwright.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Stored events waiting to be routed into deliveries: one row per intake commit. */
public final class RoutingQueue {
    private static final Sql SQL = Sql.load("/sql/routing.sql");

    private RoutingQueue() {
    }

    /** In the appending transaction: queues these new events for routing. */
    public static void enqueue(Connection c, Collection<Long> seqs) throws SQLException {
        if (seqs.isEmpty()) return;
        Long[] array = seqs.stream().sorted().toArray(Long[]::new);
        try (PreparedStatement ps = c.prepareStatement(SQL.get("enqueue"))) {
            ps.setLong(1, array[0]);
            ps.setArray(2, c.createArrayOf("bigint", array));
            ps.executeUpdate();
        }
    }

    /** An event read back for routing. */
    public record QueuedEvent(long seq, String source, String id, String type, String subject, String body) {
    }

    /**
     * In the routing transaction: takes the oldest {@code maxCommits} queued commits and returns their events in log
     * order; empty when another router holds the queue.
     * The taken rows are gone when the transaction commits, so the caller must write their deliveries in it.
     */
    public static Optional<List<QueuedEvent>> take(Connection c, int maxCommits) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("lock")); ResultSet rs = ps.executeQuery()) {
            rs.next();
            if (!rs.getBoolean(1)) return Optional.empty();
        }
        List<Long> seqs = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(SQL.get("take"))) {
            ps.setInt(1, maxCommits);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    for (Long seq : (Long[]) rs.getArray(2).getArray()) seqs.add(seq);
                }
            }
        }
        List<QueuedEvent> events = new ArrayList<>(seqs.size());
        if (seqs.isEmpty()) return Optional.of(events);
        try (PreparedStatement ps = c.prepareStatement(SQL.get("events"))) {
            ps.setArray(1, c.createArrayOf("bigint", seqs.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(new QueuedEvent(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6)));
                }
            }
        }
        return Optional.of(events);
    }

    /** Queued commits and the events they name. */
    public record Backlog(long commits, long events) {
    }

    public static Backlog backlog(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("backlog")); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new Backlog(rs.getLong(1), rs.getLong(2));
        }
    }
}
