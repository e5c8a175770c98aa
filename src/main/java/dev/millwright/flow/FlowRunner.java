package dev.millwright.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.contracts.Contracts;
import dev.millwright.event.CloudEvent;
import dev.millwright.event.Json;
import dev.millwright.ingest.Violation;
import dev.millwright.mapping.Fetcher;
import dev.millwright.mapping.Mapping;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.routing.Outbox;
import dev.millwright.store.DeliveryReplies;
import dev.millwright.store.DeliveryState;
import dev.millwright.store.EventStore;
import dev.millwright.store.FlowStore;
import dev.millwright.store.NewDelivery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import dev.millwright.config.spec.Durations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Where a flow step runs. Advances one instance, whose row the caller holds locked, as far as it goes in one
 * transaction: each step entered gets a timeline row; a step's effects (events, deliveries, variables) and the
 * instance's new position are written in the caller's transaction, so they commit together or not at all. An instance
 * parks at a call (until its delivery settles), a wait (until a matching event or its timeout), a signal, or a delay.
 */
final class FlowRunner {
    /** Steps one advance may take before handing the instance back (due at once), so a long run never hogs a worker. */
    private static final int STEPS_PER_ADVANCE = 100;
    private static final int EXCERPT = 2000;
    private static final java.util.Set<String> ACTIVE = java.util.Set.of("running", "waiting", "compensating");

    private final FlowCatalog catalog;
    private final Expressions expressions;
    private final Outbox outbox;
    private final Contracts contracts;
    private final Map<String, ? extends Fetcher> fetchers;
    private final HubMetrics metrics;
    private final Clock clock;
    private final String plant;

    FlowRunner(FlowCatalog catalog, Expressions expressions, Outbox outbox, Contracts contracts, Map<String, ? extends Fetcher> fetchers,
               HubMetrics metrics, Clock clock, String plant) {
        this.catalog = catalog;
        this.expressions = expressions;
        this.outbox = outbox;
        this.contracts = contracts;
        this.fetchers = fetchers;
        this.metrics = metrics;
        this.clock = clock;
        this.plant = plant;
    }

    /** Why an instance is advanced: a worker found it due or answered, or a person acted on it. */
    sealed interface Input {
    }

    record Resume() implements Input {
    }

    record Signal(String name, JsonNode data) implements Input {
    }

    record RetryStep() implements Input {
    }

    record Cancel(String actor) implements Input {
    }

    /**
     * The instance's correlation lock is held by another transaction (the routing stage keeping an event for it, or
     * another worker): nothing of this advance may stand; the instance is looked at again a moment later.
     */
    static final class Busy extends RuntimeException {
        Busy(String message) {
            super(message, null, false, false);
        }
    }

    private static void correlate(Connection c, Run r, Flow.Step s, String key) throws SQLException {
        if (!FlowStore.tryCorrelationLock(c, r.flow.name(), s.id(), key)) {
            throw new Busy("the correlation lock of wait " + s.id() + " key " + key + " is held by another transaction");
        }
    }

    /** A step that cannot complete, with the reason. */
    private static final class StepFailure extends RuntimeException {
        StepFailure(String message) {
            super(message, null, false, false);
        }
    }

    /** The instance being advanced: its row's values, changed in memory and written once at the end. */
    private static final class Run {
        final FlowStore.Instance row;
        final Flow flow;
        final JsonNode trigger;
        String state;
        String position;
        Long stepRow;
        final Timeline timeline;
        int attempt;
        final ObjectNode iterations;
        final ObjectNode vars;
        final ArrayNode compensable;
        /** A parallel step's branches in progress (null otherwise). */
        ObjectNode branches;
        /** The trace context the trigger was stored with, read once per advance when a step appends an event. */
        private String traceparent;
        private boolean traceRead;
        String waitingFor;
        Instant dueAt;
        String error;
        String failedStep;
        String escalation;
        boolean escalated;
        Instant endedAt;
        /** The next step entered keeps its iteration (a retry), so its Idempotency-Key. */
        boolean retrying;

        Run(FlowStore.Instance row, Flow flow) {
            this.row = row;
            this.flow = flow;
            this.trigger = parse(row.trigger());
            this.state = row.state();
            this.position = row.position();
            this.stepRow = row.stepRow();
            this.timeline = new Timeline(row.id(), row.stepRow());
            this.attempt = row.attempt();
            this.iterations = (ObjectNode) parse(row.iterations());
            this.vars = (ObjectNode) parse(row.vars());
            this.compensable = (ArrayNode) parse(row.compensable());
            this.branches = row.branches() == null ? null : (ObjectNode) parse(row.branches());
            this.waitingFor = row.waitingFor();
            this.dueAt = row.dueAt();
            this.error = row.error();
            this.failedStep = row.failedStep();
            this.endedAt = row.endedAt();
        }

        long id() {
            return row.id();
        }

        String key() {
            return row.key();
        }

        boolean compensating() {
            return state.equals("compensating");
        }

        ObjectNode context() {
            return Expressions.context(trigger, vars, row.id(), flow.name(), row.key());
        }

        FlowStore.Change change(Instant now) {
            return new FlowStore.Change(state, position, stepRow, attempt, iterations.toString(), vars.toString(), waitingFor, dueAt,
                    compensable.toString(), error, failedStep, escalation, escalated, now, endedAt, branches == null ? null : branches.toString());
        }
    }

    /** Advances a locked instance; returns its state afterwards. */
    String advance(Connection c, FlowStore.Instance row, Input input, Outbox.Wakes wakes) throws SQLException {
        if (input instanceof Resume && !ACTIVE.contains(row.state())) return row.state(); // ended meanwhile: nothing to do
        Flow flow = catalog.version(c, row.flow(), row.version());
        Run r = new Run(row, flow);
        Instant now = clock.instant();
        switch (input) {
            case Cancel cancel -> cancel(c, r, cancel.actor(), now);
            case RetryStep retry -> retry(r, now);
            case Signal signal -> signalled(c, r, signal, now);
            case Resume resume -> {
                if (r.waitingFor != null) resume(c, r, now);
            }
        }
        run(c, r, wakes);
        r.stepRow = r.timeline.flush(c);
        if (r.state.equals("running") || (r.compensating() && r.waitingFor == null)) {
            r.dueAt = r.dueAt != null && r.dueAt.isAfter(now) ? r.dueAt : now; // handed back: a worker takes it again
        }
        if (!ACTIVE.contains(r.state)) r.dueAt = null; // an instance that ended or failed is never due (due_only_while_active)
        FlowStore.save(c, r.id(), r.change(clock.instant()));
        return r.state;
    }

    private void run(Connection c, Run r, Outbox.Wakes wakes) throws SQLException {
        for (int budget = STEPS_PER_ADVANCE; budget > 0; budget--) {
            Instant now = clock.instant();
            if (r.compensating() && r.waitingFor == null) {
                compensateNext(c, r, wakes, now);
                continue;
            }
            if (!r.state.equals("running") || (r.dueAt != null && r.dueAt.isAfter(now))) return;
            if (r.position == null) {
                r.state = "completed";
                r.endedAt = now;
                r.dueAt = null;
                metrics.flowEnded(r.flow.name(), "completed");
                return;
            }
            Flow.Step step = r.flow.byId().get(r.position);
            if (step == null) {
                r.state = "failed";
                r.error = "version " + r.flow.version() + " of flow " + r.flow.name() + " has no step '" + r.position + "'";
                r.failedStep = r.position;
                return;
            }
            enter(c, r, step, wakes, now);
        }
    }

    private void enter(Connection c, Run r, Flow.Step s, Outbox.Wakes wakes, Instant now) throws SQLException {
        int iteration = r.iterations.path(s.id()).asInt(0);
        if (!r.retrying || iteration == 0) {
            iteration++;
            r.iterations.put(s.id(), iteration);
            r.attempt = 1;
        }
        r.retrying = false;
        r.dueAt = null;
        r.timeline.open(s.id(), s.kind().name(), iteration, r.attempt, now);
        ObjectNode ctx = r.context();
        try {
            switch (s.kind()) {
                case Flow.Set set -> {
                    ObjectNode result = Json.MAPPER.createObjectNode();
                    for (var e : set.values().entrySet()) {
                        JsonNode v = expressions.eval(e.getValue(), ctx);
                        r.vars.set(e.getKey(), v);
                        result.set(e.getKey(), v);
                        ctx = r.context();
                    }
                    done(c, r, s, result.toString(), now);
                }
                case Flow.If f -> {
                    boolean yes = expressions.test(f.condition(), ctx);
                    r.timeline.close("completed", String.valueOf(yes), null, now, null);
                    r.position = yes ? f.then() : f.otherwise() != null ? f.otherwise() : r.flow.after(s);
                }
                case Flow.Switch sw -> {
                    String target = null;
                    int chosen = -1;
                    for (int k = 0; k < sw.cases().size() && target == null; k++) {
                        if (expressions.test(sw.cases().get(k).when(), ctx)) {
                            target = sw.cases().get(k).target();
                            chosen = k;
                        }
                    }
                    r.timeline.close("completed", chosen < 0 ? "\"default\"" : "{\"case\":" + chosen + "}", null, now, null);
                    r.position = target != null ? target : sw.otherwise() != null ? sw.otherwise() : r.flow.after(s);
                }
                case Flow.Call call -> {
                    appendCall(c, r, s.id(), call, iteration, ctx, wakes, now);
                    park(r, "call", null);
                }
                case Flow.Lookup lookup -> lookup(c, r, s, lookup, ctx, now);
                case Flow.Emit emit -> {
                    CloudEvent e = event(r, s.id(), iteration, emit.type(), expressions.eval(emit.data(), ctx), subject(emit.subject(), r, ctx), now);
                    checkContract(e);
                    outbox.appendEvents(c, List.of(e), trace(c, r), wakes);
                    done(c, r, s, "{\"type\":" + Json.MAPPER.valueToTree(e.type()) + ",\"id\":" + Json.MAPPER.valueToTree(e.id()) + "}", now);
                }
                case Flow.Wait wait -> startWait(c, r, s, wait, ctx, now);
                case Flow.Parallel parallel -> fork(c, r, s, parallel, iteration, ctx, wakes, now);
                case Flow.Signal signal -> park(r, "signal:" + signal.signal(), now.plus(signal.timeout()));
                case Flow.Delay delay -> park(r, "delay", now.plus(delay.delay()));
                case Flow.Until until -> park(r, "delay", time(expressions.eval(until.time(), ctx)));
                case Flow.Escalate escalate -> {
                    JsonNode reason = expressions.eval(escalate.reason(), ctx);
                    r.escalation = reason.isTextual() ? reason.textValue() : reason.toString();
                    r.escalated = true;
                    if (escalate.notice() != null) {
                        ObjectNode withReason = r.context();
                        ((ObjectNode) withReason.get("vars")).put("escalation", r.escalation);
                        appendCall(c, r, s.id(), escalate.notice(), iteration, withReason, wakes, now, false);
                    }
                    done(c, r, s, Json.MAPPER.valueToTree(r.escalation).toString(), now);
                }
                case Flow.Fail fail -> {
                    JsonNode reason = expressions.eval(fail.reason(), ctx);
                    String text = reason.isTextual() ? reason.textValue() : reason.toString();
                    r.timeline.close("failed", null, text, now, null);
                    failInstance(r, s.id(), text);
                }
                case Flow.End end -> {
                    r.timeline.close("completed", null, null, now, null);
                    r.position = null;
                }
            }
        } catch (Mapping.MappingException e) {
            stepFailed(c, r, s, e.describe(), now);
        } catch (StepFailure e) {
            stepFailed(c, r, s, e.getMessage(), now);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while running step " + s.id(), e);
        }
    }

    /** A completed step: its result in the timeline, its compensation remembered, on to the next. */
    private void done(Connection c, Run r, Flow.Step s, String result, Instant now) throws SQLException {
        r.timeline.close("completed", excerpt(result), null, now, null);
        if (s.compensate() != null) r.compensable.add(s.id());
        r.position = r.flow.after(s);
        r.attempt = 1;
        r.waitingFor = null;
        r.dueAt = null;
        if (!r.compensating()) r.state = "running";
    }

    private static void park(Run r, String waitingFor, Instant dueAt) {
        if (!r.compensating()) r.state = "waiting";
        r.waitingFor = waitingFor;
        r.dueAt = dueAt;
    }

    private void stepFailed(Connection c, Run r, Flow.Step s, String message, Instant now) throws SQLException {
        r.timeline.close("failed", null, message, now, null);
        r.waitingFor = null;
        r.dueAt = null;
        if (s.onError() != null) {
            ObjectNode error = r.vars.putObject("error");
            error.put("step", s.id());
            error.put("message", message);
            r.position = s.onError();
            r.attempt = 1;
            r.state = "running";
            return;
        }
        failInstance(r, s.id(), message);
    }

    /** Stops at a step: held there as failed (retriable), or compensated first when the flow says so. */
    private void failInstance(Run r, String step, String message) {
        r.error = message;
        r.failedStep = step;
        r.waitingFor = null;
        r.dueAt = null;
        if (r.flow.compensateOnFailure() && !r.compensable.isEmpty()) {
            r.state = "compensating";
        } else {
            r.state = "failed";
            metrics.flowEnded(r.flow.name(), "failed");
        }
    }

    /** Runs the newest pending compensation; when none is left the instance ends (failed if it failed, else cancelled). */
    private void compensateNext(Connection c, Run r, Outbox.Wakes wakes, Instant now) throws SQLException {
        if (r.compensable.isEmpty()) {
            r.position = null;
            r.dueAt = null;
            if (r.error != null) {
                r.state = "failed";
                metrics.flowEnded(r.flow.name(), "failed");
            } else {
                r.state = "cancelled";
                r.endedAt = now;
                metrics.flowEnded(r.flow.name(), "cancelled");
            }
            return;
        }
        String id = r.compensable.get(r.compensable.size() - 1).asText();
        Flow.Step s = r.flow.byId().get(id);
        r.position = id;
        int iteration = r.iterations.path(id).asInt(1);
        r.timeline.open(id + ".compensate", "compensate-" + s.compensate().name(), iteration, r.attempt, now);
        ObjectNode ctx = r.context();
        try {
            switch (s.compensate()) {
                case Flow.Call call -> {
                    appendCall(c, r, id + ".compensate", call, iteration, ctx, wakes, now);
                    park(r, "call", null);
                }
                case Flow.Emit emit -> {
                    CloudEvent e = event(r, id + ".compensate", iteration, emit.type(), expressions.eval(emit.data(), ctx),
                            subject(emit.subject(), r, ctx), now);
                    checkContract(e);
                    outbox.appendEvents(c, List.of(e), trace(c, r), wakes);
                    compensated(c, r, e.id(), now);
                }
                default -> throw new IllegalStateException("a compensation is a call or an emit");
            }
        } catch (Mapping.MappingException | StepFailure e) {
            compensationFailed(c, r, id, e instanceof Mapping.MappingException m ? m.describe() : e.getMessage(), now);
        }
    }

    private void compensated(Connection c, Run r, String result, Instant now) throws SQLException {
        r.timeline.close("completed", excerpt(result), null, now, null);
        r.compensable.remove(r.compensable.size() - 1);
        r.waitingFor = null;
        r.attempt = 1;
    }

    /** A compensation that cannot run stops the instance as failed there; a retry runs it again. */
    private void compensationFailed(Connection c, Run r, String step, String message, Instant now) throws SQLException {
        r.timeline.close("failed", null, message, now, null);
        r.error = "compensation of " + step + " failed: " + message + (r.error == null ? "" : " (after: " + r.error + ")");
        r.failedStep = step + ".compensate";
        r.state = "failed";
        r.waitingFor = null;
        r.dueAt = null;
        metrics.flowEnded(r.flow.name(), "failed");
    }

    /** A parked instance looked at again: its call answered, its event arrived, its timer fired — or nothing yet. */
    private void resume(Connection c, Run r, Instant now) throws SQLException {
        Flow.Step s = r.flow.byId().get(r.position);
        // Every answer this instance has: the one its call (or parallel step) waits for, and any that came too late to
        // matter (a branch after an any-join went on): those are noted and dropped, so they are not claimed again.
        List<DeliveryReplies.Reply> replies = mayHaveReplies(r) ? DeliveryReplies.takePrefixed(c, repliesOf(r), 50) : List.of();
        if (r.waitingFor.equals("call")) {
            String stepId = r.compensating() ? r.position + ".compensate" : r.position;
            String expected = replyTo(r, stepId, r.iterations.path(r.position).asInt(1));
            DeliveryReplies.Reply reply = null;
            for (DeliveryReplies.Reply x : replies) {
                if (x.replyTo().equals(expected)) reply = x;
                else late(r, x, now);
            }
            if (reply == null) return;
            r.waitingFor = null;
            if (reply.state() == DeliveryState.delivered) {
                r.timeline.close("completed", excerpt(reply.response()), null, now, reply.deliveryId());
                if (r.compensating()) {
                    r.compensable.remove(r.compensable.size() - 1);
                    r.attempt = 1;
                    return;
                }
                r.vars.set(s.resultVar(), answer(reply.response()));
                if (s.compensate() != null) r.compensable.add(s.id());
                r.position = r.flow.after(s);
                r.attempt = 1;
                r.state = "running";
                metrics.flowStep(r.flow.name(), "call", Duration.between(r.row.updatedAt(), now));
            } else {
                String why = "the call was not delivered (delivery " + reply.deliveryId() + " is dead): " + reply.error();
                r.timeline.delivery(reply.deliveryId());
                if (r.compensating()) {
                    compensationFailed(c, r, r.position, why, now);
                } else {
                    stepFailed(c, r, s, why, now);
                }
            }
            return;
        }
        if (r.waitingFor.equals("parallel")) {
            joined(c, r, s, replies, now);
            return;
        }
        replies.forEach(x -> late(r, x, now));
        if (r.waitingFor.equals("event")) {
            Flow.Wait w = (Flow.Wait) s.kind();
            // Timed out, the wait ends either way (with a kept event, or by its timeout): removed as its key is read. No
            // correlation lock then: an event whose routing commits while this runs stays kept (listed, and expires
            // visibly), as one arriving a moment after the timeout would; the lock matters only to a wait that goes on.
            // Nor, timed out, a look into the inbox unless the routing stage marked the wait: an event kept before the
            // wait began was taken when it began; one kept since marks it.
            boolean due = r.dueAt != null && !now.isBefore(r.dueAt);
            FlowStore.Parked parked = (due ? FlowStore.stopWaiting(c, r.id()) : FlowStore.waitOf(c, r.id())).orElse(null);
            String key = parked == null ? null : parked.key();
            if (key != null && (!due || parked.matched())) {
                if (!due) correlate(c, r, s, key);
                if (takeKept(c, r, s, w, key, now)) {
                    if (!due) FlowStore.stopWaiting(c, r.id());
                    return;
                }
            }
            if (due) {
                timedOut(c, r, s, w.onTimeout(), "no " + w.on() + " with key '" + key + "' arrived within " + w.timeout(), now);
            } else {
                FlowStore.rearm(c, r.id());
            }
            return;
        }
        if (r.waitingFor.startsWith("signal:")) {
            Flow.Signal g = (Flow.Signal) s.kind();
            if (r.dueAt != null && !now.isBefore(r.dueAt)) {
                timedOut(c, r, s, g.onTimeout(), "no signal '" + g.signal() + "' within " + g.timeout(), now);
            }
            return;
        }
        if (r.waitingFor.equals("delay") && (r.dueAt == null || !now.isBefore(r.dueAt))) {
            done(c, r, s, null, now);
        } else if (r.waitingFor.equals("lookup") && (r.dueAt == null || !now.isBefore(r.dueAt))) {
            // A lookup its system could not answer: asked again as the same iteration, its next attempt.
            r.waitingFor = null;
            r.dueAt = null;
            r.state = "running";
            r.retrying = true;
        }
    }

    /** An answer that came after the instance moved on: noted in the timeline, not acted on. */
    private static void late(Run r, DeliveryReplies.Reply reply, Instant now) {
        r.timeline.note(r.position == null ? "late-answer" : r.position, "late-answer", "delivery " + reply.deliveryId() + " (" + reply.replyTo()
                + ") ended " + reply.state() + " after its step had moved on; not acted on", now);
    }

    /** A parallel step: every branch sent at once; calls are waited for as the join says, events are done at once. */
    private void fork(Connection c, Run r, Flow.Step s, Flow.Parallel parallel, int iteration, ObjectNode ctx, Outbox.Wakes wakes, Instant now)
            throws SQLException {
        ObjectNode branches = Json.MAPPER.createObjectNode();
        for (var b : parallel.branches().entrySet()) {
            String stepId = s.id() + "." + b.getKey();
            ObjectNode branch = branches.putObject(b.getKey());
            switch (b.getValue()) {
                case Flow.Call call -> {
                    appendCall(c, r, stepId, call, iteration, ctx, wakes, now);
                    branch.put("replyTo", replyTo(r, stepId, iteration));
                    branch.put("state", "pending");
                }
                case Flow.Emit emit -> {
                    CloudEvent e = event(r, stepId, iteration, emit.type(), expressions.eval(emit.data(), ctx), subject(emit.subject(), r, ctx), now);
                    checkContract(e);
                    outbox.appendEvents(c, List.of(e), trace(c, r), wakes);
                    branch.put("state", "delivered");
                    branch.putObject("answer").put("type", e.type()).put("id", e.id());
                }
                default -> throw new IllegalStateException("a branch is a call or an emit");
            }
        }
        r.branches = branches;
        park(r, "parallel", null);
        joined(c, r, s, List.of(), now); // only events, or an any-join with an event: done at once
    }

    /** Applies answers to a parallel step's branches and goes on when its join is satisfied. */
    private void joined(Connection c, Run r, Flow.Step s, List<DeliveryReplies.Reply> replies, Instant now) throws SQLException {
        boolean any = ((Flow.Parallel) s.kind()).any();
        for (DeliveryReplies.Reply reply : replies) {
            ObjectNode branch = null;
            for (var e : r.branches.properties()) {
                if (reply.replyTo().equals(e.getValue().path("replyTo").asText()) && e.getValue().path("state").asText().equals("pending")) {
                    branch = (ObjectNode) e.getValue();
                }
            }
            if (branch == null) {
                late(r, reply, now);
                continue;
            }
            branch.put("deliveryId", reply.deliveryId());
            if (reply.state() == DeliveryState.delivered) {
                branch.put("state", "delivered");
                branch.set("answer", answer(reply.response()));
            } else {
                branch.put("state", "dead");
                branch.put("error", reply.error());
            }
        }
        int pending = 0, delivered = 0;
        ObjectNode answers = Json.MAPPER.createObjectNode();
        List<String> dead = new java.util.ArrayList<>();
        for (var e : r.branches.properties()) {
            switch (e.getValue().path("state").asText()) {
                case "pending" -> pending++;
                case "delivered" -> {
                    delivered++;
                    answers.set(e.getKey(), e.getValue().path("answer"));
                }
                default -> dead.add(e.getKey() + ": " + e.getValue().path("error").asText());
            }
        }
        boolean go = any ? delivered > 0 : pending == 0 && dead.isEmpty();
        boolean fail = any ? delivered == 0 && pending == 0 : pending == 0 && !dead.isEmpty();
        if (go) {
            r.branches = null;
            r.vars.set(s.resultVar(), answers);
            done(c, r, s, answers.toString(), now);
        } else if (fail) {
            r.branches = null;
            r.waitingFor = null;
            stepFailed(c, r, s, "parallel step: " + (any ? "no branch" : "not every branch") + " was delivered (" + String.join("; ", dead) + ")", now);
        }
    }

    private void timedOut(Connection c, Run r, Flow.Step s, String onTimeout, String what, Instant now) throws SQLException {
        r.timeline.close("timed_out", null, "timed out: " + what, now, null);
        r.waitingFor = null;
        r.dueAt = null;
        if (onTimeout != null) {
            r.position = onTimeout;
            r.attempt = 1;
            r.state = "running";
        } else {
            failInstance(r, s.id(), "timed out: " + what);
        }
    }

    /** Starts a wait: an event kept before it started is taken at once; otherwise the instance parks under its key. */
    private void startWait(Connection c, Run r, Flow.Step s, Flow.Wait w, ObjectNode ctx, Instant now) throws SQLException {
        String key = w.equals() == null ? r.key() : expressions.key(w.equals(), ctx);
        if (key == null) throw new StepFailure("the wait's equals expression gave no value to wait for");
        correlate(c, r, s, key);
        if (takeKept(c, r, s, w, key, now)) return;
        FlowStore.waitFor(c, r.id(), r.flow.name(), s.id(), key);
        park(r, "event", now.plus(w.timeout()));
    }

    /** Under the correlation lock: the oldest kept event for this wait that passes its match, taken (or observed). */
    private boolean takeKept(Connection c, Run r, Flow.Step s, Flow.Wait w, String key, Instant now) throws SQLException {
        for (FlowStore.Kept kept : FlowStore.inbox(c, r.flow.name(), s.id(), key, now)) {
            JsonNode event = parse(kept.event());
            if (w.match() != null) {
                ObjectNode ctx = r.context();
                ctx.set("event", event);
                try {
                    if (!expressions.test(w.match(), ctx)) continue;
                } catch (Mapping.MappingException e) {
                    continue; // an event the match cannot read is not this wait's
                }
            }
            if (w.consume() && !FlowStore.take(c, kept.id(), r.id(), now)) continue;
            r.vars.set(s.resultVar(), event);
            done(c, r, s, "{\"event\":" + Json.MAPPER.valueToTree(event.path("id").asText()) + ",\"seq\":" + kept.eventSeq() + "}", now);
            return true;
        }
        return false;
    }

    private void signalled(Connection c, Run r, Signal signal, Instant now) throws SQLException {
        Flow.Step s = r.flow.byId().get(r.position);
        r.vars.set(s.resultVar(), signal.data());
        done(c, r, s, signal.data().toString(), now);
    }

    private void retry(Run r, Instant now) {
        r.error = null;
        boolean compensation = r.failedStep != null && r.failedStep.endsWith(".compensate");
        r.failedStep = null;
        r.attempt++;
        r.dueAt = now;
        r.waitingFor = null;
        r.state = compensation ? "compensating" : "running";
        r.retrying = !compensation;
    }

    /** Cancels: a call or wait in progress is abandoned; completed steps' compensations run, newest first. */
    private void cancel(Connection c, Run r, String actor, Instant now) throws SQLException {
        if (r.waitingFor != null && r.timeline.hasOpenRow()) {
            r.timeline.close("failed", null, "cancelled by " + actor, now, null);
        }
        FlowStore.stopWaiting(c, r.id());
        DeliveryReplies.dropPrefixed(c, repliesOf(r));
        r.timeline.note(r.position == null ? "cancel" : r.position, "cancelled", "cancelled by " + actor
                + (r.compensable.isEmpty() ? "" : "; compensating " + r.compensable.size() + " step(s), newest first"), now);
        r.waitingFor = null;
        r.dueAt = null;
        r.error = null;
        r.failedStep = null;
        r.attempt = 1;
        r.state = "compensating"; // with nothing to compensate, it ends cancelled at once
    }

    private void lookup(Connection c, Run r, Flow.Step s, Flow.Lookup l, ObjectNode ctx, Instant now) throws SQLException, InterruptedException {
        String key = expressions.key(l.key(), ctx);
        if (key == null) throw new StepFailure("the lookup key expression gave no value");
        Fetcher fetcher = fetchers.get(l.system());
        if (fetcher == null) throw new StepFailure("system '" + l.system() + "' has no outbound http to look up with");
        try {
            JsonNode found = fetcher.fetch(l.operation(), key);
            r.vars.set(s.resultVar(), found == null ? Json.MAPPER.nullNode() : found);
            done(c, r, s, found == null ? "null (not found)" : found.toString(), now);
        } catch (Fetcher.Unavailable e) {
            if (r.attempt >= l.attempts()) throw new StepFailure("unavailable after " + r.attempt + " attempts: " + e.getMessage());
            // Worth trying again: the instance waits at this step (holding no worker) and asks again, same iteration.
            r.timeline.close("failed", null, "unavailable, trying again in " + Durations.format(l.retryEvery()) + ": " + e.getMessage(), now, null);
            r.attempt++;
            park(r, "lookup", now.plus(l.retryEvery()));
        }
    }

    /**
     * A call: an event in the log carrying the call's data, and a delivery of it to the system's operation on the
     * durable path, whose settlement answers this instance. Event id and Idempotency-Key come from instance, step and
     * iteration, so a retried step sends under the same key.
     */
    private void appendCall(Connection c, Run r, String stepId, Flow.Call call, int iteration, ObjectNode ctx, Outbox.Wakes wakes, Instant now)
            throws SQLException {
        appendCall(c, r, stepId, call, iteration, ctx, wakes, now, true);
    }

    /** @param waited whether the step waits for the call's settlement (else nobody is answered: a notice) */
    private void appendCall(Connection c, Run r, String stepId, Flow.Call call, int iteration, ObjectNode ctx, Outbox.Wakes wakes, Instant now,
                            boolean waited) throws SQLException {
        String type = call.type() != null ? call.type() : "flow." + r.flow.name() + "." + stepId;
        CloudEvent e = event(r, stepId, iteration, type, expressions.eval(call.data(), ctx), subject(call.subject(), r, ctx), now);
        if (call.type() != null) checkContract(e);
        Long seq = EventStore.insert(c, List.of(e), trace(c, r)).get(EventStore.Key.of(e));
        if (seq == null) seq = FlowStore.eventSeq(c, e.source(), e.id()).orElseThrow(); // a retry: the same event
        String idempotencyKey = UUID.nameUUIDFromBytes(("flow\n" + r.id() + "\n" + stepId + "\n" + iteration).getBytes(StandardCharsets.UTF_8)).toString();
        NewDelivery d = new NewDelivery(seq, "flow:" + r.flow.name(), call.system(), "/", call.operation(),
                outbox.router().lane(call.system(), r.key(), e), r.key(), idempotencyKey, r.attempt - 1,
                waited ? replyTo(r, stepId, iteration) : null);
        outbox.appendDeliveries(c, List.of(d), wakes);
    }

    /** Whom a call's settlement answers: the instance, and which step (or branch) and iteration of it. */
    private static String replyTo(Run r, String stepId, int iteration) {
        return repliesOf(r) + stepId + "/" + iteration;
    }

    /**
     * Whether a delivery may have answered this instance: only a call, a parallel step's branches or a compensation
     * (of a step that ran) make deliveries that answer. An instance that ran none (a timer's) skips the look.
     */
    private static boolean mayHaveReplies(Run r) {
        for (java.util.Iterator<String> ids = r.iterations.fieldNames(); ids.hasNext(); ) {
            Flow.Step step = r.flow.byId().get(ids.next());
            if (step == null || step.compensate() != null || step.kind() instanceof Flow.Call || step.kind() instanceof Flow.Parallel) return true;
        }
        return false;
    }

    /** The common prefix of every reply this instance may get (claims and retention read the id between the colons). */
    private static String repliesOf(Run r) {
        return "flow:" + r.id() + ":";
    }

    private CloudEvent event(Run r, String stepId, int iteration, String type, JsonNode data, String subject, Instant now) {
        ObjectNode env = Json.MAPPER.createObjectNode();
        String id = r.id() + "/" + stepId + "/" + iteration;
        String source = "millwright/flows/" + r.flow.name();
        env.put("specversion", "1.0");
        env.put("id", id);
        env.put("source", source);
        env.put("type", type);
        if (subject != null) env.put("subject", subject);
        env.put("time", now.toString());
        env.put("datacontenttype", "application/json");
        // An instance's events belong to its trigger's plant (the hub's plant name when the trigger named none).
        env.put("plant", r.row.plant() != null ? r.row.plant() : plant);
        env.put("correlationid", r.key());
        env.set("data", data);
        return new CloudEvent(id, source, type, subject, now.atOffset(ZoneOffset.UTC), env, env.toString());
    }

    /** The events an instance appends carry its trigger's trace context, so its calls show in the trace it started in. */
    private static List<String> trace(Connection c, Run r) throws SQLException {
        if (!r.traceRead) {
            r.traceparent = r.row.triggerSeq() == null ? null : FlowStore.traceparent(c, r.row.triggerSeq());
            r.traceRead = true;
        }
        return java.util.Collections.singletonList(r.traceparent);
    }

    private String subject(Mapping expression, Run r, ObjectNode ctx) {
        return expression == null ? r.key() : expressions.key(expression, ctx);
    }

    private void checkContract(CloudEvent e) {
        List<Violation> problems = contracts.check(List.of(e), false);
        if (!problems.isEmpty()) {
            throw new StepFailure("the " + e.type() + " event breaks its contract: " + String.join("; ",
                    problems.stream().map(v -> v.pointer() + " " + v.detail()).toList()));
        }
    }

    private static Instant time(JsonNode value) {
        try {
            return java.time.OffsetDateTime.parse(value.asText()).toInstant();
        } catch (DateTimeParseException e) {
            throw new StepFailure("until gave '" + value.asText() + "', not an RFC 3339 time");
        }
    }

    /** A system's answer as a value: JSON when it is JSON, else the text; null when empty. */
    private static JsonNode answer(String body) {
        if (body == null || body.isBlank()) return Json.MAPPER.nullNode();
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return Json.MAPPER.getNodeFactory().textNode(body);
        }
    }

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("stored flow JSON does not read: " + e.getMessage(), e);
        }
    }

    private static String excerpt(String text) {
        return text == null || text.length() <= EXCERPT ? text : text.substring(0, EXCERPT) + "…";
    }

    static Optional<String> waitingSignal(FlowStore.Instance row) {
        return row.waitingFor() != null && row.waitingFor().startsWith("signal:") ? Optional.of(row.waitingFor().substring(7)) : Optional.empty();
    }
}
