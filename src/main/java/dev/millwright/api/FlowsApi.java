package dev.millwright.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.event.Json;
import dev.millwright.flow.Flow;
import dev.millwright.flow.FlowEngine;
import dev.millwright.store.FlowStore;
import io.javalin.http.Context;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Process flows: definitions, instances with their timelines, and what people do to them (start, signal, retry, cancel). */
final class FlowsApi {
    private static final Set<String> STATES = Set.of("running", "waiting", "compensating", "completed", "failed", "cancelled");

    private final FlowEngine flows;

    FlowsApi(FlowEngine flows) {
        this.flows = flows;
    }

    void definitions(Context ctx) {
        Map<String, List<FlowEngine.Version>> versions = new LinkedHashMap<>();
        for (FlowEngine.Version v : flows.definitions()) versions.computeIfAbsent(v.definition().name(), k -> new ArrayList<>()).add(v);
        List<Map<String, Object>> items = new ArrayList<>();
        for (Flow f : flows.catalog().current()) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("name", f.name());
            item.put("description", f.description());
            item.put("version", f.version());
            item.put("trigger", Map.of("on", f.trigger().on(), "key", f.trigger().keyText()));
            item.put("steps", f.steps().stream().map(s -> Map.of("id", s.id(), "kind", s.kind().name())).toList());
            item.put("versions", versions.getOrDefault(f.name(), List.of()).stream()
                    .map(v -> Map.of("version", v.definition().version(), "loadedAt", v.definition().loadedAt().toString(),
                            "activeInstances", v.definition().active(), "changes", v.changes())).toList());
            items.add(item);
        }
        JsonBody.send(ctx, 200, Map.of("items", items));
    }

    void start(Context ctx) {
        String name = ctx.pathParam("name");
        if (flows.catalog().current(name) == null) throw ApiException.notFound("no flow '" + name + "'");
        JsonNode body = JsonBody.read(ctx, Set.of("key", "data", "plant"));
        JsonNode key = body.get("key");
        if (key != null && !key.isNull() && (!key.isTextual() || key.asText().isBlank())) {
            throw new ApiException(new Problem(400, "Invalid start request", null,
                    List.of(new dev.millwright.ingest.Violation("/key", "must be a non-empty string"))));
        }
        String plant = startPlant(ctx, body.get("plant"));
        String startKey = ctx.header("Idempotency-Key");
        FlowEngine.Started started = flows.start(name, key == null || key.isNull() ? null : key.asText(), body.get("data"),
                startKey == null || startKey.isBlank() ? null : startKey, plant, Caller.actor(ctx));
        switch (started) {
            case FlowEngine.Created c -> {
                ctx.header("Location", "/api/v1/flow-instances/" + c.id());
                JsonBody.send(ctx, 201, Map.of("id", c.id(), "created", true));
            }
            case FlowEngine.Repeated r -> {
                ctx.header("Location", "/api/v1/flow-instances/" + r.id());
                JsonBody.send(ctx, 200, Map.of("id", r.id(), "created", false));
            }
            case FlowEngine.Active a -> throw new ApiException(Problem.of(409, "Instance active",
                    "flow " + name + " already has an active instance " + a.id() + " for key '" + a.key() + "': one per key"));
            case FlowEngine.Invalid i -> throw ApiException.badRequest(i.why());
        }
    }

    void list(Context ctx) {
        Params p = new Params(ctx);
        String flow = p.text("flow"), key = p.text("key");
        String state = p.parsed("state", v -> {
            if (!STATES.contains(v)) throw new IllegalArgumentException("'" + v + "' is not one of " + String.join(", ", STATES.stream().sorted().toList()));
            return v;
        });
        long after = p.longValue("after", 0, 0, Long.MAX_VALUE);
        int limit = (int) p.longValue("limit", 100, 1, 1000);
        p.check();
        List<FlowStore.Instance> page = flows.instances(flow, state, key, Caller.plants(ctx), after, limit);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", page.stream().map(FlowsApi::view).toList());
        out.put("next", page.size() == limit ? page.getLast().id() : null);
        JsonBody.send(ctx, 200, out);
    }

    void get(Context ctx) {
        long id = Params.pathId(ctx, "flow instance");
        FlowStore.Instance i = visible(ctx, id);
        Map<String, Object> out = view(i);
        out.put("trigger", json(i.trigger()));
        out.put("timeline", flows.timeline(id).stream().map(FlowsApi::step).toList());
        JsonBody.send(ctx, 200, out);
    }

    void signal(Context ctx) {
        long id = Params.pathId(ctx, "flow instance");
        visible(ctx, id);
        JsonNode body = JsonBody.read(ctx, Set.of("name", "data"));
        JsonNode name = body.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            throw new ApiException(new Problem(400, "Invalid signal", null, List.of(new dev.millwright.ingest.Violation("/name", "is required: the signal's name"))));
        }
        answer(ctx, id, flows.signal(id, name.asText(), body.get("data"), Caller.actor(ctx)), "Not waiting for this signal");
    }

    void retry(Context ctx) {
        long id = Params.pathId(ctx, "flow instance");
        visible(ctx, id);
        answer(ctx, id, flows.retry(id, Caller.actor(ctx)), "Not retryable");
    }

    void cancel(Context ctx) {
        long id = Params.pathId(ctx, "flow instance");
        visible(ctx, id);
        answer(ctx, id, flows.cancel(id, Caller.actor(ctx)), "Not cancellable");
    }

    void expired(Context ctx) {
        Params p = new Params(ctx);
        long after = p.longValue("after", 0, 0, Long.MAX_VALUE);
        int limit = (int) p.longValue("limit", 100, 1, 1000);
        p.check();
        List<FlowStore.Expired> page = flows.expired(Caller.plants(ctx), after, limit);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", page);
        out.put("next", page.size() == limit ? page.getLast().id() : null);
        JsonBody.send(ctx, 200, out);
    }

    void kpis(Context ctx) {
        Params p = new Params(ctx);
        java.time.Duration window = p.parsed("window", v -> {
            java.time.Duration d = dev.millwright.config.spec.Durations.parse(v);
            if (d == null || d.isZero()) throw new IllegalArgumentException("'" + v + "' is not a duration (write 1h, 24h or 7d)");
            return d;
        });
        p.check();
        java.time.Duration w = window == null ? FlowEngine.KPI_WINDOW : window;
        List<Map<String, Object>> items = new ArrayList<>();
        for (FlowEngine.FlowKpis k : flows.kpis(java.time.Instant.now().minus(w), Caller.plants(ctx))) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("flow", k.flow());
            item.put("instances", k.states());
            item.put("failureRate", k.failureRate());
            item.put("completionSeconds", spread(k.completion()));
            item.put("kpis", k.kpis().stream().map(v -> {
                Map<String, Object> kpi = new LinkedHashMap<>();
                kpi.put("name", v.kpi().name());
                kpi.put("description", v.kpi().description());
                kpi.put("from", v.kpi().from());
                kpi.put("to", v.kpi().to());
                kpi.putAll(spread(v.spread()));
                return kpi;
            }).toList());
            item.put("steps", k.steps().stream().map(st -> {
                Map<String, Object> step = new LinkedHashMap<>();
                step.put("step", st.step());
                step.put("kind", st.kind());
                step.put("count", st.count());
                step.put("p50Seconds", st.p50());
                step.put("p95Seconds", st.p95());
                return step;
            }).toList());
            items.add(item);
        }
        JsonBody.send(ctx, 200, Map.of("window", w.toString(), "items", items));
    }

    /** The instance, if it belongs to one of the caller's plants (else the same 404 as for none). */
    private FlowStore.Instance visible(Context ctx, long id) {
        FlowStore.Instance i = flows.instance(id).orElseThrow(() -> ApiException.notFound("no flow instance " + id));
        Caller.requirePlant(ctx, i.plant(), "no flow instance " + id);
        return i;
    }

    /**
     * The plant an instance started through the API belongs to: the one given, which must be the caller's; a caller of
     * one plant may leave it out; a caller of every plant may start one of no plant (seen by callers of every plant only).
     */
    private static String startPlant(Context ctx, JsonNode given) {
        var scope = Caller.plants(ctx);
        if (given == null || given.isNull()) {
            if (scope.all()) return null;
            if (scope.patterns().size() == 1 && !scope.patterns().getFirst().endsWith("*")) return scope.patterns().getFirst();
            throw new ApiException(new Problem(400, "Invalid start request", null,
                    List.of(new dev.millwright.ingest.Violation("/plant", "is required: name one of your plants (" + scope + ")"))));
        }
        if (!given.isTextual() || given.asText().isBlank()) {
            throw new ApiException(new Problem(400, "Invalid start request", null,
                    List.of(new dev.millwright.ingest.Violation("/plant", "must be a non-empty string"))));
        }
        if (!scope.allows(given.asText())) {
            throw new ApiException(new Problem(403, "Not allowed for this caller", null, List.of(new dev.millwright.ingest.Violation("/plant",
                    "plant '" + given.asText() + "' is outside your plants (" + scope + ")"))));
        }
        return given.asText();
    }

    private static Map<String, Object> spread(FlowStore.Spread s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("count", s.count());
        out.put("p50Seconds", s.p50());
        out.put("p95Seconds", s.p95());
        out.put("maxSeconds", s.max());
        return out;
    }

    private static void answer(Context ctx, long id, FlowEngine.Acted acted, String refusedTitle) {
        switch (acted) {
            case FlowEngine.Done d -> JsonBody.send(ctx, 200, view(d.instance()));
            case FlowEngine.NotFound n -> throw ApiException.notFound("no flow instance " + id);
            case FlowEngine.Refused r -> throw new ApiException(Problem.of(409, refusedTitle, r.why()));
        }
    }

    /** One timeline row as the API shows it (also in a transaction's timeline). */
    static Map<String, Object> step(FlowStore.TimelineRow t) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", t.step());
        row.put("kind", t.kind());
        row.put("iteration", t.iteration());
        row.put("attempt", t.attempt());
        row.put("state", t.state());
        row.put("result", t.result() == null ? null : json(t.result()));
        row.put("error", t.error());
        row.put("note", t.input());
        row.put("deliveryId", t.deliveryId());
        row.put("startedAt", t.startedAt() == null ? null : t.startedAt().toString());
        row.put("endedAt", t.endedAt() == null ? null : t.endedAt().toString());
        row.put("durationMs", t.endedAt() == null ? null : java.time.Duration.between(t.startedAt(), t.endedAt()).toMillis());
        return row;
    }

    private static Map<String, Object> view(FlowStore.Instance i) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", i.id());
        out.put("flow", i.flow());
        out.put("version", i.version());
        out.put("key", i.key());
        out.put("plant", i.plant());
        out.put("state", i.state());
        out.put("step", i.position());
        out.put("waitingFor", i.waitingFor());
        out.put("dueAt", i.dueAt() == null ? null : i.dueAt().toString());
        out.put("error", i.error());
        out.put("failedStep", i.failedStep());
        out.put("escalation", i.escalation());
        out.put("escalatedAt", i.escalatedAt() == null ? null : i.escalatedAt().toString());
        out.put("vars", json(i.vars()));
        out.put("createdAt", i.createdAt() == null ? null : i.createdAt().toString());
        out.put("updatedAt", i.updatedAt() == null ? null : i.updatedAt().toString());
        out.put("endedAt", i.endedAt() == null ? null : i.endedAt().toString());
        return out;
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            return Json.MAPPER.getNodeFactory().textNode(text);
        }
    }
}
