package dev.millwright.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.api.Caller;
import dev.millwright.event.Json;
import dev.millwright.flow.FlowEngine;
import dev.millwright.store.FlowStore;
import io.javalin.http.Context;

import java.io.IOException;
import java.util.List;

/** Flow definitions with their versions, instances by state, one instance's steps; signal, retry a step, cancel. */
public final class FlowsPage {
    private static final int PAGE = 50;

    public record ListView(Page page, List<FlowEngine.Version> definitions, String flow, String state, String key, List<FlowStore.Instance> instances,
                    Long next) {
    }

    public record InstanceView(Page page, FlowStore.Instance instance, List<FlowStore.TimelineRow> steps, String vars, String problem) {
        public boolean active() {
            return !List.of("completed", "cancelled").contains(instance.state());
        }

        /** The signal the instance waits for, if it waits for one. */
        public String signal() {
            String w = instance.waitingFor();
            return w != null && w.startsWith("signal:") ? w.substring("signal:".length()) : null;
        }
    }

    private final Console console;
    private final FlowEngine flows;

    FlowsPage(Console console, FlowEngine flows) {
        this.console = console;
        this.flows = flows;
    }

    void list(Context ctx) {
        String flow = Form.blank(ctx.queryParam("flow")), state = Form.blank(ctx.queryParam("state")), key = Form.blank(ctx.queryParam("key"));
        if (state != null && !List.of("running", "waiting", "failed", "completed", "cancelled", "compensating", "escalated").contains(state)) {
            throw ConsoleException.badRequest("no instance state '" + Views.excerpt(state, 40) + "'");
        }
        String before = ctx.queryParam("before");
        List<FlowStore.Instance> page = flows.newestInstances(flow, state, key, Caller.plants(ctx),
                before == null || before.isBlank() ? Long.MAX_VALUE : Form.number(before), PAGE);
        console.render(ctx, 200, "console/flows.jte", new ListView(console.page(ctx, "flows", "Flows"), flows.definitions(), flow, state, key, page,
                page.size() == PAGE ? page.getLast().id() : null));
    }

    void instance(Context ctx) {
        FlowStore.Instance i = visible(ctx);
        console.render(ctx, 200, "console/flow-instance.jte", view(ctx, i, null));
    }

    void signal(Context ctx) {
        FlowStore.Instance i = visible(ctx);
        String name = ctx.formParam("name"), data = ctx.formParam("data");
        JsonNode parsed;
        try {
            parsed = data == null || data.isBlank() ? null : Json.MAPPER.readTree(data);
        } catch (IOException e) {
            console.render(ctx, 400, "console/flow-instance.jte", view(ctx, i, "the signal's data must be JSON"));
            return;
        }
        done(ctx, i, flows.signal(i.id(), name == null ? "" : name.strip(), parsed, Caller.actor(ctx)), "signal '" + name + "' sent");
    }

    void retry(Context ctx) {
        FlowStore.Instance i = visible(ctx);
        done(ctx, i, flows.retry(i.id(), Caller.actor(ctx)), "failed step retried");
    }

    void cancel(Context ctx) {
        FlowStore.Instance i = visible(ctx);
        done(ctx, i, flows.cancel(i.id(), Caller.actor(ctx)), "cancelled; completed steps' compensations run");
    }

    private void done(Context ctx, FlowStore.Instance i, FlowEngine.Acted acted, String notice) {
        switch (acted) {
            case FlowEngine.Done d -> Console.redirect(ctx, "/console/flows/instances/" + i.id(), notice);
            case FlowEngine.NotFound n -> throw ConsoleException.notFound("no flow instance " + i.id());
            case FlowEngine.Refused r -> console.render(ctx, 409, "console/flow-instance.jte", view(ctx, i, r.why()));
        }
    }

    private InstanceView view(Context ctx, FlowStore.Instance i, String problem) {
        return new InstanceView(console.page(ctx, "flows", "Flow instance " + i.id()), i, flows.timeline(i.id()), Views.pretty(i.vars()), problem);
    }

    private FlowStore.Instance visible(Context ctx) {
        long id = Form.number(ctx.pathParam("id"));
        FlowStore.Instance i = flows.instance(id).orElseThrow(() -> ConsoleException.notFound("no flow instance " + id));
        if (!Caller.plants(ctx).allows(i.plant())) throw ConsoleException.notFound("no flow instance " + id);
        return i;
    }

}
