package dev.millwright.store;

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

/** Deliveries: created with their event, claimed lane by lane, settled in batches. */
public final class DeliveryStore {
    private static final Sql SQL = Sql.load("/sql/deliveries.sql");
    private static final Sql.Named CLAIM = SQL.named("claim");
    private final DataSource ds;
    private final DataSource bookkeeping;

    /**
     * @param bookkeeping connections for the lane workers' claims, settlements and retry reads, apart from the pool
     *                    ingest commits use, so delivery load never delays a 202; each statement planned once
     *                    (see Database#cachedPlanDataSource)
     */
    public DeliveryStore(DataSource ds, DataSource bookkeeping) {
        this.ds = ds;
        this.bookkeeping = bookkeeping;
    }

    /** A lane that has new work: (target, lane). */
    public record LaneRef(String target, int lane) {
    }

    /** Inserts deliveries in the caller's transaction. */
    public static void insert(Connection c, List<NewDelivery> rows) throws SQLException {
        if (rows.isEmpty()) return;
        int n = rows.size();
        Long[] seqs = new Long[n], replays = new Long[n];
        String[] subs = new String[n], targets = new String[n], paths = new String[n], ops = new String[n], keys = new String[n], idem = new String[n],
                replyTo = new String[n];
        Integer[] lanes = new Integer[n];
        for (int i = 0; i < n; i++) {
            NewDelivery d = rows.get(i);
            seqs[i] = d.eventSeq();
            subs[i] = d.subscription();
            targets[i] = d.target();
            paths[i] = d.path();
            ops[i] = d.operation();
            lanes[i] = d.lane();
            keys[i] = d.orderingKey();
            idem[i] = d.idempotencyKey();
            replays[i] = d.replayId();
            replyTo[i] = d.replyTo();
        }
        try (PreparedStatement ps = c.prepareStatement(SQL.get("insert"))) {
            ps.setArray(1, c.createArrayOf("bigint", seqs));
            ps.setArray(2, c.createArrayOf("text", subs));
            ps.setArray(3, c.createArrayOf("text", targets));
            ps.setArray(4, c.createArrayOf("text", paths));
            ps.setArray(5, c.createArrayOf("text", ops));
            ps.setArray(6, c.createArrayOf("int4", lanes));
            ps.setArray(7, c.createArrayOf("text", keys));
            ps.setArray(8, c.createArrayOf("text", idem));
            ps.setArray(9, c.createArrayOf("bigint", replays));
            ps.setArray(10, c.createArrayOf("text", replyTo));
            ps.executeUpdate();
        }
    }

    /** A claim on a lane: who holds its lease, under which epoch. */
    public record LaneClaim(String target, int lane, String lease, String owner, long epoch) {
    }

    /**
     * Marks up to {@code limit} due deliveries of the lane in flight under the claim's epoch and returns them in
     * lane order; nothing when the lease is no longer held. Keys in {@code busy} (being sent) are skipped.
     */
    public List<LaneItem> claim(LaneClaim claim, java.util.Collection<String> busy, int limit) {
        return Jdbc.withConnection(bookkeeping, c -> {
            try (PreparedStatement ps = c.prepareStatement(CLAIM.sql())) {
                CLAIM.bind(ps, Map.of("target", claim.target(), "lane", claim.lane(), "lease", claim.lease(), "owner", claim.owner(),
                        "epoch", claim.epoch(), "busy", c.createArrayOf("text", busy.toArray()), "limit", limit));
                List<LaneItem> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new LaneItem(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                                rs.getString(6), rs.getString(7), DeliveryState.in_flight, rs.getInt(8),
                                rs.getTimestamp(9).toInstant(), rs.getTimestamp(10).toInstant(), rs.getString(11),
                                rs.getString(12), rs.getString(13), rs.getString(14)));
                    }
                }
                return out;
            }
        });
    }

    /** When the lane's earliest waiting retry is due; null when none waits. */
    public Instant nextRetry(String target, int lane) {
        return Jdbc.withConnection(bookkeeping, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("next_retry"))) {
                ps.setString(1, target);
                ps.setInt(2, lane);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    Timestamp t = rs.getTimestamp(1);
                    return t == null ? null : t.toInstant();
                }
            }
        });
    }

    /** Dead-letters the unfinished deliveries of systems not in {@code systems}, naming the reason; returns how many. */
    public int deadForMissingSystems(java.util.Collection<String> systems) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("dead_for_missing_systems"))) {
                ps.setArray(1, c.createArrayOf("text", systems.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    /** Records outcomes of in-flight deliveries in one transaction (those still claimed under their epoch); returns how many rows changed. */
    public int settle(List<Settlement> outcomes, String node) {
        if (outcomes.isEmpty()) return 0;
        List<Settlement> history = outcomes.stream().filter(Settlement::worthRecording).toList();
        // One statement needs no transaction; with attempt history both commit together.
        Jdbc.TxWork<Integer> work = c -> {
            int n = outcomes.size();
            Long[] ids = new Long[n];
            String[] states = new String[n], errors = new String[n], responses = new String[n];
            Integer[] statuses = new Integer[n];
            Timestamp[] next = new Timestamp[n];
            Boolean[] attempted = new Boolean[n], release = new Boolean[n];
            Long[] epochs = new Long[n];
            for (int i = 0; i < n; i++) {
                Settlement s = outcomes.get(i);
                attempted[i] = s.attempted();
                release[i] = s.release();
                epochs[i] = s.epoch();
                ids[i] = s.deliveryId();
                states[i] = s.state().name();
                statuses[i] = s.status();
                errors[i] = s.error();
                next[i] = s.nextAttemptAt() == null ? null : Timestamp.from(s.nextAttemptAt());
                responses[i] = s.response();
            }
            int changed;
            try (PreparedStatement ps = c.prepareStatement(SQL.get("settle"))) {
                ps.setArray(1, c.createArrayOf("bigint", ids));
                ps.setArray(2, c.createArrayOf("text", states));
                ps.setArray(3, c.createArrayOf("int4", statuses));
                ps.setArray(4, c.createArrayOf("text", errors));
                ps.setArray(5, c.createArrayOf("timestamptz", next));
                ps.setArray(6, c.createArrayOf("boolean", attempted));
                ps.setArray(7, c.createArrayOf("bigint", epochs));
                ps.setArray(8, c.createArrayOf("boolean", release));
                ps.setArray(9, c.createArrayOf("text", responses));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    changed = rs.getInt(1);
                }
            }
            if (!history.isEmpty()) insertAttempts(c, history, node);
            return changed;
        };
        return history.isEmpty() ? Jdbc.withConnection(bookkeeping, work) : Jdbc.inTransaction(bookkeeping, work);
    }

    private static void insertAttempts(Connection c, List<Settlement> history, String node) throws SQLException {
        int n = history.size();
        Long[] ids = new Long[n];
        Integer[] attempts = new Integer[n], durations = new Integer[n], statuses = new Integer[n];
        Timestamp[] started = new Timestamp[n];
        String[] nodes = new String[n], outcomes = new String[n], errors = new String[n];
        for (int i = 0; i < n; i++) {
            Settlement s = history.get(i);
            ids[i] = s.deliveryId();
            attempts[i] = s.attempt();
            started[i] = Timestamp.from(s.startedAt());
            durations[i] = s.durationMs();
            nodes[i] = node;
            statuses[i] = s.status();
            outcomes[i] = switch (s.state()) {
                case delivered -> "delivered";
                case dead -> "dead";
                default -> "retry";
            };
            errors[i] = s.error();
        }
        try (PreparedStatement ps = c.prepareStatement(SQL.get("insert_attempts"))) {
            ps.setArray(1, c.createArrayOf("bigint", ids));
            ps.setArray(2, c.createArrayOf("int4", attempts));
            ps.setArray(3, c.createArrayOf("timestamptz", started));
            ps.setArray(4, c.createArrayOf("int4", durations));
            ps.setArray(5, c.createArrayOf("text", nodes));
            ps.setArray(6, c.createArrayOf("int4", statuses));
            ps.setArray(7, c.createArrayOf("text", outcomes));
            ps.setArray(8, c.createArrayOf("text", errors));
            ps.executeUpdate();
        }
    }

    public List<DeliveryView> search(DeliveryFilter f, long afterId, int limit) {
        String scope = f.state() == null || f.state() == DeliveryState.delivered ? ""
                : f.state() == DeliveryState.dead ? "not d.open and d.delivered_at is null and " : "d.open and ";
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("search").replace("/*scope*/", scope))) {
                int i = bindFilter(ps, f, 1);
                ps.setLong(i++, afterId);
                ps.setInt(i, limit);
                List<DeliveryView> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(view(rs));
                }
                return out;
            }
        });
    }

    /** The deliveries made for these events, within the caller's plants, oldest first. */
    public List<DeliveryView> forEvents(long[] seqs, dev.millwright.security.PlantScope plants, int limit) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("for_events"))) {
                java.sql.Array p = Jdbc.plants(c, plants);
                Long[] boxed = new Long[seqs.length];
                for (int i = 0; i < seqs.length; i++) boxed[i] = seqs[i];
                ps.setArray(1, c.createArrayOf("int8", boxed));
                ps.setArray(2, p);
                ps.setArray(3, p);
                ps.setInt(4, limit);
                List<DeliveryView> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(view(rs));
                }
                return out;
            }
        });
    }

    public Optional<DeliveryView> byId(long id) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("by_id"))) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(view(rs)) : Optional.empty();
                }
            }
        });
    }

    public List<Attempt> attempts(long deliveryId) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("attempts"))) {
                ps.setLong(1, deliveryId);
                List<Attempt> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Attempt(rs.getInt(1), rs.getTimestamp(2).toInstant(), rs.getInt(3), rs.getString(4),
                                (Integer) rs.getObject(5), rs.getString(6), rs.getString(7)));
                    }
                }
                return out;
            }
        });
    }

    /** Puts a dead or failed delivery back to pending, in the caller's transaction; empty if it is not retryable. */
    /** A delivery put back to pending: its lane, and its state and last error before. */
    public record Retried(LaneRef lane, String before, String lastError) {
    }

    public static Optional<Retried> retry(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("retry"))) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new Retried(new LaneRef(rs.getString(2), rs.getInt(3)), rs.getString(4), rs.getString(5)));
            }
        }
    }

    /** Puts every dead or failed delivery matching the filter back to pending as part of a batch, in the caller's transaction. */
    public static List<LaneRef> retryMatching(Connection c, DeliveryFilter f, long batch) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("retry_matching"))) {
            int i = bindFilter(ps, f, 1);
            ps.setLong(i, batch);
            return lanes(ps);
        }
    }

    /** A retry batch and what became of its deliveries. @param plants null: asked by a caller of every plant */
    public record RetryBatch(long id, String actor, String filter, List<String> plants, int requested, Instant createdAt, long delivered, long dead,
                             long failed, long waiting) {
        /** Whether every delivery it put back has ended, delivered or dead again. */
        public boolean settled() {
            return failed + waiting == 0;
        }

        /** A batch is shown to a caller whose plants cover those of whoever asked for it. */
        public boolean visibleTo(dev.millwright.security.PlantScope scope) {
            if (scope.all()) return true;
            if (plants == null) return false;
            for (String p : plants) {
                if (p.endsWith("/*") ? !scope.patterns().contains(p) : !scope.allows(p)) return false;
            }
            return true;
        }
    }

    public static long openBatch(Connection c, String actor, String filter, dev.millwright.security.PlantScope plants) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("batch_open"))) {
            ps.setString(1, actor);
            ps.setString(2, filter);
            ps.setArray(3, plants == null || plants.all() ? null : c.createArrayOf("text", plants.patterns().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    public static void batchRequested(Connection c, long batch, int requested) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("batch_requested"))) {
            ps.setInt(1, requested);
            ps.setLong(2, batch);
            ps.executeUpdate();
        }
    }

    /** These batches (or, with null, the {@code recent} newest), newest first, with their progress. */
    public List<RetryBatch> batches(List<Long> ids, int recent) {
        return Jdbc.withConnection(ds, c -> {
            List<Long> wanted = ids;
            if (wanted == null) {
                wanted = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement(SQL.get("batch_recent"))) {
                    ps.setInt(1, recent);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) wanted.add(rs.getLong(1));
                    }
                }
            }
            List<RetryBatch> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(SQL.get("batch_progress"))) {
                ps.setArray(1, c.createArrayOf("int8", wanted.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        java.sql.Array plants = rs.getArray(4);
                        out.add(new RetryBatch(rs.getLong(1), rs.getString(2), rs.getString(3), plants == null ? null : List.of((String[]) plants.getArray()),
                                rs.getInt(5), rs.getTimestamp(6).toInstant(), rs.getLong(7), rs.getLong(8), rs.getLong(9), rs.getLong(10)));
                    }
                }
            }
            return out;
        });
    }

    /** What a delivery would send: its state, its edited payload (null: none) and its event as logged (null: pruned). */
    public record Payload(String state, String edited, String original) {
        public String current() {
            return edited != null ? edited : original;
        }
    }

    /** The delivery's payload, its row locked for an edit in the caller's transaction. */
    public static Optional<Payload> payloadForEdit(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("payload_for_edit"))) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Payload(rs.getString(1), rs.getString(2), rs.getString(3))) : Optional.empty();
            }
        }
    }

    /** @return false unless the delivery is dead or failed */
    public static boolean setPayload(Connection c, long id, String body) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("set_payload"))) {
            ps.setString(1, body);
            ps.setLong(2, id);
            return ps.executeUpdate() == 1;
        }
    }

    /** How many of these events the subscription has delivered already. */
    public static long deliveredOf(Connection c, String subscription, long[] seqs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("delivered_of"))) {
            ps.setString(1, subscription);
            ps.setArray(2, c.createArrayOf("bigint", java.util.Arrays.stream(seqs).boxed().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The payload a delivery sends now, and whether an operator edited it. */
    public record Shown(boolean edited, String body) {
    }

    public Optional<Shown> payload(long id) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("payload_of"))) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Shown(rs.getBoolean(1), rs.getString(2))) : Optional.empty();
                }
            }
        });
    }

    public static String originalKey(Connection c, String subscription, long eventSeq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("original_key"))) {
            ps.setString(1, subscription);
            ps.setLong(2, eventSeq);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Delivery counts by target and state. */
    public Map<String, Map<DeliveryState, Long>> counts() {
        return Jdbc.withConnection(ds, c -> {
            Map<String, Map<DeliveryState, Long>> out = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement(SQL.get("counts")); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), t -> new HashMap<>())
                            .put(DeliveryState.parse(rs.getString(2)), rs.getLong(3));
                }
            }
            return out;
        });
    }

    /** Stored events not yet routed into deliveries. */
    public long routingBacklog() {
        return Jdbc.withConnection(ds, c -> RoutingQueue.backlog(c).events());
    }

    /** Deletes up to {@code batch} deliveries delivered before {@code before}. */
    public int pruneDelivered(Instant before, int batch) {
        return Jdbc.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("prune_delivered"))) {
                ps.setTimestamp(1, Timestamp.from(before));
                ps.setInt(2, batch);
                return ps.executeUpdate();
            }
        });
    }

    private static int bindFilter(PreparedStatement ps, DeliveryFilter f, int i) throws SQLException {
        String state = f.state() == null ? null : f.state().name();
        for (String v : new String[]{state, f.target(), f.orderingKey(), f.subscription(), f.reason()}) ps.setString(i++, v);
        ps.setArray(i++, Jdbc.plants(ps.getConnection(), f.plants()));
        ps.setString(i++, f.eventType());
        ps.setTimestamp(i++, f.from() == null ? null : Timestamp.from(f.from()));
        ps.setTimestamp(i++, f.to() == null ? null : Timestamp.from(f.to()));
        ps.setArray(i++, f.ids() == null ? null : ps.getConnection().createArrayOf("bigint", f.ids().toArray()));
        return i;
    }

    private static List<LaneRef> lanes(PreparedStatement ps) throws SQLException {
        List<LaneRef> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(new LaneRef(rs.getString(2), rs.getInt(3)));
        }
        return out;
    }

    private static DeliveryView view(ResultSet rs) throws SQLException {
        Timestamp delivered = rs.getTimestamp("delivered_at");
        return new DeliveryView(rs.getLong("id"), rs.getLong("event_seq"), rs.getString("event_source"),
                rs.getString("event_id"), rs.getString("event_type"), rs.getString("plant"), rs.getString("subscription"),
                rs.getString("target"), rs.getString("path"), rs.getString("operation"), rs.getInt("lane"), rs.getString("ordering_key"),
                rs.getString("idempotency_key"), rs.getLong("replay_id"), DeliveryState.parse(rs.getString("state")),
                rs.getInt("attempts"), rs.getTimestamp("next_attempt_at").toInstant(),
                rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant(),
                delivered == null ? null : delivered.toInstant(), (Integer) rs.getObject("last_status"),
                rs.getString("last_error"));
    }
}
