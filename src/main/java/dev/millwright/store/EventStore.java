package dev.millwright.store;

import dev.millwright.event.CloudEvent;
import dev.millwright.event.TraceParent;
import dev.millwright.security.PlantScope;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The append-only event log. */
public final class EventStore {
    private static final Sql SQL = Sql.load("/sql/events.sql");
    private final DataSource ds;

    public EventStore(DataSource ds) {
        this.ds = ds;
    }

    /** The idempotency key of an event. */
    public record Key(String source, String id) {
        public static Key of(CloudEvent e) {
            return new Key(e.source(), e.id());
        }
    }

    /**
     * Inserts events that are not yet in the log, in the caller's transaction.
     * @return the sequence number of each newly inserted event; keys already present are absent
     */
    public static Map<Key, Long> insert(Connection c, List<CloudEvent> events) throws SQLException {
        return insert(c, events, null);
    }

    /**
     * As {@link #insert(Connection, List)}, storing with each event the trace context at the given position (the
     * hub's own span for it) instead of the one it arrived with; {@code traceparents} null: the one it arrived with.
     */
    public static Map<Key, Long> insert(Connection c, List<CloudEvent> events, List<String> traceparents) throws SQLException {
        int n = events.size();
        String[] sources = new String[n], ids = new String[n], types = new String[n], subjects = new String[n], json = new String[n],
                traces = new String[n], plants = new String[n];
        Timestamp[] times = new Timestamp[n];
        for (int i = 0; i < n; i++) {
            CloudEvent e = events.get(i);
            sources[i] = e.source();
            ids[i] = e.id();
            types[i] = e.type();
            subjects[i] = e.subject();
            times[i] = e.time() == null ? null : Timestamp.from(e.time().toInstant());
            json[i] = e.json();
            plants[i] = e.attribute("plant");
            traces[i] = traceparents == null ? TraceParent.valid(e.attribute("traceparent")) : traceparents.get(i);
        }
        Map<Key, Long> inserted = new HashMap<>(n * 2);
        try (PreparedStatement ps = c.prepareStatement(SQL.get("insert"))) {
            ps.setArray(1, c.createArrayOf("text", sources));
            ps.setArray(2, c.createArrayOf("text", ids));
            ps.setArray(3, c.createArrayOf("text", types));
            ps.setArray(4, c.createArrayOf("text", subjects));
            ps.setArray(5, c.createArrayOf("timestamptz", times));
            ps.setArray(6, c.createArrayOf("text", json));
            ps.setArray(7, c.createArrayOf("text", traces));
            ps.setArray(8, c.createArrayOf("text", plants));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) inserted.put(new Key(rs.getString(2), rs.getString(3)), rs.getLong(1));
            }
        }
        return inserted;
    }

    /** The event with this CloudEvents id (and source, when given); more than one match is reported by size. */
    public List<StoredEvent> byId(String id, String source) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("by_id"))) {
                ps.setString(1, id);
                ps.setString(2, source);
                ps.setString(3, source);
                return read(ps);
            }
        });
    }

    public Optional<StoredEvent> bySeq(long seq) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("by_seq"))) {
                ps.setLong(1, seq);
                return read(ps).stream().findFirst();
            }
        });
    }

    /** Events in log order after {@code afterSeq}; {@code type} may end in '.*'. */
    public List<StoredEvent> search(String type, String subject, String source, PlantScope plants, long afterSeq, int limit) {
        return Jdbc.withConnection(ds, c -> {
            if (subject != null) {
                try (PreparedStatement ps = c.prepareStatement(SQL.get("search_subject"))) {
                    ps.setString(1, type);
                    ps.setString(2, source);
                    ps.setArray(3, Jdbc.plants(c, plants));
                    ps.setString(4, subject);
                    ps.setLong(5, afterSeq);
                    ps.setInt(6, limit);
                    return read(ps);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(SQL.get("search"))) {
                ps.setString(1, type);
                ps.setString(2, subject);
                ps.setString(3, source);
                ps.setArray(4, Jdbc.plants(c, plants));
                ps.setLong(5, afterSeq);
                ps.setInt(6, limit);
                return read(ps);
            }
        });
    }

    /** An event picked for a replay. */
    public record ReplayCandidate(long seq, String source, String id, String type, String subject, String body) {
    }

    public static List<ReplayCandidate> forReplay(Connection c, String type, String subject, Instant from, Instant to,
                                                  PlantScope plants, int limit) throws SQLException {
        String given = (subject != null ? "e.subject = p.subject and " : "")
                + (type != null && !type.endsWith(".*") ? "e.type = p.type and " : "")
                + (from != null ? "e.received_at >= p.from_time and " : "") + (to != null ? "e.received_at < p.to_time and " : "");
        try (PreparedStatement ps = c.prepareStatement(SQL.get("for_replay").replace("/*given*/", given))) {
            ps.setString(1, type);
            ps.setString(2, subject);
            ps.setTimestamp(3, from == null ? null : Timestamp.from(from));
            ps.setTimestamp(4, to == null ? null : Timestamp.from(to));
            ps.setArray(5, Jdbc.plants(c, plants));
            ps.setInt(6, limit);
            List<ReplayCandidate> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new ReplayCandidate(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6)));
                }
            }
            return out;
        }
    }

    /**
     * Deletes up to {@code batch} events older than {@code before} that no delivery references; the keys of
     * those received since {@code keysFrom} stay behind, so a resend within the idempotency window is still a duplicate.
     */
    public int prune(Instant before, Instant keysFrom, int batch) {
        return Jdbc.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("prune"))) {
                ps.setTimestamp(1, Timestamp.from(before));
                ps.setInt(2, batch);
                ps.setTimestamp(3, Timestamp.from(keysFrom));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    /** Forgets up to {@code batch} retired keys of events received before {@code before}. */
    public int pruneRetiredKeys(Instant before, int batch) {
        return Jdbc.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("prune_retired_keys"))) {
                ps.setTimestamp(1, Timestamp.from(before));
                ps.setInt(2, batch);
                return ps.executeUpdate();
            }
        });
    }

    private static List<StoredEvent> read(PreparedStatement ps) throws SQLException {
        List<StoredEvent> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(new StoredEvent(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4)));
        }
        return out;
    }
}
