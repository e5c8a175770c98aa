package dev.millwright.store;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The cross-reference: for each entity (equipment, material, lot, ...) a canonical id and the id each
 * system knows it by. Every change is kept in the history with who made it, and announced on the
 * channel so every node's cache drops what it changed.
 */
public final class XrefStore {
    private static final Sql SQL = Sql.load("/sql/xref.sql");

    public static final Set<String> ENTITY_TYPES = Set.of("equipment", "asset", "material", "lot", "supplier", "workorder", "person");

    /** One row to import (line: its line in the file, for reports). */
    public record Row(int line, String entityType, String canonicalId, String system, String localId) {
    }

    /** A row that was not imported, and why. */
    public record Rejected(int line, String reason) {
    }

    public record ImportResult(int added, int changed, int unchanged, List<Rejected> rejected) {
    }

    /** What a PUT changed. */
    public record Change(int added, int changed, int removed, int unchanged) {
    }

    public record HistoryEntry(String system, String oldLocalId, String newLocalId, String changedBy, Instant changedAt) {
    }

    /** A system id that already names another entity. */
    public static final class Conflict extends RuntimeException {
        public Conflict(String message) {
            super(message, null, false, false);
        }
    }

    private final DataSource ds;
    private final String channel;

    /** @param channel NOTIFY channel for changes; a payload is "TYPE|CANONICAL_ID" or "*" for many */
    public XrefStore(DataSource ds, String channel) {
        this.ds = ds;
        this.channel = channel;
    }

    public Optional<String> canonicalOf(String entityType, String system, String localId) {
        return one("canonical_of", entityType, system, localId);
    }

    public Optional<String> localOf(String entityType, String canonicalId, String system) {
        return one("local_of", entityType, canonicalId, system);
    }

    private Optional<String> one(String statement, String a, String b, String c) {
        return Jdbc.withConnection(ds, conn -> {
            try (PreparedStatement ps = conn.prepareStatement(SQL.get(statement))) {
                ps.setString(1, a);
                ps.setString(2, b);
                ps.setString(3, c);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    /** system → local id for one entity; empty when unknown. */
    public Map<String, String> entry(String entityType, String canonicalId) {
        return Jdbc.withConnection(ds, c -> entry(c, "entry", entityType, canonicalId));
    }

    private static Map<String, String> entry(Connection c, String statement, String entityType, String canonicalId) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(SQL.get(statement))) {
            ps.setString(1, entityType);
            ps.setString(2, canonicalId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString("system"), rs.getString("local_id"));
            }
        }
        return out;
    }

    /**
     * Sets an entity's ids: {@code systems} maps system → local id. With {@code replace}, systems not given
     * are removed (PUT); an empty map with replace removes the entity (DELETE).
     *
     * @throws Conflict when a given id already names another entity of the type; nothing changes then
     */
    /** An entity's plant: empty when the entity does not exist; a null plant is master data every plant shares. */
    /** One entity as browsed: its ids by system, and its plant (null: shared). */
    public record Entity(String entityType, String canonicalId, String plant, Map<String, String> systems) {
    }

    private static final Sql.Named BROWSE = SQL.named("browse");

    /** Entities in key order after ({@code afterType}, {@code afterId}); {@code prefix} matches a canonical or a system's id. */
    public List<Entity> browse(String entityType, String prefix, dev.millwright.security.PlantScope plants, String afterType, String afterId, int limit) {
        return Jdbc.withConnection(ds, c -> {
            Map<String, Object> p = new java.util.HashMap<>();
            p.put("type", entityType);
            p.put("q", prefix);
            p.put("after_type", afterType == null ? "" : afterType);
            p.put("after_id", afterId == null ? "" : afterId);
            p.put("plants", Jdbc.plants(c, plants));
            p.put("lim", limit);
            try (PreparedStatement ps = c.prepareStatement(BROWSE.sql())) {
                BROWSE.bind(ps, p);
                List<Entity> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Map<String, String> ids = new java.util.TreeMap<>();
                        dev.millwright.event.Json.MAPPER.readTree(rs.getString(4)).properties().forEach(e -> ids.put(e.getKey(), e.getValue().asText()));
                        out.add(new Entity(rs.getString(1), rs.getString(2), rs.getString(3), ids));
                    }
                } catch (java.io.IOException e) {
                    throw new SQLException("unreadable ids of an entity", e);
                }
                return out;
            }
        });
    }

    public record Owner(String plant) {
    }

    public Optional<Owner> owner(String entityType, String canonicalId) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("plant_of"))) {
                ps.setString(1, entityType);
                ps.setString(2, canonicalId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Owner(rs.getString(1))) : Optional.empty();
                }
            }
        });
    }

    /** As {@link #put(String, String, Map, boolean, String, Actor)} for shared master data (no plant). */
    public Change put(String entityType, String canonicalId, Map<String, String> systems, boolean replace, Actor actor) {
        return put(entityType, canonicalId, systems, replace, null, actor);
    }

    /** @param plant the plant the entity belongs to (null: every plant shares it); audited with the ids before and after */
    public Change put(String entityType, String canonicalId, Map<String, String> systems, boolean replace, String plant, Actor actor) {
        return Jdbc.inTransaction(ds, c -> {
            Map<String, String> current = entry(c, "lock_entry", entityType, canonicalId);
            String plantBefore = null;
            try (PreparedStatement ps = c.prepareStatement(SQL.get("plant_of"))) {
                ps.setString(1, entityType);
                ps.setString(2, canonicalId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) plantBefore = rs.getString(1);
                }
            }
            for (var e : systems.entrySet()) {
                try (PreparedStatement ps = c.prepareStatement(SQL.get("owner_of"))) {
                    ps.setString(1, entityType);
                    ps.setString(2, e.getKey());
                    ps.setString(3, e.getValue());
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next() && !rs.getString(1).equals(canonicalId)) {
                            throw new Conflict(e.getKey() + " id '" + e.getValue() + "' already names " + entityType + " '" + rs.getString(1) + "'");
                        }
                    }
                }
            }
            int added = 0, changed = 0, removed = 0, unchanged = 0;
            if (replace) {
                for (var e : current.entrySet()) {
                    if (systems.containsKey(e.getKey())) continue;
                    try (PreparedStatement ps = c.prepareStatement(SQL.get("remove"))) {
                        ps.setString(1, entityType);
                        ps.setString(2, canonicalId);
                        ps.setString(3, e.getKey());
                        ps.executeUpdate();
                    }
                    history(c, entityType, canonicalId, e.getKey(), e.getValue(), null, actor.name());
                    removed++;
                }
            }
            for (var e : systems.entrySet()) {
                String old = current.get(e.getKey());
                if (e.getValue().equals(old)) {
                    unchanged++;
                    continue;
                }
                try (PreparedStatement ps = c.prepareStatement(SQL.get("upsert"))) {
                    ps.setString(1, entityType);
                    ps.setString(2, canonicalId);
                    ps.setString(3, e.getKey());
                    ps.setString(4, e.getValue());
                    ps.executeUpdate();
                }
                history(c, entityType, canonicalId, e.getKey(), old, e.getValue(), actor.name());
                if (old == null) added++;
                else changed++;
            }
            boolean moved = !systems.isEmpty() && !java.util.Objects.equals(plant, plantBefore);
            if (moved || added > 0 && plant != null) {
                try (PreparedStatement ps = c.prepareStatement(SQL.get("set_plant"))) {
                    ps.setString(1, plant);
                    ps.setString(2, entityType);
                    ps.setString(3, canonicalId);
                    ps.executeUpdate();
                }
            }
            if (added + changed + removed > 0 || moved) {
                Notifications.send(c, channel, entityType + "|" + canonicalId);
                Map<String, Object> before = new java.util.LinkedHashMap<>(), after = new java.util.LinkedHashMap<>();
                before.put("plant", plantBefore);
                before.put("systems", current);
                after.put("plant", systems.isEmpty() ? null : plant);
                after.put("systems", systems);
                AuditStore.record(c, actor, systems.isEmpty() ? "xref.delete" : "xref.put", AuditStore.change(entityType + " " + canonicalId,
                        current.isEmpty() ? null : before, systems.isEmpty() ? null : after));
            }
            return new Change(added, changed, removed, unchanged);
        });
    }

    private static void history(Connection c, String entityType, String canonicalId, String system, String oldLocal, String newLocal,
                                String actor) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("history_add"))) {
            ps.setString(1, entityType);
            ps.setString(2, canonicalId);
            ps.setString(3, system);
            ps.setString(4, oldLocal);
            ps.setString(5, newLocal);
            ps.setString(6, actor);
            ps.executeUpdate();
        }
    }

    public List<HistoryEntry> history(String entityType, String canonicalId) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("history"))) {
                ps.setString(1, entityType);
                ps.setString(2, canonicalId);
                List<HistoryEntry> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new HistoryEntry(rs.getString("system"), rs.getString("old_local_id"), rs.getString("new_local_id"),
                                rs.getString("changed_by"), rs.getTimestamp("changed_at").toInstant()));
                    }
                }
                return out;
            }
        });
    }

    /**
     * Upserts rows in one transaction, set-wise: a row whose id already names another entity (in the store,
     * or on an earlier line) is rejected; a later line for the same entity and system wins; entries not in
     * the rows are kept. Importing the same rows again changes nothing.
     */
    public ImportResult importRows(List<Row> rows, Actor actor) {
        return importRows(rows, actor, true);
    }

    /** @param apply false: a preview — what the import would add, change and reject, with nothing changed */
    public ImportResult importRows(List<Row> rows, Actor actor, boolean apply) {
        return Jdbc.inTransaction(ds, c -> {
            exec(c, "import_stage");
            try (PreparedStatement ps = c.prepareStatement(SQL.get("import_rows"))) {
                ps.setArray(1, c.createArrayOf("int4", rows.stream().map(Row::line).toArray()));
                ps.setArray(2, c.createArrayOf("text", rows.stream().map(Row::entityType).toArray()));
                ps.setArray(3, c.createArrayOf("text", rows.stream().map(Row::canonicalId).toArray()));
                ps.setArray(4, c.createArrayOf("text", rows.stream().map(Row::system).toArray()));
                ps.setArray(5, c.createArrayOf("text", rows.stream().map(Row::localId).toArray()));
                ps.executeUpdate();
            }
            // The conflict check looks rows up by id, in the file and in the store: index the staged rows first.
            exec(c, "import_index");
            exec(c, "import_index_entity");
            exec(c, "import_analyze");
            List<Rejected> rejected = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(SQL.get("import_conflicts")); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rejected.add(new Rejected(rs.getInt("line"), rs.getString("system") + " id '" + rs.getString("local_id")
                            + "' already names '" + rs.getString("owner") + "'"));
                }
            }
            if (!rejected.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(SQL.get("import_drop_line"))) {
                    ps.setArray(1, c.createArrayOf("int4", rejected.stream().map(Rejected::line).toArray()));
                    ps.executeUpdate();
                }
            }
            exec(c, "import_keep_last");
            int staged = count(c, "import_staged");
            exec(c, "import_diff");
            int added, changed;
            try (PreparedStatement ps = c.prepareStatement(SQL.get("import_counts")); ResultSet rs = ps.executeQuery()) {
                rs.next();
                added = rs.getInt("added");
                changed = rs.getInt("changed");
            }
            if (apply && added + changed > 0) {
                try (PreparedStatement ps = c.prepareStatement(SQL.get("import_history"))) {
                    ps.setString(1, actor.name());
                    ps.executeUpdate();
                }
                exec(c, "import_apply");
                Notifications.send(c, channel, "*");
                AuditStore.record(c, actor, "xref.import", AuditStore.change("cross-reference import", null,
                        Map.of("rows", rows.size(), "added", added, "changed", changed, "rejected", rejected.size())));
            }
            rejected.sort(java.util.Comparator.comparingInt(Rejected::line));
            return new ImportResult(added, changed, staged - added - changed, rejected);
        });
    }

    public long count() {
        return Jdbc.withConnection(ds, c -> (long) count(c, "count"));
    }

    private static int count(Connection c, String statement) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get(statement)); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void exec(Connection c, String statement) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get(statement))) {
            ps.execute();
        }
    }
}
