package dev.millwright.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.api.ApiServer;
import dev.millwright.api.Caller;
import dev.millwright.event.Json;
import dev.millwright.operations.Operations;
import dev.millwright.store.Attempt;
import dev.millwright.store.DeliveryFilter;
import dev.millwright.store.DeliveryState;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.DeliveryView;
import dev.millwright.store.InboundFailureStore;
import io.javalin.http.Context;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Failures where they are seen: dead and failed deliveries and inbound payloads that could not be mapped, filtered;
 * one delivery's payload and answers; retry one, a selection or everything matching; edit a payload before retrying;
 * replay with a dry run first.
 */
public final class FailuresPage {
    private static final int PAGE = 50;

    /** The list's filter, as the form sends it (empty fields match anything). */
    public record Filter(String state, String system, String type, String reason, String from, String to) {
        public String query() {
            return "state=" + Views.url(state) + "&system=" + Views.url(system) + "&type=" + Views.url(type) + "&reason=" + Views.url(reason)
                    + "&from=" + Views.url(from) + "&to=" + Views.url(to);
        }
    }

    public record ListView(Page page, Filter filter, List<String> systems, List<DeliveryView> deliveries, Long next, List<InboundFailureStore.Failure> inbound,
                           List<DeliveryStore.RetryBatch> batches, List<dev.millwright.store.FlowStore.Instance> failedSteps) {
    }

    public record DeliveryPage(Page page, DeliveryView delivery, String payload, boolean edited, List<Attempt> attempts, String problem) {
        public boolean retryable() {
            return delivery.state() == DeliveryState.dead || delivery.state() == DeliveryState.failed;
        }
    }

    public record ReplayView(Page page, List<String> subscriptions, Map<String, String> form, Operations.DryRun dryRun, String problem) {
    }

    private final Console console;
    private final DeliveryStore deliveries;
    private final Operations operations;
    private final InboundFailureStore inbound;
    private final Map<String, dev.millwright.config.SystemConfig> systems;
    private final dev.millwright.flow.FlowEngine flows;

    FailuresPage(Console console, ApiServer.Deps d) {
        this.console = console;
        this.deliveries = d.deliveries();
        this.operations = d.operations();
        this.inbound = d.inboundFailures();
        this.systems = d.systems();
        this.flows = d.flows();
    }

    void list(Context ctx) {
        Filter f = filter(ctx);
        long after = Form.number(ctx.queryParam("after"));
        List<DeliveryView> page = deliveries.search(deliveryFilter(ctx, f, null), after, PAGE);
        List<String> seen = systems.values().stream().filter(s -> Caller.sees(ctx, s)).map(dev.millwright.config.SystemConfig::name).toList();
        List<InboundFailureStore.Failure> failures = after == 0 ? inbound.list(f.system().isEmpty() ? null : f.system(), seen, "open", 0, 20) : List.of();
        console.render(ctx, 200, "console/failures.jte", new ListView(console.page(ctx, "failures", "Failures"), f,
                systems.keySet().stream().sorted().toList(), page, page.size() == PAGE ? page.getLast().id() : null, failures,
                after == 0 ? deliveries.batches(null, 20).stream().filter(b -> b.visibleTo(Caller.plants(ctx))).limit(5).toList() : List.of(),
                after == 0 ? flows.instances(null, "failed", null, Caller.plants(ctx), 0, 20) : List.of()));
    }

    /** Retries the selected deliveries, or (with no selection) every one matching the filter. */
    void retryMatching(Context ctx) {
        Filter f = filter(ctx);
        List<Long> ids = new ArrayList<>();
        for (String id : ctx.formParams("id")) ids.add(Form.number(id));
        if (ids.isEmpty() && !"all".equals(ctx.formParam("scope"))) throw ConsoleException.badRequest("select deliveries to retry, or retry all matching");
        Operations.Batch batch = operations.retryMatching(deliveryFilter(ctx, f, ids.isEmpty() ? null : ids), Caller.actor(ctx));
        int n = batch.retried();
        Console.redirect(ctx, "/console/retry-batches/" + batch.id(), n + (n == 1 ? " delivery" : " deliveries") + " queued for another attempt");
    }

    /** A retry batch's progress; the page asks again every two seconds until every delivery it put back has ended. */
    void batch(Context ctx) {
        long id = Form.number(ctx.pathParam("id"));
        DeliveryStore.RetryBatch b = deliveries.batches(List.of(id), 1).stream().findFirst().filter(x -> x.visibleTo(Caller.plants(ctx)))
                .orElseThrow(() -> ConsoleException.notFound("no retry batch " + id));
        console.render(ctx, 200, ctx.queryParam("live") != null ? "console/retry-batch-progress.jte" : "console/retry-batch.jte",
                new BatchView(console.page(ctx, "failures", "Retry batch " + id), b));
    }

    public record BatchView(Page page, DeliveryStore.RetryBatch batch) {
    }

    void delivery(Context ctx) {
        console.render(ctx, 200, "console/delivery.jte", deliveryPage(ctx, visible(ctx), null));
    }

    void retry(Context ctx) {
        DeliveryView d = visible(ctx);
        if (!operations.retry(d.id(), Caller.actor(ctx))) {
            throw new ConsoleException(409, "Not retryable", "delivery " + d.id() + " is " + d.state() + "; only dead or failed deliveries can be retried");
        }
        Console.redirect(ctx, back(ctx, "/console/deliveries/" + d.id()), "delivery " + d.id() + " queued for another attempt");
    }

    /** The corrected CloudEvent is kept beside the original; the audit trail records the difference. */
    void editPayload(Context ctx) {
        DeliveryView d = visible(ctx);
        String text = ctx.formParam("payload");
        JsonNode edited;
        try {
            edited = text == null ? null : Json.MAPPER.readTree(text);
        } catch (IOException e) {
            edited = null;
        }
        if (edited == null || !edited.isObject()) {
            console.render(ctx, 400, "console/delivery.jte", deliveryPage(ctx, d, "the payload must be a JSON object (a CloudEvent)"));
            return;
        }
        Operations.Edit e = operations.editPayload(d.id(), edited, Caller.actor(ctx));
        if (e.refused() != null) {
            console.render(ctx, 409, "console/delivery.jte", deliveryPage(ctx, d, e.refused()));
            return;
        }
        Console.redirect(ctx, "/console/deliveries/" + d.id(), "payload saved (" + (e.diff().isEmpty() ? "no change" : String.join("; ", e.diff()))
                + "); retry to send it");
    }

    void replayForm(Context ctx) {
        console.render(ctx, 200, "console/replay.jte", new ReplayView(console.page(ctx, "failures", "Replay"), operations.subscriptions(),
                Map.of(), null, null));
    }

    /** A dry run counts what a replay would do; only the second, confirmed post replays. */
    void replay(Context ctx) {
        Map<String, String> form = new java.util.LinkedHashMap<>();
        for (String k : List.of("subscription", "type", "subject", "from", "to", "newKeys")) {
            String v = ctx.formParam(k);
            form.put(k, v == null ? "" : v.strip());
        }
        Page page = console.page(ctx, "failures", "Replay");
        Operations.ReplayRequest request;
        try {
            request = new Operations.ReplayRequest(form.get("subscription"), Form.blank(form.get("type")), Form.blank(form.get("subject")),
                    instant(form.get("from")), instant(form.get("to")), "on".equals(form.get("newKeys")), Caller.plants(ctx));
        } catch (DateTimeParseException e) {
            console.render(ctx, 400, "console/replay.jte", new ReplayView(page, operations.subscriptions(), form, null,
                    "from and to are times such as 2026-12-01T08:00:00Z"));
            return;
        }
        if (!"replay".equals(ctx.formParam("action"))) {
            var dry = operations.dryRun(request);
            console.render(ctx, dry.isPresent() ? 200 : 404, "console/replay.jte", new ReplayView(page, operations.subscriptions(), form,
                    dry.orElse(null), dry.isPresent() ? null : "no subscription '" + form.get("subscription") + "'"));
            return;
        }
        var result = operations.replay(request, Caller.actor(ctx))
                .orElseThrow(() -> ConsoleException.notFound("no subscription '" + form.get("subscription") + "'"));
        Console.redirect(ctx, "/console/failures?state=&system=&type=&reason=&from=&to=", "replay " + result.replayId() + ": "
                + result.deliveries() + " deliveries queued");
    }

    private DeliveryPage deliveryPage(Context ctx, DeliveryView d, String problem) {
        var shown = deliveries.payload(d.id());
        return new DeliveryPage(console.page(ctx, "failures", "Delivery " + d.id()), d, shown.map(s -> Views.pretty(s.body())).orElse(null),
                shown.map(DeliveryStore.Shown::edited).orElse(false), deliveries.attempts(d.id()), problem);
    }

    private DeliveryView visible(Context ctx) {
        long id = Form.number(ctx.pathParam("id"));
        DeliveryView d = deliveries.byId(id).orElseThrow(() -> ConsoleException.notFound("no delivery " + ctx.pathParam("id")));
        if (!Caller.plants(ctx).allows(d.plant())) throw ConsoleException.notFound("no delivery " + id);
        return d;
    }

    private static Filter filter(Context ctx) {
        String state = param(ctx, "state");
        return new Filter(ctx.queryParam("state") == null && ctx.formParam("state") == null ? "dead" : state, param(ctx, "system"),
                param(ctx, "type"), param(ctx, "reason"), param(ctx, "from"), param(ctx, "to"));
    }

    private static DeliveryFilter deliveryFilter(Context ctx, Filter f, List<Long> ids) {
        DeliveryState state;
        try {
            state = f.state().isEmpty() ? null : DeliveryState.parse(f.state());
        } catch (IllegalArgumentException e) {
            throw ConsoleException.badRequest(e.getMessage());
        }
        try {
            return new DeliveryFilter(state, Form.blank(f.system()), null, null, Form.blank(f.reason()), Caller.plants(ctx), Form.blank(f.type()),
                    instant(f.from()), instant(f.to()), ids);
        } catch (DateTimeParseException e) {
            throw ConsoleException.badRequest("from and to are times such as 2026-12-01T08:00:00Z");
        }
    }

    private static String param(Context ctx, String name) {
        String v = "GET".equals(ctx.method().name()) ? ctx.queryParam(name) : ctx.formParam(name);
        return v == null ? "" : v.strip();
    }


    private static Instant instant(String s) {
        return s == null || s.isBlank() ? null : Instant.parse(s);
    }

    /** Where a form came from (a console page), to return there. */
    static String back(Context ctx, String fallback) {
        String from = ctx.formParam("back");
        return from != null && from.startsWith("/console") && !from.contains("//") ? from : fallback;
    }
}
