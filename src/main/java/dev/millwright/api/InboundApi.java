package dev.millwright.api;

import dev.millwright.config.SystemConfig;
import dev.millwright.inbound.InboundConnector;
import dev.millwright.inbound.Inbox;
import dev.millwright.inbound.PayloadFormat;
import dev.millwright.ingest.RejectedInput;
import dev.millwright.store.InboundFailureStore;
import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Inbound connectors: their status on this node, and payloads they could not turn into events (inbound failures). */
final class InboundApi {
    private final InboundFailureStore failures;
    private final Inbox inbox;
    private final Map<String, SystemConfig> systems;
    private final Supplier<List<InboundConnector.Status>> connectors;

    InboundApi(InboundFailureStore failures, Inbox inbox, Map<String, SystemConfig> systems, Supplier<List<InboundConnector.Status>> connectors) {
        this.failures = failures;
        this.inbox = inbox;
        this.systems = systems;
        this.connectors = connectors;
    }

    void connectors(Context ctx) {
        JsonBody.send(ctx, 200, Map.of("items", connectors.get().stream().filter(s -> Caller.sees(ctx, systems.get(s.system()))).toList()));
    }

    void search(Context ctx) {
        Params p = new Params(ctx);
        String system = p.text("system");
        String state = p.parsed("state", s -> {
            if (!s.equals("open") && !s.equals("resolved")) throw new IllegalArgumentException("must be open or resolved");
            return s;
        });
        long after = p.longValue("after", 0, 0, Long.MAX_VALUE);
        int limit = (int) p.longValue("limit", 100, 1, 1000);
        p.check();
        List<String> visible = Caller.plants(ctx).all() ? null
                : systems.values().stream().filter(s -> Caller.sees(ctx, s)).map(SystemConfig::name).toList();
        List<InboundFailureStore.Failure> page = failures.list(system, visible, state, after, limit);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", page);
        out.put("next", page.size() == limit ? page.getLast().id() : null);
        JsonBody.send(ctx, 200, out);
    }

    void get(Context ctx) {
        InboundFailureStore.Failure f = find(ctx);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("failure", new InboundFailureStore.Failure(f.id(), f.system(), f.channel(), f.reference(), f.format(), f.size(), null,
                f.reason(), f.receivedAt(), f.state(), f.resolvedAt()));
        out.put("payload", new String(f.payload(), StandardCharsets.UTF_8));
        JsonBody.send(ctx, 200, out);
    }

    /** Takes the kept payload again through the system's current mapping; it stays open with the new reason if it fails again. */
    void retry(Context ctx) throws InterruptedException {
        InboundFailureStore.Failure f = find(ctx);
        if (f.state().equals("resolved")) {
            throw new ApiException(Problem.of(409, "Already resolved", "inbound failure " + f.id() + " was resolved at " + f.resolvedAt()));
        }
        Inbox.Route route = route(f);
        PayloadFormat format = PayloadFormat.of(f.format());
        var events = inbox.map(f.system(), route, format.parse(f.payload()), variables(f));
        try {
            inbox.checkContracts(events);
        } catch (RejectedInput e) {
            failures.setReason(f.id(), Inbox.describe(e));
            throw e;
        }
        try {
            var result = inbox.store(events);
            failures.resolve(f.id(), Caller.actor(ctx));
            JsonBody.send(ctx, 200, Map.of("accepted", result.accepted(), "duplicates", result.duplicates()));
        } catch (Inbox.NotStored e) {
            ctx.header("Retry-After", "1");
            throw new ApiException(Problem.of(503, "Not stored", e.getMessage() + "; nothing was stored, try again"));
        }
    }

    private SystemConfig.InboundChannel channel(InboundFailureStore.Failure f) {
        SystemConfig system = systems.get(f.system());
        return system == null ? null : system.inbound().channel(f.channel());
    }

    private Map<String, String> variables(InboundFailureStore.Failure f) {
        SystemConfig.InboundChannel channel = channel(f);
        return channel == null ? Map.of() : channel.variables(f.reference());
    }

    private Inbox.Route route(InboundFailureStore.Failure f) {
        SystemConfig.InboundChannel channel = channel(f);
        Inbox.Route route = channel == null ? null : new Inbox.Route(channel.mapping(), channel.source());
        if (route == null) {
            throw new ApiException(Problem.of(409, "No inbound route", "system '" + f.system() + "' no longer has inbound "
                    + f.channel() + " configured; the payload cannot be mapped"));
        }
        return route;
    }

    private InboundFailureStore.Failure find(Context ctx) {
        long id = Params.pathId(ctx, "inbound failure");
        InboundFailureStore.Failure f = failures.get(id).orElseThrow(() -> ApiException.notFound("no inbound failure " + id));
        if (!Caller.sees(ctx, systems.get(f.system()))) throw ApiException.notFound("no inbound failure " + id);
        return f;
    }
}
