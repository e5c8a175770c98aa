package dev.millwright.store;

import javax.sql.DataSource;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Payloads inbound connectors could not turn into events, kept whole with the reason (inbound dead letters). */
public final class InboundFailureStore {
    private static final Sql SQL = Sql.load("/sql/inbound_failures.sql");

    /** One dead-lettered payload; {@code payload} is null in listings. */
    public record Failure(long id, String system, String channel, String reference, String format, int size, byte[] payload,
                          String reason, Instant receivedAt, String state, Instant resolvedAt) {
    }

    private final DataSource ds;

    public InboundFailureStore(DataSource ds) {
        this.ds = ds;
    }

    public long add(String system, String channel, String reference, String format, byte[] payload, String reason) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("insert"))) {
                ps.setString(1, system);
                ps.setString(2, channel);
                ps.setString(3, reference);
                ps.setString(4, format);
                ps.setBytes(5, payload);
                ps.setString(6, reason);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /** @param systems null: every system; else only these (the caller's visible systems) */
    public List<Failure> list(String system, List<String> systems, String state, long after, int limit) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("list"))) {
                java.sql.Array visible = systems == null ? null : c.createArrayOf("text", systems.toArray());
                ps.setString(1, system);
                ps.setString(2, system);
                ps.setArray(3, visible);
                ps.setArray(4, visible);
                ps.setString(5, state);
                ps.setString(6, state);
                ps.setLong(7, after);
                ps.setInt(8, limit);
                List<Failure> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(read(rs, rs.getInt("size"), null));
                }
                return out;
            }
        });
    }

    public Optional<Failure> get(long id) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("get"))) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return Optional.empty();
                    byte[] payload = rs.getBytes("payload");
                    return Optional.of(read(rs, payload.length, payload));
                }
            }
        });
    }

    /** Marks it resolved, audited; @return false when it was already resolved */
    public boolean resolve(long id, Actor actor) {
        return Jdbc.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("resolve"))) {
                ps.setLong(1, id);
                if (ps.executeUpdate() != 1) return false;
            }
            AuditStore.record(c, actor, "inbound-failure.retry", AuditStore.change("inbound failure " + id, "open", "resolved"));
            return true;
        });
    }

    public void setReason(long id, String reason) {
        update("set_reason", ps -> {
            ps.setString(1, reason);
            ps.setLong(2, id);
        });
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private int update(String statement, Binder binder) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get(statement))) {
                binder.bind(ps);
                return ps.executeUpdate();
            }
        });
    }

    private static Failure read(ResultSet rs, int size, byte[] payload) throws SQLException {
        Timestamp resolved = rs.getTimestamp("resolved_at");
        return new Failure(rs.getLong("id"), rs.getString("system"), rs.getString("channel"), rs.getString("reference"),
                rs.getString("format"), size, payload, rs.getString("reason"), rs.getTimestamp("received_at").toInstant(),
                rs.getString("state"), resolved == null ? null : resolved.toInstant());
    }
}
