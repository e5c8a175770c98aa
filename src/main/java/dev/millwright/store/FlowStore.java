package dev.millwright.store;

import dev.millwright.security.PlantScope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Flow definitions, instances, their timelines, waits and the correlation inbox. Every method runs in the caller's
 * transaction: a step's effects and the instance's new position commit together.
 */
public final class FlowStore {
    private static final Sql SQL = Sql.load("/sql/flows.sql");
    private static final Sql.Named HOLDING = SQL.named("holding");

    private FlowStore() {
    }

    /** An instance as stored. JSON columns are text: variables, iterations per step, completed compensable steps. */
    public record Instance(long id, String flow, String version, String key, String state, String position, Long stepRow, int attempt,
                           String iterations, String vars, String trigger, Long triggerSeq, String waitingFor, Instant dueAt,
                           String compensable, String error, String failedStep, String escalation, Instant createdAt,
                           Instant updatedAt, Instant endedAt, Instant escalatedAt, String branches, String plant) {
    }

    /** What an advance changes in an instance. */
    public record Change(String state, String position, Long stepRow, int attempt, String iterations, String vars, String waitingFor,
                         Instant dueAt, String compensable, String error, String failedStep, String escalation, boolean escalated,
                         Instant now, Instant endedAt, String branches) {
    }

    public record TimelineRow(long id, String step, String kind, int iteration, int attempt, String state, String input, String result,
                              String error, Long deliveryId, Instant startedAt, Instant endedAt) {
    }

    /** A timeline row to insert. */
    public record StepRow(long instance, String step, String kind, int iteration, int attempt, String state, String input, String result,
                          String error, Long deliveryId, Instant startedAt, Instant endedAt) {
        public StepRow closed(String state, String result, String error, Instant at, Long deliveryId) {
            return new StepRow(instance, step, kind, iteration, attempt, state, input, result, error, deliveryId, startedAt, at);
        }
    }

    public record Kept(long id, long eventSeq, String event) {
    }

    public record Expired(long id, String flow, String step, String key, long eventSeq, Instant receivedAt, Instant expiresAt) {
    }

    /** @param source the flow file as loaded */
    public record Definition(String name, String version, Instant loadedAt, long active, String source) {
    }

    public static void define(Connection c, String name, String version, String source) throws SQLException {
        update(c, "define", name, version, source);
    }

    public static Optional<String> definition(Connection c, String name, String version) throws SQLException {
        try (PreparedStatement ps = prepare(c, "definition", name, version); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
    }

    public static List<Definition> definitions(Connection c) throws SQLException {
        List<Definition> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, "definitions"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(new Definition(rs.getString(1), rs.getString(2), instant(rs, 3), rs.getLong(4), rs.getString(5)));
        }
        return out;
    }

    /** @return the new instance's id, or empty when (flow, key) has an active instance or the start key was used */
    public static Optional<Long> start(Connection c, String flow, String version, String key, String trigger, Long triggerSeq, String position,
                                       String vars, Instant dueAt, String startKey, String plant) throws SQLException {
        try (PreparedStatement ps = prepare(c, "start", flow, version, key, trigger, triggerSeq, position, vars, ts(dueAt), startKey, plant);
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
        }
    }

    /** Whether any instance, of any flow, still has work ahead (running, waiting, compensating or failed). */
    public static boolean anyActive(Connection c) throws SQLException {
        try (PreparedStatement ps = prepare(c, "any_active"); ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    public static Optional<Long> active(Connection c, String flow, String key) throws SQLException {
        try (PreparedStatement ps = prepare(c, "active", flow, key); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
        }
    }

    /** The instance an API start with this Idempotency-Key made, and its flow. */
    public static Optional<long[]> byStartKey(Connection c, String startKey, String flow) throws SQLException {
        try (PreparedStatement ps = prepare(c, "by_start_key", startKey); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) return Optional.empty();
            return Optional.of(new long[]{rs.getLong(1), rs.getString(2).equals(flow) ? 1 : 0});
        }
    }

    /** Locks up to {@code limit} instances that need a worker (skipping those another worker holds). */
    public static List<Instance> claim(Connection c, Instant now, int limit) throws SQLException {
        // An instance can be due and answered at once: each is advanced once.
        Map<Long, Instance> out = new LinkedHashMap<>();
        readInstances(prepare(c, "claim_due", ts(now), limit)).forEach(i -> out.put(i.id(), i));
        if (out.size() < limit) readInstances(prepare(c, "claim_matched", 4 * limit, limit - out.size())).forEach(i -> out.putIfAbsent(i.id(), i));
        if (out.size() < limit) readInstances(prepare(c, "claim_replied", 4 * limit, limit - out.size())).forEach(i -> out.putIfAbsent(i.id(), i));
        return List.copyOf(out.values());
    }

    /** Locks one instance for an action, waiting for a worker that holds it. */
    public static Optional<Instance> lock(Connection c, long id) throws SQLException {
        List<Instance> found = readInstances(prepare(c, "lock", id));
        return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
    }

    public static Optional<Instance> instance(Connection c, long id) throws SQLException {
        List<Instance> found = readInstances(prepare(c, "instance", id));
        return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
    }

    public static List<Instance> list(Connection c, String flow, String state, String key, PlantScope plants, long afterId, int limit)
            throws SQLException {
        java.sql.Array p = Jdbc.plants(c, plants);
        return readInstances(prepare(c, "list", flow, flow, state, state, key, key, p, p, afterId, limit));
    }

    /** The same filters, newest first, instances before {@code beforeId}. */
    public static List<Instance> newest(Connection c, String flow, String state, String key, PlantScope plants, long beforeId, int limit)
            throws SQLException {
        java.sql.Array p = Jdbc.plants(c, plants);
        return readInstances(prepare(c, "list_newest", flow, flow, state, state, key, key, p, p, beforeId, limit));
    }

    /** The newest instance holding {@code value} as one of its variables' values (see flows.sql: holding). */
    public static Optional<Instance> holding(Connection c, String value, PlantScope plants) throws SQLException {
        java.sql.Array p = Jdbc.plants(c, plants);
        String quoted;
        try {
            quoted = dev.millwright.event.Json.MAPPER.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
        Map<String, Object> values = new java.util.HashMap<>();
        values.put("value", quoted);
        values.put("plants", p);
        PreparedStatement ps = c.prepareStatement(HOLDING.sql());
        HOLDING.bind(ps, values);
        return readInstances(ps).stream().findFirst();
    }

    public static void save(Connection c, long id, Change ch) throws SQLException {
        update(c, "save", ch.state(), ch.position(), ch.stepRow(), ch.attempt(), ch.iterations(), ch.vars(), ch.waitingFor(), ts(ch.dueAt()),
                ch.compensable(), ch.error(), ch.failedStep(), ch.escalation(), ch.escalated(), ts(ch.now()), ts(ch.now()), ts(ch.endedAt()),
                ch.branches(), id);
    }

    /** Inserts timeline rows in one statement; returns the id of the one left waiting, or null when none is. */
    public static Long insertSteps(Connection c, List<StepRow> rows) throws SQLException {
        int n = rows.size();
        Long[] instances = new Long[n], deliveries = new Long[n];
        String[] steps = new String[n], kinds = new String[n], states = new String[n], inputs = new String[n], results = new String[n],
                errors = new String[n];
        Integer[] iterations = new Integer[n], attempts = new Integer[n];
        Timestamp[] started = new Timestamp[n], ended = new Timestamp[n];
        for (int i = 0; i < n; i++) {
            StepRow r = rows.get(i);
            instances[i] = r.instance();
            steps[i] = r.step();
            kinds[i] = r.kind();
            iterations[i] = r.iteration();
            attempts[i] = r.attempt();
            states[i] = r.state();
            inputs[i] = r.input();
            results[i] = r.result();
            errors[i] = r.error();
            deliveries[i] = r.deliveryId();
            started[i] = ts(r.startedAt());
            ended[i] = ts(r.endedAt());
        }
        try (PreparedStatement ps = c.prepareStatement(SQL.get("steps_insert"))) {
            ps.setArray(1, c.createArrayOf("bigint", instances));
            ps.setArray(2, c.createArrayOf("text", steps));
            ps.setArray(3, c.createArrayOf("text", kinds));
            ps.setArray(4, c.createArrayOf("int", iterations));
            ps.setArray(5, c.createArrayOf("int", attempts));
            ps.setArray(6, c.createArrayOf("text", states));
            ps.setArray(7, c.createArrayOf("text", inputs));
            ps.setArray(8, c.createArrayOf("text", results));
            ps.setArray(9, c.createArrayOf("text", errors));
            ps.setArray(10, c.createArrayOf("bigint", deliveries));
            ps.setArray(11, c.createArrayOf("timestamptz", started));
            ps.setArray(12, c.createArrayOf("timestamptz", ended));
            Long waiting = null;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if ("waiting".equals(rs.getString(2))) waiting = rs.getLong(1);
                }
            }
            return waiting;
        }
    }

    public static void closeStep(Connection c, long row, String state, String result, String error, Instant at, Long deliveryId) throws SQLException {
        update(c, "step_close", state, result, error, ts(at), deliveryId, row);
    }

    /** A line in an instance's timeline that is not a step (e.g. an ignored duplicate trigger). */
    public static void note(Connection c, long instance, String step, String kind, String text, Instant at) throws SQLException {
        update(c, "note", instance, step, kind, text, ts(at), ts(at));
    }

    public static List<TimelineRow> timeline(Connection c, long instance) throws SQLException {
        List<TimelineRow> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, "timeline", instance); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new TimelineRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getInt(5), rs.getString(6),
                        rs.getString(7), rs.getString(8), rs.getString(9), (Long) rs.getObject(10), instant(rs, 11), instant(rs, 12)));
            }
        }
        return out;
    }

    /** Serialises the meeting of events and waits on one (flow, wait step, key) until the transaction ends. */
    public static void correlationLock(Connection c, String flow, String step, String key) throws SQLException {
        try (PreparedStatement ps = prepare(c, "correlation_lock", flow, step, key)) {
            ps.execute();
        }
    }

    /** As {@link #correlationLock}, without waiting: false when another transaction holds it. */
    public static boolean tryCorrelationLock(Connection c, String flow, String step, String key) throws SQLException {
        try (PreparedStatement ps = prepare(c, "correlation_try_lock", flow, step, key); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** Keeps an event for a wait (under the correlation lock) and marks the instances already waiting for it. */
    public static List<Long> keep(Connection c, String flow, String step, String key, long eventSeq, String event, Instant expiresAt)
            throws SQLException {
        update(c, "inbox_keep", flow, step, key, eventSeq, event, ts(expiresAt));
        List<Long> woken = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, "waits_match", flow, step, key); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) woken.add(rs.getLong(1));
        }
        return woken;
    }

    public static List<Kept> inbox(Connection c, String flow, String step, String key, Instant now) throws SQLException {
        List<Kept> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, "inbox_open", flow, step, key, ts(now)); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(new Kept(rs.getLong(1), rs.getLong(2), rs.getString(3)));
        }
        return out;
    }

    /** Takes a kept event (with its rows under other versions' keys); false when another wait took it first. */
    public static boolean take(Connection c, long inboxId, long instance, Instant at) throws SQLException {
        return update(c, "inbox_take", instance, ts(at), inboxId) > 0;
    }

    public static void waitFor(Connection c, long instance, String flow, String step, String key) throws SQLException {
        update(c, "wait_insert", instance, flow, step, key);
    }

    /** An instance's wait: the key it waits under, and whether an event with that key was kept since it began. */
    public record Parked(String key, boolean matched) {
    }

    /** Removes the instance's wait; what it was, if it had one. */
    public static Optional<Parked> stopWaiting(Connection c, long instance) throws SQLException {
        return parked(prepare(c, "wait_delete", instance));
    }

    private static Optional<Parked> parked(PreparedStatement ps) throws SQLException {
        try (ps; ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(new Parked(rs.getString(1), rs.getBoolean(2))) : Optional.empty();
        }
    }

    public static void rearm(Connection c, long instance) throws SQLException {
        update(c, "wait_rearm", instance);
    }

    public static List<Expired> expired(Connection c, Instant now, PlantScope plants, long afterId, int limit) throws SQLException {
        List<Expired> out = new ArrayList<>();
        java.sql.Array p = Jdbc.plants(c, plants);
        try (PreparedStatement ps = prepare(c, "expired", ts(now), p, p, afterId, limit); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Expired(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), instant(rs, 6), instant(rs, 7)));
            }
        }
        return out;
    }

    public static long expiredCount(Connection c, Instant now) throws SQLException {
        try (PreparedStatement ps = prepare(c, "expired_count", ts(now)); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The wait an instance is parked at, if any. */
    public static Optional<Parked> waitOf(Connection c, long instance) throws SQLException {
        return parked(prepare(c, "wait_key", instance));
    }

    /** When the next timer of any instance is due. */
    public static Optional<Instant> nextDue(Connection c) throws SQLException {
        try (PreparedStatement ps = prepare(c, "next_due"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return Optional.ofNullable(instant(rs, 1));
        }
    }

    /** An instance whose advance failed on the database: looked at again later, not in a hot loop. */
    public static void postpone(Connection c, long instance, Instant at) throws SQLException {
        update(c, "postpone", ts(at), instance);
    }

    /** Deletes up to {@code batch} instances that ended before {@code before}, with their timelines; returns how many. */
    public static int pruneEnded(Connection c, Instant before, int batch) throws SQLException {
        try (PreparedStatement ps = prepare(c, "prune_instances", ts(before), batch); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Deletes up to twice {@code batch} kept events that were taken, or expired, before {@code before}. */
    public static int pruneInbox(Connection c, Instant before, int batch) throws SQLException {
        return update(c, "prune_inbox", ts(before), batch, ts(before), batch);
    }

    /** Deletes replies for flow instances no longer waiting for one (they ended while a call was out). */
    public static int pruneOrphanReplies(Connection c) throws SQLException {
        return update(c, "prune_orphan_replies");
    }

    /** Durations of one KPI: how many instances reached both points, and the spread in seconds. */
    public record Spread(long count, Double p50, Double p95, Double max) {
    }

    /** @param fromStep null: the instance's start; @param toStep null: its end (completed instances) */
    public static Spread kpi(Connection c, String flow, Instant since, PlantScope plants, String fromStep, String toStep) throws SQLException {
        java.sql.Array p = Jdbc.plants(c, plants);
        try (PreparedStatement ps = prepare(c, "kpi", toStep, toStep, fromStep, fromStep, flow, ts(since), p, p); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new Spread(rs.getLong(1), (Double) rs.getObject(2), (Double) rs.getObject(3), (Double) rs.getObject(4));
        }
    }

    public static Map<String, Long> kpiStates(Connection c, String flow, Instant since, PlantScope plants) throws SQLException {
        Map<String, Long> out = new LinkedHashMap<>();
        java.sql.Array p = Jdbc.plants(c, plants);
        try (PreparedStatement ps = prepare(c, "kpi_states", flow, ts(since), p, p); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
        }
        return out;
    }

    public record StepSpread(String step, String kind, long count, Double p50, Double p95) {
    }

    public static List<StepSpread> kpiSteps(Connection c, String flow, Instant since, PlantScope plants) throws SQLException {
        List<StepSpread> out = new ArrayList<>();
        java.sql.Array p = Jdbc.plants(c, plants);
        try (PreparedStatement ps = prepare(c, "kpi_steps", flow, ts(since), p, p); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(new StepSpread(rs.getString(1), rs.getString(2), rs.getLong(3), (Double) rs.getObject(4), (Double) rs.getObject(5)));
        }
        return out;
    }

    /** The Idempotency-Key of a delivery (how a parallel step tells which branch an answer is for). */
    public static Optional<String> deliveryKey(Connection c, long deliveryId) throws SQLException {
        try (PreparedStatement ps = prepare(c, "delivery_key", deliveryId); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
    }

    public static Optional<Long> eventSeq(Connection c, String source, String id) throws SQLException {
        try (PreparedStatement ps = prepare(c, "event_seq_of", source, id); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
        }
    }

    /** The trace context stored with an event, or null. */
    public static String traceparent(Connection c, long eventSeq) throws SQLException {
        try (PreparedStatement ps = prepare(c, "trace_of_event", eventSeq); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static List<Instance> readInstances(PreparedStatement ps) throws SQLException {
        List<Instance> out = new ArrayList<>();
        try (ps; ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Instance(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                        (Long) rs.getObject(7), rs.getInt(8), rs.getString(9), rs.getString(10), rs.getString(11), (Long) rs.getObject(12),
                        rs.getString(13), instant(rs, 14), rs.getString(15), rs.getString(16), rs.getString(17), rs.getString(18), instant(rs, 19),
                        instant(rs, 20), instant(rs, 21), instant(rs, 22), rs.getString(23), rs.getString(24)));
            }
        }
        return out;
    }

    private static PreparedStatement prepare(Connection c, String name, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(SQL.get(name));
        try {
            for (int i = 0; i < args.length; i++) {
                Object a = args[i];
                if (a == null) ps.setNull(i + 1, Types.NULL);
                else ps.setObject(i + 1, a);
            }
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }

    private static int update(Connection c, String name, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(c, name, args)) {
            return ps.executeUpdate();
        }
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
