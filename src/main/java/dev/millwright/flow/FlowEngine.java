package dev.millwright.flow;

import dev.millwright.security.PlantScope;
import dev.millwright.store.Actor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.contracts.Contracts;
import dev.millwright.delivery.WakeUp;
import dev.millwright.event.Json;
import dev.millwright.mapping.Fetcher;
import dev.millwright.mapping.Mapping;
import dev.millwright.mapping.MappingFunctions;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.routing.Outbox;
import dev.millwright.routing.RoutedEvents;
import dev.millwright.store.AuditStore;
import dev.millwright.store.Database;
import dev.millwright.store.DeliveryReplies;
import dev.millwright.store.FlowStore;
import dev.millwright.store.Jdbc;
import dev.millwright.store.Notifications;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs flow instances on this node: worker threads claim instances that have work (due, answered by a settlement,
 * woken by an event) with FOR UPDATE SKIP LOCKED and advance each in the claiming transaction, so any number of nodes
 * share the work and a dead node's instances are free the moment its connections close. Woken by NOTIFY (starts,
 * matched waits, settlements); polling is only the safety net. Also the actions people take: start, signal, retry,
 * cancel.
 */
public final class FlowEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FlowEngine.class);
    /** An instance whose advance failed on the database is looked at again after this, not in a hot loop. */
    private static final Duration AFTER_ERROR = Duration.ofSeconds(5);
    /** An instance whose correlation lock was held: how soon it is looked at again. */
    private static final Duration BUSY_AGAIN = Duration.ofMillis(5);
    /** An action through the API that met a held correlation lock is tried again this many times. */
    private static final int ACT_TRIES = 50;

    private final Database db;
    private final FlowCatalog catalog;
    private final FlowRunner runner;
    private final FlowIntake intake;
    private final Expressions expressions;
    private final Outbox outbox;
    private final HubMetrics metrics;
    private final Clock clock;
    private final int batch;
    private final Duration poll;
    private final List<Thread> workers = new ArrayList<>();
    private final List<WakeUp> wakeUps = new ArrayList<>();
    /** Workers waiting for work: a wake-up goes to one of them, not to all (the rest would only claim nothing). */
    private final ConcurrentLinkedDeque<WakeUp> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger nextBusy = new AtomicInteger();
    private final String node;
    private final List<Notifications> listeners = new ArrayList<>();
    private final FlowWake wake;
    private volatile boolean running = true;

    /** Settings of the flow workers. */
    public record Settings(int workers, int batch, Duration poll) {
    }

    /**
     * @param outbox filled in by {@link #start} (the outbox needs to know which types flows take before the engine exists)
     */
    public FlowEngine(Database db, FlowCatalog catalog, MappingFunctions functions, Contracts contracts, Map<String, ? extends Fetcher> fetchers,
                      Outbox outbox, HubMetrics metrics, Clock clock, String plant, String node, Settings settings) {
        this.db = db;
        this.node = node;
        this.catalog = catalog;
        this.outbox = outbox;
        this.metrics = metrics;
        this.clock = clock;
        this.batch = settings.batch();
        this.poll = settings.poll();
        this.expressions = new Expressions(functions);
        this.wake = new FlowWake(this::wake, node);
        this.runner = new FlowRunner(catalog, expressions, outbox, contracts, fetchers, metrics, clock, plant);
        this.intake = new FlowIntake(catalog, expressions, wake, metrics, clock);
        for (int i = 0; i < settings.workers(); i++) wakeUps.add(new WakeUp());
    }

    /** What the routing stage hands routed events to. */
    public RoutedEvents intake() {
        return intake;
    }

    public FlowEngine start() {
        // A plant without flows, and no instance left from earlier files: nothing will ever need a worker, so none
        // listens (every listening connection is woken by every notification in the database, flows' or not).
        if (catalog.current().isEmpty() && !Jdbc.withConnection(db.dataSource(), FlowStore::anyActive)) {
            log.info("no flows in this plant and no active instances: flow workers not started");
            return this;
        }
        String schema = db.schema();
        listeners.add(new Notifications(db, FlowWake.CHANNEL, note -> {
            if (FlowWake.fromOtherNode(note, schema, node)) wake();
        }, this::wakeAll));
        listeners.add(new Notifications(db, DeliveryReplies.CHANNEL, note -> {
            if (note.equals(schema)) wake();
        }, this::wakeAll));
        for (int i = 0; i < wakeUps.size(); i++) {
            WakeUp w = wakeUps.get(i);
            workers.add(Thread.ofPlatform().name("flow-worker-" + i).daemon().start(() -> work(w)));
        }
        return this;
    }

    /**
     * Work arrived: one idle worker claims it. With none idle, a busy one is told to claim again after its turn, so the
     * work is not left to the poll. A claim that comes back full wakes one more (see {@link #turn}).
     */
    public void wake() {
        WakeUp w = idle.pollFirst();
        if (w == null && !wakeUps.isEmpty()) w = wakeUps.get(Math.floorMod(nextBusy.getAndIncrement(), wakeUps.size()));
        if (w != null) w.wake();
    }

    /** After a missed notification (or to fire timers moved by hand): every worker claims once. */
    public void wakeAll() {
        wakeUps.forEach(WakeUp::wake);
    }

    private void work(WakeUp wakeUp) {
        while (running) {
            Duration pause;
            try {
                int advanced = turn();
                pause = advanced >= batch ? Duration.ZERO : untilNextDue();
            } catch (RuntimeException e) {
                log.warn("flow worker: {}; trying again in {}", e.getMessage(), poll);
                pause = poll;
            }
            if (pause.isZero()) continue;
            idle.addFirst(wakeUp);
            try {
                wakeUp.await(pause);
            } catch (InterruptedException e) {
                return;
            } finally {
                idle.remove(wakeUp);
            }
        }
    }

    /** The sooner of the poll interval and the next timer. */
    private Duration untilNextDue() {
        Instant next = Jdbc.withConnection(db.dataSource(), FlowStore::nextDue).orElse(null);
        if (next == null) return poll;
        Duration d = Duration.between(clock.instant(), next);
        if (d.isNegative() || d.isZero()) return Duration.ofMillis(1);
        return d.compareTo(poll) < 0 ? d : poll;
    }

    /**
     * One claim: advances each claimed instance in its own savepoint, so one that fails on the database holds up no other.
     * Releasing one instance's savepoint and setting the next one's go in one round trip (two of an instance's eight
     * were these alone, when 100,000 timers fire at once).
     */
    int turn() {
        Outbox.Wakes wakes = outbox.wakes();
        int n = Jdbc.inTransaction(db.dataSource(), c -> {
            List<FlowStore.Instance> claimed = FlowStore.claim(c, clock.instant(), batch);
            if (claimed.size() >= batch) wake(); // likely more: another worker takes the next batch meanwhile
            try (Statement savepoints = c.createStatement()) {
                boolean set = false;
                for (FlowStore.Instance row : claimed) {
                    savepoints.execute(set ? "release savepoint advance; savepoint advance" : "savepoint advance");
                    set = true;
                    try {
                        runner.advance(c, row, new FlowRunner.Resume(), wakes);
                    } catch (FlowRunner.Busy busy) {
                        savepoints.execute("rollback to savepoint advance"); // also lets go of the locks the advance took
                        FlowStore.postpone(c, row.id(), clock.instant().plus(BUSY_AGAIN));
                    } catch (SQLException | RuntimeException e) {
                        savepoints.execute("rollback to savepoint advance");
                        log.warn("flow {} instance {}: advance failed ({}); looked at again in {}", row.flow(), row.id(), e.getMessage(), AFTER_ERROR);
                        FlowStore.postpone(c, row.id(), clock.instant().plus(AFTER_ERROR));
                    }
                }
            }
            return claimed.size();
        });
        wakes.run();
        return n;
    }

    /** The outcome of an action on an instance. */
    public sealed interface Acted {
    }

    public record Done(FlowStore.Instance instance) implements Acted {
    }

    public record NotFound() implements Acted {
    }

    public record Refused(String why) implements Acted {
    }

    /** Sends a person's decision to an instance waiting for that signal. */
    public Acted signal(long id, String name, JsonNode data, Actor actor) {
        return act(id, actor, "flow.signal", "signal '" + name + "'", row -> {
            Optional<String> waiting = FlowRunner.waitingSignal(row);
            if (waiting.isEmpty() || !waiting.get().equals(name)) {
                return "instance " + id + " is not waiting for signal '" + name + "'" + (waiting.map(w -> " (it waits for signal '" + w + "')")
                        .orElse(" (it is " + row.state() + (row.waitingFor() == null ? "" : ", waiting for " + row.waitingFor()) + ")"));
            }
            return null;
        }, new FlowRunner.Signal(name, data == null ? Json.MAPPER.nullNode() : data));
    }

    /** Runs a failed instance's failed step again (a call under the same Idempotency-Key). */
    public Acted retry(long id, Actor actor) {
        return act(id, actor, "flow.retry-step", "retry", row -> row.state().equals("failed") ? null
                : "instance " + id + " is " + row.state() + ": only a failed instance has a step to retry", new FlowRunner.RetryStep());
    }

    /** Cancels an active instance: completed steps' compensations run, newest first. */
    public Acted cancel(long id, Actor actor) {
        return act(id, actor, "flow.cancel", "cancel", row -> switch (row.state()) {
            case "completed", "cancelled" -> "instance " + id + " has ended (" + row.state() + ")";
            case "compensating" -> "instance " + id + " is already compensating";
            default -> null;
        }, new FlowRunner.Cancel(actor.name()));
    }

    private interface Check {
        String refusal(FlowStore.Instance row);
    }

    private Acted act(long id, Actor actor, String action, String what, Check check, FlowRunner.Input input) {
        for (int attempt = 1; ; attempt++) {
            try {
                return actOnce(id, actor, action, what, check, input);
            } catch (FlowRunner.Busy busy) {
                // Still held after the tries: a conflict the caller can retry, not a server error.
                if (attempt >= ACT_TRIES) return new Refused("instance " + id + " is busy (" + busy.getMessage() + "); try again");
                try {
                    Thread.sleep(BUSY_AGAIN.multipliedBy(attempt));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw busy;
                }
            }
        }
    }

    private Acted actOnce(long id, Actor actor, String action, String what, Check check, FlowRunner.Input input) {
        Outbox.Wakes wakes = outbox.wakes();
        Acted result = Jdbc.inTransaction(db.dataSource(), c -> {
            Optional<FlowStore.Instance> row = FlowStore.lock(c, id);
            if (row.isEmpty()) return new NotFound();
            String refusal = check.refusal(row.get());
            if (refusal != null) return new Refused(refusal);
            runner.advance(c, row.get(), input, wakes);
            FlowStore.Instance after = FlowStore.instance(c, id).orElseThrow();
            AuditStore.record(c, actor, action, AuditStore.change("flow " + row.get().flow() + " instance " + id + ": " + what,
                    Map.of("state", row.get().state(), "step", String.valueOf(row.get().position())),
                    Map.of("state", after.state(), "step", String.valueOf(after.position()))));
            wake.soon(c, wakes);
            return new Done(after);
        });
        wakes.run();
        return result;
    }

    /** The outcome of a start through the API. */
    public sealed interface Started {
    }

    public record Created(long id) implements Started {
    }

    /** The same Idempotency-Key started this instance before. */
    public record Repeated(long id) implements Started {
    }

    /** The key's instance is still active. */
    public record Active(long id, String key) implements Started {
    }

    public record Invalid(String why) implements Started {
    }

    /**
     * Starts an instance from a request (e.g. a technician app reporting a breakdown): the request's data stands in for
     * the trigger event's data; the key is given or computed by the trigger's key expression.
     */
    public Started start(String flowName, String key, JsonNode data, String startKey, String plant, Actor actor) {
        Flow flow = catalog.current(flowName);
        String eventId = startKey != null ? startKey : UUID.randomUUID().toString();
        ObjectNode trigger = Json.MAPPER.createObjectNode();
        trigger.put("specversion", "1.0");
        trigger.put("id", eventId);
        trigger.put("source", "millwright/api");
        trigger.put("type", flow.trigger().on().replace("*", "requested"));
        trigger.put("time", clock.instant().toString());
        if (plant != null) trigger.put("plant", plant);
        trigger.set("data", data == null ? Json.MAPPER.createObjectNode() : data);
        String k = key;
        if (k == null) {
            try {
                k = expressions.key(flow.trigger().key(), trigger);
            } catch (Mapping.MappingException e) {
                return new Invalid("the trigger key expression failed on the request: " + e.describe());
            }
            if (k == null) return new Invalid("no key: give one, or data from which the trigger key expression ('" + flow.trigger().keyText() + "') finds one");
        }
        if (k.indexOf('\u0000') >= 0) return new Invalid("the key contains a NUL character");
        if (plant != null && plant.indexOf('\u0000') >= 0) return new Invalid("the plant contains a NUL character");
        if (startKey != null && startKey.indexOf('\u0000') >= 0) return new Invalid("the Idempotency-Key contains a NUL character");
        String correlation = k;
        Outbox.Wakes wakes = outbox.wakes();
        Started result = Jdbc.inTransaction(db.dataSource(), c -> {
            if (startKey != null) {
                Optional<long[]> before = FlowStore.byStartKey(c, startKey, flowName);
                if (before.isPresent()) {
                    return before.get()[1] == 1 ? new Repeated(before.get()[0])
                            : new Invalid("Idempotency-Key " + startKey + " already started an instance of another flow");
                }
            }
            Optional<Long> id = FlowStore.start(c, flow.name(), flow.version(), correlation, trigger.toString(), null, flow.first().id(), "{}",
                    clock.instant(), startKey, plant);
            if (id.isEmpty()) {
                Optional<Long> active = FlowStore.active(c, flow.name(), correlation);
                if (active.isPresent()) return new Active(active.get(), correlation);
                Optional<long[]> raced = startKey == null ? Optional.empty() : FlowStore.byStartKey(c, startKey, flowName);
                return raced.<Started>map(r -> new Repeated(r[0])).orElseGet(() -> new Invalid("the instance could not be started; try again"));
            }
            AuditStore.record(c, actor, "flow.start", AuditStore.change("flow " + flow.name() + " instance " + id.get(), null,
                    Map.of("key", correlation, "plant", String.valueOf(plant))));
            metrics.flowStarted(flow.name());
            wake.soon(c, wakes);
            return new Created(id.get());
        });
        wakes.run();
        return result;
    }

    public FlowCatalog catalog() {
        return catalog;
    }

    public List<FlowStore.Instance> instances(String flow, String state, String key, PlantScope plants, long afterId, int limit) {
        return Jdbc.withConnection(db.dataSource(), c -> FlowStore.list(c, flow, state, key, plants, afterId, limit));
    }

    /** Newest first, before {@code beforeId}. */
    public List<FlowStore.Instance> newestInstances(String flow, String state, String key, PlantScope plants, long beforeId, int limit) {
        return Jdbc.withConnection(db.dataSource(), c -> FlowStore.newest(c, flow, state, key, plants, beforeId, limit));
    }

    /** The newest instance holding a business key among its variables' values. */
    public Optional<FlowStore.Instance> holding(String value, PlantScope plants) {
        return Jdbc.withConnection(db.dataSource(), c -> FlowStore.holding(c, value, plants));
    }

    public Optional<FlowStore.Instance> instance(long id) {
        return Jdbc.withConnection(db.dataSource(), c -> FlowStore.instance(c, id));
    }

    public List<FlowStore.TimelineRow> timeline(long id) {
        return Jdbc.withConnection(db.dataSource(), c -> FlowStore.timeline(c, id));
    }

    /** One stored version of a flow and what it changed against the version loaded before it (empty for the first). */
    public record Version(FlowStore.Definition definition, List<String> changes) {
    }

    /** Every stored version of every flow, oldest first per flow. */
    public List<Version> definitions() {
        List<Version> out = new java.util.ArrayList<>();
        FlowStore.Definition previous = null;
        for (FlowStore.Definition d : Jdbc.withConnection(db.dataSource(), FlowStore::definitions)) {
            boolean sameFlow = previous != null && previous.name().equals(d.name());
            out.add(new Version(d, sameFlow ? FlowDiff.describe(previous.source(), d.source()) : List.of()));
            previous = d;
        }
        return out;
    }

    /** Kept events no wait took before they expired. */
    public List<FlowStore.Expired> expired(PlantScope plants, long afterId, int limit) {
        return Jdbc.withConnection(db.dataSource(), c -> FlowStore.expired(c, clock.instant(), plants, afterId, limit));
    }

    /** One declared KPI's spread. */
    public record KpiValue(Flow.Kpi kpi, FlowStore.Spread spread) {
    }

    /** A flow's figures over the instances it started in a window. */
    public record FlowKpis(String flow, Map<String, Long> states, Double failureRate, FlowStore.Spread completion, List<KpiValue> kpis,
                           List<FlowStore.StepSpread> steps) {
    }

    /** Every current flow's figures over the instances started since {@code since}. */
    public List<FlowKpis> kpis(Instant since, PlantScope plants) {
        return kpis(since, plants, true);
    }

    /** @param steps whether to include each step's spread (the console's overview does without) */
    public List<FlowKpis> kpis(Instant since, PlantScope plants, boolean steps) {
        return Jdbc.withConnection(db.dataSource(), c -> {
            List<FlowKpis> out = new ArrayList<>();
            for (Flow f : catalog.current()) {
                Map<String, Long> states = FlowStore.kpiStates(c, f.name(), since, plants);
                long failed = states.getOrDefault("failed", 0L), completed = states.getOrDefault("completed", 0L);
                Double failureRate = failed + completed == 0 ? null : (double) failed / (failed + completed);
                List<KpiValue> kpis = new ArrayList<>();
                for (Flow.Kpi k : f.kpis()) {
                    kpis.add(new KpiValue(k, FlowStore.kpi(c, f.name(), since, plants, k.from().equals("start") ? null : k.from(),
                            k.to().equals("end") ? null : k.to())));
                }
                out.add(new FlowKpis(f.name(), states, failureRate, FlowStore.kpi(c, f.name(), since, plants, null, null), kpis,
                        steps ? FlowStore.kpiSteps(c, f.name(), since, plants) : List.of()));
            }
            return out;
        });
    }

    /** KPIs are computed for /metrics at most this often, over the last {@link #KPI_WINDOW}. */
    private static final Duration KPI_REFRESH = Duration.ofMinutes(1);
    public static final Duration KPI_WINDOW = Duration.ofDays(1);
    private volatile long kpisRefreshedAt = Long.MIN_VALUE;

    /** Refreshes the flow gauges (called on the metrics timer): expired inbox now, KPIs once a minute. */
    public void refreshMetrics() {
        metrics.flowInboxExpired(Jdbc.withConnection(db.dataSource(), c -> FlowStore.expiredCount(c, clock.instant())));
        long now = System.nanoTime();
        if (kpisRefreshedAt != Long.MIN_VALUE && now - kpisRefreshedAt < KPI_REFRESH.toNanos()) return;
        kpisRefreshedAt = now;
        for (FlowKpis k : kpis(clock.instant().minus(KPI_WINDOW), PlantScope.ALL)) {
            k.states().forEach((state, n) -> metrics.flowInstances(k.flow(), state, n));
            metrics.flowKpi(k.flow(), "completion", k.completion().p50(), k.completion().p95());
            for (KpiValue v : k.kpis()) metrics.flowKpi(k.flow(), v.kpi().name(), v.spread().p50(), v.spread().p95());
        }
    }

    @Override
    public void close() {
        running = false;
        listeners.forEach(Notifications::close);
        wake();
        for (Thread t : workers) {
            try {
                t.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
