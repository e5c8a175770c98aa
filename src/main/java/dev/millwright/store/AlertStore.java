package dev.millwright.store;

import dev.millwright.security.PlantScope;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Expectations (a trigger waiting for its milestone) and the alerts that fired when one did not come in time. */
public final class AlertStore {
    private static final Sql SQL = Sql.load("/sql/alerts.sql");

    private final DataSource ds;

    public AlertStore(DataSource ds) {
        this.ds = ds;
    }

    /** A fired alert. */
    public record Alert(long id, String rule, String key, String plant, String severity, String summary, Instant firedAt, Instant resolvedAt,
                        String acknowledgedBy, Instant acknowledgedAt, boolean silenced) {
        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("rule", rule);
            m.put("key", key);
            m.put("plant", plant);
            m.put("severity", severity);
            m.put("summary", summary);
            m.put("state", resolvedAt == null ? "firing" : "resolved");
            m.put("firedAt", firedAt.toString());
            m.put("resolvedAt", resolvedAt == null ? null : resolvedAt.toString());
            m.put("acknowledgedBy", acknowledgedBy);
            m.put("acknowledgedAt", acknowledgedAt == null ? null : acknowledgedAt.toString());
            m.put("silenced", silenced);
            return m;
        }
    }

    /** An expectation that came due, and now fired. */
    public record Due(long expectationId, String rule, String key, String plant, Instant openedAt, Instant dueAt) {
    }

    public static void open(Connection c, String rule, String key, String plant, long triggerSeq, Duration within) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("open"))) {
            ps.setString(1, rule);
            ps.setString(2, key);
            ps.setString(3, plant);
            ps.setLong(4, triggerSeq);
            ps.setLong(5, within.toMillis());
            ps.executeUpdate();
        }
    }

    /** The milestone came: the key's open expectation closes, and a fired alert for it resolves (returned). */
    public static List<Alert> meet(Connection c, String rule, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("meet"))) {
            ps.setString(1, rule);
            ps.setString(2, key);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(SQL.get("resolve"))) {
            ps.setString(1, rule);
            ps.setString(2, key);
            return read(ps);
        }
    }

    public static List<Due> fireDue(Connection c, int limit) throws SQLException {
        List<Due> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(SQL.get("fire_due"))) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Due(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getTimestamp(5).toInstant(),
                            rs.getTimestamp(6).toInstant()));
                }
            }
        }
        return out;
    }

    public static Optional<Alert> insert(Connection c, Due due, String severity, String summary) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("insert_alert"))) {
            ps.setLong(1, due.expectationId());
            ps.setString(2, due.rule());
            ps.setString(3, due.key());
            ps.setString(4, due.plant());
            ps.setString(5, severity);
            ps.setString(6, summary);
            ps.setString(7, due.rule());
            ps.setString(8, due.key());
            return read(ps).stream().findFirst();
        }
    }

    /** Fires for dead deliveries to {@code target} not yet alerted under the rule. */
    public static List<Alert> fireDeadLetters(Connection c, String rule, String severity, String prefix, String target, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("dead_letters_fire"))) {
            ps.setString(1, rule);
            ps.setString(2, severity);
            ps.setString(3, prefix);
            ps.setString(4, rule);
            ps.setString(5, target);
            ps.setString(6, rule);
            ps.setInt(7, limit);
            return read(ps);
        }
    }

    public static List<Alert> resolveDeadLetters(Connection c, String rule) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("dead_letters_resolve"))) {
            ps.setString(1, rule);
            return read(ps);
        }
    }

    /** Seconds since the oldest unfinished delivery to the target was made; null when there is none. */
    public static Double queueAge(Connection c, String target) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("queue_age"))) {
            ps.setString(1, target);
            ps.setString(2, target);
            ps.setString(3, target);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return (Double) rs.getObject(1);
            }
        }
    }

    /** Fires a state alert for the key unless one is open already. */
    public static Optional<Alert> fireState(Connection c, String rule, String key, String plant, String severity, String summary) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("state_fire"))) {
            ps.setString(1, rule);
            ps.setString(2, key);
            ps.setString(3, plant);
            ps.setString(4, severity);
            ps.setString(5, summary);
            ps.setString(6, rule);
            ps.setString(7, key);
            return read(ps).stream().findFirst();
        }
    }

    public static List<Alert> resolveState(Connection c, String rule, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("state_resolve"))) {
            ps.setString(1, rule);
            ps.setString(2, key);
            return read(ps);
        }
    }

    /** @param state firing, resolved or null (both) */
    public List<Alert> list(String state, String rule, PlantScope plants, long after, int limit) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("list"))) {
                java.sql.Array p = Jdbc.plants(c, plants);
                ps.setString(1, state);
                ps.setString(2, state);
                ps.setString(3, state);
                ps.setString(4, rule);
                ps.setString(5, rule);
                ps.setArray(6, p);
                ps.setArray(7, p);
                ps.setLong(8, after);
                ps.setInt(9, limit);
                return read(ps);
            }
        });
    }

    /** The newest alerts raised on one business key. */
    public List<Alert> forKey(String key, PlantScope plants) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("for_key"))) {
                java.sql.Array p = Jdbc.plants(c, plants);
                ps.setString(1, key);
                ps.setArray(2, p);
                ps.setArray(3, p);
                return read(ps);
            }
        });
    }

    public Optional<Alert> get(long id) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("get"))) {
                ps.setLong(1, id);
                return read(ps).stream().findFirst();
            }
        });
    }

    /** @return empty when it was acknowledged already */
    public Optional<Alert> acknowledge(long id, Actor actor) {
        return Jdbc.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("acknowledge"))) {
                ps.setString(1, actor.name());
                ps.setLong(2, id);
                Optional<Alert> a = read(ps).stream().findFirst();
                if (a.isPresent()) {
                    AuditStore.record(c, actor, "alert.acknowledge", AuditStore.change("alert " + id + " (" + a.get().rule() + " " + a.get().key() + ")",
                            Map.of("acknowledged", false), Map.of("acknowledged", true)));
                }
                return a;
            }
        });
    }

    /** A silence: a rule's alerts (all keys, or one) are recorded but not notified until a time. */
    public record Silence(long id, String rule, String key, Instant until, String reason, String createdBy, Instant createdAt) {
        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("rule", rule);
            m.put("key", key);
            m.put("until", until.toString());
            m.put("reason", reason);
            m.put("createdBy", createdBy);
            m.put("createdAt", createdAt.toString());
            return m;
        }
    }

    public Silence silence(String rule, String key, Instant until, String reason, Actor actor) {
        return Jdbc.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("silence"))) {
                ps.setString(1, rule);
                ps.setString(2, key);
                ps.setTimestamp(3, Timestamp.from(until));
                ps.setString(4, reason);
                ps.setString(5, actor.name());
                Silence s = silences(ps).getFirst();
                AuditStore.record(c, actor, "alert.silence", AuditStore.change("silence " + s.id() + " of " + rule + (key == null ? "" : " " + key),
                        null, s.view()));
                return s;
            }
        });
    }

    public List<Silence> silences() {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("silences"))) {
                return silences(ps);
            }
        });
    }

    /** Ends a silence now; empty when there is no active one of that id. */
    public Optional<Silence> lift(long id, Actor actor) {
        return Jdbc.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("lift"))) {
                ps.setLong(1, id);
                Optional<Silence> s = silences(ps).stream().findFirst();
                if (s.isPresent()) AuditStore.record(c, actor, "alert.silence-lift", AuditStore.change("silence " + id, "active", "lifted"));
                return s;
            }
        });
    }

    private static List<Silence> silences(PreparedStatement ps) throws SQLException {
        List<Silence> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Silence(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant(), rs.getString(5),
                        rs.getString(6), rs.getTimestamp(7).toInstant()));
            }
        }
        return out;
    }

    /** Firing alerts by rule, and open expectations: for the gauges. */
    public record Counts(Map<String, Long> firing, long open) {
    }

    public Counts counts() {
        return Jdbc.withConnection(ds, c -> {
            Map<String, Long> firing = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement(SQL.get("firing")); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) firing.put(rs.getString(1), rs.getLong(2));
            }
            try (PreparedStatement ps = c.prepareStatement(SQL.get("open_count")); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Counts(firing, rs.getLong(1));
            }
        });
    }

    private static List<Alert> read(PreparedStatement ps) throws SQLException {
        List<Alert> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Alert(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                        rs.getTimestamp(7).toInstant(), instant(rs.getTimestamp(8)), rs.getString(9), instant(rs.getTimestamp(10)), rs.getBoolean(11)));
            }
        }
        return out;
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
