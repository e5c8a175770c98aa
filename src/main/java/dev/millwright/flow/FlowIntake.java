package dev.millwright.flow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.event.CloudEvent;
import dev.millwright.mapping.Mapping;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.routing.Outbox;
import dev.millwright.routing.RoutedEvents;
import dev.millwright.store.FlowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where routed events reach the flows, in the routing transaction: a trigger starts an instance (one active per flow
 * and key), and an event some wait may take is kept in the inbox under the key that wait computes, whether or not an
 * instance waits yet; instances already waiting for it are marked, and a worker resumes them.
 */
public final class FlowIntake implements RoutedEvents {
    private static final Logger log = LoggerFactory.getLogger(FlowIntake.class);

    private final FlowCatalog catalog;
    private final Expressions expressions;
    private final FlowWake wake;
    private final HubMetrics metrics;
    private final Clock clock;

    FlowIntake(FlowCatalog catalog, Expressions expressions, FlowWake wake, HubMetrics metrics, Clock clock) {
        this.catalog = catalog;
        this.expressions = expressions;
        this.wake = wake;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public void take(Connection c, CloudEvent event, long seq, Outbox.Wakes wakes) throws SQLException {
        // The event's JSON is read only for a flow that takes its type (most routed events reach none).
        for (Flow flow : catalog.current()) {
            if (flow.trigger().matches(event.type())) trigger(c, flow, event, event.envelope(), seq, wakes);
        }
        // The waits of every version instances run on, so a wait whose key expression changed in a new file still finds
        // what came for it; kept once per (flow, step, key).
        java.util.Set<String> kept = null;
        for (Flow flow : catalog.known()) {
            for (Flow.Step step : flow.waits()) {
                Flow.Wait w = (Flow.Wait) step.kind();
                if (!Flow.typeMatches(w.on(), event.type())) continue;
                String key = key(flow, w.key() != null ? w.key() : flow.trigger().key(), event.envelope(), "wait " + step.id());
                if (key == null) continue;
                if (kept == null) kept = new java.util.HashSet<>();
                if (!kept.add(flow.name() + '\u0000' + step.id() + '\u0000' + key)) continue;
                Instant now = clock.instant();
                // The lock makes this and a wait starting now on the same key see each other (FlowRunner takes it too).
                FlowStore.correlationLock(c, flow.name(), step.id(), key);
                List<Long> woken = FlowStore.keep(c, flow.name(), step.id(), key, seq, event.json(), now.plus(w.keepFor()));
                if (!woken.isEmpty()) wake.soon(c, wakes);
                metrics.flowEventKept(flow.name());
            }
        }
    }

    private void trigger(Connection c, Flow flow, CloudEvent event, JsonNode json, long seq, Outbox.Wakes wakes) throws SQLException {
        try {
            if (flow.trigger().when() != null && !expressions.test(flow.trigger().when(), json)) return;
        } catch (Mapping.MappingException e) {
            log.warn("flow {}: trigger condition failed on event {} ({}): no instance started: {}", flow.name(), event.id(), event.source(), e.describe());
            metrics.flowTriggerFailed(flow.name());
            return;
        }
        String key = key(flow, flow.trigger().key(), json, "trigger");
        if (key == null) return;
        Instant now = clock.instant();
        Optional<Long> started = FlowStore.start(c, flow.name(), flow.version(), key, event.json(), seq, flow.first().id(), "{}", now, null,
                event.attribute("plant"));
        if (started.isPresent()) {
            metrics.flowStarted(flow.name());
            wake.soon(c, wakes);
            return;
        }
        if (flow.trigger().deliverWhenActive()) return; // its waits on this type have it in the inbox
        Optional<Long> active = FlowStore.active(c, flow.name(), key);
        if (active.isPresent()) {
            FlowStore.note(c, active.get(), "trigger", "duplicate-trigger", "event " + event.id() + " from " + event.source()
                    + " (seq " + seq + ") for the same key was ignored: this instance is still active", now);
        }
        metrics.flowDuplicateTrigger(flow.name());
    }

    /** A correlation key from an event; null (logged and counted) when the expression fails or finds none. */
    private String key(Flow flow, Mapping expression, JsonNode event, String where) {
        try {
            String key = expressions.key(expression, event);
            if (key != null && key.indexOf('\u0000') >= 0) {
                log.warn("flow {} {}: the key found in event {} contains a NUL character: it does not take part", flow.name(), where,
                        event.path("id").asText());
                metrics.flowTriggerFailed(flow.name());
                return null;
            }
            if (key == null) {
                log.warn("flow {} {}: key expression '{}' found no value in event {}: it does not take part", flow.name(), where, expression.name(),
                        event.path("id").asText());
                metrics.flowTriggerFailed(flow.name());
            }
            return key;
        } catch (Mapping.MappingException e) {
            log.warn("flow {} {}: key expression failed on event {}: {}", flow.name(), where, event.path("id").asText(), e.describe());
            metrics.flowTriggerFailed(flow.name());
            return null;
        }
    }
}
