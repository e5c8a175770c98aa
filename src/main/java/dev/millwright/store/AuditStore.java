package dev.millwright.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** The audit trail of operator actions, written in the transaction of the action itself, hash-chained (V11). */
public final class AuditStore {
    private static final Sql SQL = Sql.load("/sql/audit.sql");

    private AuditStore() {
    }

    public static void record(Connection c, Actor actor, String action, String detail) throws SQLException {
        record(c, actor.name(), action, detail, actor.client());
    }

    /** An entry's detail for a change: what changed, and its state before and after (null: it did not exist). */
    public static String change(String subject, Object before, Object after) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("subject", subject);
        m.put("before", before);
        m.put("after", after);
        try {
            return dev.millwright.event.Json.MAPPER.writeValueAsString(m);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Appends an entry chained to the one before it (its hash covers the previous hash), in the caller's transaction;
     * entries are appended one at a time (a transaction-scoped advisory lock), so the chain follows id order.
     * @param client the address the action came from, or null
     */
    static void record(Connection c, String actor, String action, String detail, String client) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("lock"))) {
            ps.execute();
        }
        byte[] prev = null;
        try (PreparedStatement ps = c.prepareStatement(SQL.get("head")); ResultSet rs = ps.executeQuery()) {
            if (rs.next()) prev = rs.getBytes(2);
        }
        long id;
        java.time.Instant at;
        try (PreparedStatement ps = c.prepareStatement(SQL.get("next")); ResultSet rs = ps.executeQuery()) {
            rs.next();
            id = rs.getLong(1);
            at = rs.getTimestamp(2).toInstant();
        }
        at = at.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        try (PreparedStatement ps = c.prepareStatement(SQL.get("insert"))) {
            ps.setLong(1, id);
            ps.setTimestamp(2, java.sql.Timestamp.from(at));
            ps.setString(3, actor);
            ps.setString(4, action);
            ps.setString(5, detail);
            ps.setString(6, client);
            ps.setBytes(7, prev);
            ps.setBytes(8, hash(prev, id, at, actor, action, detail, client));
            ps.executeUpdate();
        }
    }

    /** An entry of the trail as stored. */
    public record Entry(long id, java.time.Instant at, String actor, String action, String detail, String client, byte[] prevHash, byte[] hash) {
        /** As the API and the export show it: hashes in hex. */
        public java.util.Map<String, Object> view() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("id", id);
            m.put("at", at.toString());
            m.put("actor", actor);
            m.put("action", action);
            m.put("detail", detail);
            m.put("client", client);
            m.put("prevHash", prevHash == null ? null : java.util.HexFormat.of().formatHex(prevHash));
            m.put("hash", java.util.HexFormat.of().formatHex(hash));
            return m;
        }
    }

    private static final java.time.format.DateTimeFormatter AT = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);

    /** sha256(previous hash || id, time (UTC, microseconds), actor, action, detail, client — UTF-8, one per line); as V11's SQL function. */
    public static byte[] hash(byte[] prev, long id, java.time.Instant at, String actor, String action, String detail, String client) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            if (prev != null) sha.update(prev);
            String text = id + "\n" + AT.format(at) + "\n" + actor + "\n" + action + "\n" + detail + "\n" + (client == null ? "" : client);
            return sha.digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a check of the whole chain found: how many entries, the head's hash, and the first broken entry (null: none). */
    public record Verification(long entries, String headHash, Long brokenAt, String problem) {
        public boolean intact() {
            return brokenAt == null;
        }
    }

    /**
     * Walks the chain in id order, recomputing each hash: an edited entry fails its own hash, a deleted one the next
     * entry's link to its predecessor, a reordering both; names the first entry where the chain breaks.
     */
    public static Verification verify(Connection c) throws SQLException {
        byte[] prev = null;
        long after = 0, count = 0;
        java.util.HexFormat hex = java.util.HexFormat.of();
        while (true) {
            List<Entry> page = chain(c, after, 1000);
            if (page.isEmpty()) break;
            for (Entry e : page) {
                count++;
                if (!java.util.Arrays.equals(e.prevHash(), prev)) {
                    return new Verification(count, null, e.id(), "entry " + e.id() + " does not follow the entry before it (one was deleted, "
                            + "inserted or moved before it)");
                }
                byte[] expected = hash(prev, e.id(), e.at(), e.actor(), e.action(), e.detail(), e.client());
                if (!java.util.Arrays.equals(expected, e.hash())) {
                    return new Verification(count, null, e.id(), "entry " + e.id() + " was changed after it was written (its content no "
                            + "longer matches its hash)");
                }
                prev = e.hash();
                after = e.id();
            }
        }
        return new Verification(count, prev == null ? null : hex.formatHex(prev), null, null);
    }

    private static List<Entry> chain(Connection c, long after, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("chain"))) {
            ps.setLong(1, after);
            ps.setInt(2, limit);
            return read(ps);
        }
    }

    /** Entries by actor, action prefix and time, in order, after an id (paging). */
    public static List<Entry> search(Connection c, String actor, String action, java.time.Instant from, java.time.Instant to, long after, int limit)
            throws SQLException {
        return search(c, "search", actor, action, from, to, after, limit);
    }

    /** The entries that acted on these objects ("delivery 42", "flow review instance 7"), oldest first. */
    public static List<Entry> about(Connection c, List<String> objects, int limit) throws SQLException {
        if (objects.isEmpty()) return List.of();
        try (PreparedStatement ps = c.prepareStatement(SQL.get("about"))) {
            ps.setArray(1, c.createArrayOf("text", objects.toArray()));
            ps.setInt(2, limit);
            return read(ps);
        }
    }

    /** The same filters, newest first, entries before {@code before}. */
    public static List<Entry> newest(Connection c, String actor, String action, java.time.Instant from, java.time.Instant to, long before, int limit)
            throws SQLException {
        return search(c, "search_newest", actor, action, from, to, before, limit);
    }

    private static List<Entry> search(Connection c, String statement, String actor, String action, java.time.Instant from, java.time.Instant to,
                                      long position, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get(statement))) {
            ps.setString(1, actor);
            ps.setString(2, actor);
            ps.setString(3, action);
            ps.setString(4, action);
            java.sql.Timestamp f = from == null ? null : java.sql.Timestamp.from(from), t = to == null ? null : java.sql.Timestamp.from(to);
            ps.setTimestamp(5, f);
            ps.setTimestamp(6, f);
            ps.setTimestamp(7, t);
            ps.setTimestamp(8, t);
            ps.setLong(9, position);
            ps.setInt(10, limit);
            return read(ps);
        }
    }

    private static List<Entry> read(PreparedStatement ps) throws SQLException {
        List<Entry> out = new java.util.ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Entry(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getString(6), rs.getBytes(7), rs.getBytes(8)));
            }
        }
        return out;
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
