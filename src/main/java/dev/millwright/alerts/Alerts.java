package dev.millwright.alerts;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.config.AlertRule;
import dev.millwright.event.CloudEvent;
import dev.millwright.event.Json;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.routing.Outbox;
import dev.millwright.routing.RoutedEvents;
import dev.millwright.routing.Router;
import dev.millwright.store.AlertStore;
import dev.millwright.store.Jdbc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Alerts on business state. In the routing transaction a trigger opens its key's expectation and a milestone closes it
 * (resolving an alert that already fired); a worker on every node fires the expectations that came due — each once, the
 * state change being the guard — and emits millwright.alert.fired / .resolved events, which subscriptions deliver
 * through the ordinary path (retries and dead letters apply).
 */
public final class Alerts implements RoutedEvents, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Alerts.class);
    public static final String FIRED = "millwright.alert.fired", RESOLVED = "millwright.alert.resolved";
    private static final int BATCH = 500;

    private final List<AlertRule> rules;
    private final DataSource ds;
    private final Outbox outbox;
    private final HubMetrics metrics;
    private final Clock clock;
    private final Duration every;
    private final AlertStore store;
    private volatile boolean closed;
    private final Thread thread;

    /** A system's single plant, for alerts about the system (none when it declares several or none: every-plant callers see it). */
    private String plantOf(String system) {
        List<String> plants = systemPlants.getOrDefault(system, List.of());
        return plants.size() == 1 && !plants.getFirst().contains("*") ? plants.getFirst() : null;
    }

    private final Map<String, List<String>> systemPlants;

    public Alerts(List<AlertRule> rules, Map<String, List<String>> systemPlants, DataSource ds, Outbox outbox, HubMetrics metrics, Clock clock,
                  Duration every) {
        this.systemPlants = Map.copyOf(systemPlants);
        this.rules = List.copyOf(rules);
        this.ds = ds;
        this.outbox = outbox;
        this.metrics = metrics;
        this.clock = clock;
        this.every = every;
        this.store = new AlertStore(ds);
        this.thread = rules.isEmpty() ? null : Thread.ofVirtual().name("alerts").start(this::loop);
    }

    public AlertStore store() {
        return store;
    }

    /** Whether some rule starts or closes on events of this type (only those reach the routing stage for it). */
    public static boolean takes(List<AlertRule> rules, String type) {
        for (AlertRule r : rules) {
            if (r.kind() == AlertRule.Kind.EXPECTATION && (AlertRule.matches(r.whenOn(), type) || AlertRule.matches(r.expectOn(), type))) return true;
        }
        return false;
    }

    @Override
    public void take(Connection c, CloudEvent event, long seq, Outbox.Wakes wakes) throws SQLException {
        for (AlertRule r : rules) {
            if (r.kind() != AlertRule.Kind.EXPECTATION) continue;
            // a milestone first: an event that is both closes the open expectation and opens the next one
            if (AlertRule.matches(r.expectOn(), event.type())) {
                String key = Router.orderingKey(event, r.expectKey());
                if (key != null && !key.isEmpty()) {
                    List<AlertStore.Alert> resolved = AlertStore.meet(c, r.name(), key);
                    emit(c, resolved.stream().filter(a -> !a.silenced()).map(a -> event(RESOLVED, a, null, null)).toList(), wakes);
                }
            }
            if (AlertRule.matches(r.whenOn(), event.type())) {
                String key = Router.orderingKey(event, r.whenKey());
                if (key != null && !key.isEmpty()) AlertStore.open(c, r.name(), key, event.attribute("plant"), seq, r.within());
            }
        }
    }

    private void loop() {
        while (!closed) {
            try {
                Thread.sleep(every);
                fireDue();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("alert evaluation failed ({}); next in {}", e.getMessage(), every);
            }
        }
    }

    /** Fires the expectations that came due (on any node; each once). @return alerts fired */
    public int fireDue() {
        Outbox.Wakes wakes = outbox.wakes();
        int fired = Jdbc.inTransaction(ds, c -> {
            List<CloudEvent> events = new ArrayList<>();
            for (AlertStore.Due due : AlertStore.fireDue(c, BATCH)) {
                AlertRule rule = rules.stream().filter(r -> r.name().equals(due.rule())).findFirst().orElse(null);
                String severity = rule == null ? "warning" : rule.severity();
                String summary = (rule == null || rule.description() == null ? due.rule() : rule.description()) + " — " + due.key()
                        + ": no " + (rule == null ? "milestone" : rule.expectOn()) + " within "
                        + (rule == null ? "its time" : dev.millwright.config.spec.Durations.format(rule.within()));
                // a silenced alert is recorded and listed, but nobody is notified
                AlertStore.insert(c, due, severity, summary).filter(a -> !a.silenced())
                        .ifPresent(a -> events.add(event(FIRED, a, due.openedAt(), due.dueAt())));
            }
            for (AlertRule r : rules) {
                List<AlertStore.Alert> raised = new ArrayList<>(), resolved = new ArrayList<>();
                switch (r.kind()) {
                    case DEAD_LETTERS -> {
                        raised.addAll(AlertStore.fireDeadLetters(c, r.name(), r.severity(), (r.description() == null ? "" : r.description() + " — ")
                                + "delivery ", r.deadLettersOf(), BATCH));
                        resolved.addAll(AlertStore.resolveDeadLetters(c, r.name()));
                    }
                    case QUEUE_AGE -> {
                        Double age = AlertStore.queueAge(c, r.queueOf());
                        if (age != null && age > r.queueAbove().toMillis() / 1000.0) {
                            AlertStore.fireState(c, r.name(), r.queueOf(), plantOf(r.queueOf()), r.severity(), (r.description() == null ? ""
                                    : r.description() + " — ") + "the oldest delivery waiting for " + r.queueOf() + " is " + Math.round(age)
                                    + " s old (more than " + dev.millwright.config.spec.Durations.format(r.queueAbove()) + ")").ifPresent(raised::add);
                        } else {
                            resolved.addAll(AlertStore.resolveState(c, r.name(), r.queueOf()));
                        }
                    }
                    case EXPECTATION -> {
                    }
                }
                raised.stream().filter(a -> !a.silenced()).forEach(a -> events.add(event(FIRED, a, null, null)));
                resolved.stream().filter(a -> !a.silenced()).forEach(a -> events.add(event(RESOLVED, a, null, null)));
            }
            emit(c, events, wakes);
            return events.size();
        });
        wakes.run();
        if (fired > 0) log.info("{} alerts fired or resolved", fired);
        refreshMetrics();
        return fired;
    }

    public void refreshMetrics() {
        if (rules.isEmpty()) return;
        AlertStore.Counts counts = store.counts();
        metrics.alerts(rules.stream().map(AlertRule::name).toList(), counts.firing(), counts.open());
    }

    private void emit(Connection c, List<CloudEvent> events, Outbox.Wakes wakes) throws SQLException {
        if (!events.isEmpty()) outbox.appendEvents(c, events, wakes);
    }

    /** The event a fired or resolved alert becomes; its id names the alert and the change, so each is sent once. */
    private CloudEvent event(String type, AlertStore.Alert a, Instant openedAt, Instant dueAt) {
        Instant now = clock.instant();
        String id = "alert-" + a.id() + (type.equals(FIRED) ? "-fired" : "-resolved");
        String source = "millwright/alerts/" + a.rule();
        ObjectNode env = Json.MAPPER.createObjectNode();
        env.put("specversion", "1.0");
        env.put("id", id);
        env.put("source", source);
        env.put("type", type);
        env.put("subject", a.key());
        env.put("time", now.toString());
        env.put("datacontenttype", "application/json");
        if (a.plant() != null) env.put("plant", a.plant());
        env.put("correlationid", a.key());
        ObjectNode data = env.putObject("data");
        Map<String, Object> view = a.view();
        view.forEach((k, v) -> data.set(k, Json.MAPPER.valueToTree(v)));
        if (openedAt != null) data.put("openedAt", openedAt.toString());
        if (dueAt != null) data.put("dueAt", dueAt.toString());
        return new CloudEvent(id, source, type, a.key(), now.atOffset(ZoneOffset.UTC), env, env.toString());
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) thread.interrupt();
    }
}
