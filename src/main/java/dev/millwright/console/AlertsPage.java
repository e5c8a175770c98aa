package dev.millwright.console;

import dev.millwright.api.Caller;
import dev.millwright.config.spec.Durations;
import dev.millwright.store.AlertStore;
import io.javalin.http.Context;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Alerts on business state, grouped by rule; acknowledge; silences set and lifted. */
public final class AlertsPage {
    private static final int PAGE = 100;

    public record View(Page page, String state, Map<String, List<AlertStore.Alert>> byRule, List<AlertStore.Silence> silences, List<String> rules,
                Long next) {
    }

    private final Console console;
    private final AlertStore alerts;
    private final Set<String> rules;
    private final java.time.Clock clock;

    AlertsPage(Console console, AlertStore alerts, Set<String> rules, java.time.Clock clock) {
        this.clock = clock;
        this.console = console;
        this.alerts = alerts;
        this.rules = rules;
    }

    void list(Context ctx) {
        String state = ctx.queryParam("state") == null ? "firing" : ctx.queryParam("state");
        if (!List.of("firing", "resolved", "").contains(state)) throw ConsoleException.badRequest("state is firing, resolved or empty (both)");
        List<AlertStore.Alert> page = alerts.list(state.isEmpty() ? null : state, null, Caller.plants(ctx), Form.number(ctx.queryParam("after")),
                PAGE);
        Map<String, List<AlertStore.Alert>> byRule = new LinkedHashMap<>();
        for (AlertStore.Alert a : page) byRule.computeIfAbsent(a.rule(), r -> new java.util.ArrayList<>()).add(a);
        console.render(ctx, 200, "console/alerts.jte", new View(console.page(ctx, "alerts", "Alerts"), state, byRule, alerts.silences(),
                rules.stream().sorted().toList(), page.size() == PAGE ? page.getLast().id() : null));
    }

    void acknowledge(Context ctx) {
        long id = Form.number(ctx.pathParam("id"));
        AlertStore.Alert a = alerts.get(id).filter(x -> Caller.plants(ctx).allows(x.plant()))
                .orElseThrow(() -> ConsoleException.notFound("no alert " + id));
        String notice = alerts.acknowledge(a.id(), Caller.actor(ctx)).isPresent() ? "alert " + id + " acknowledged"
                : "alert " + id + " was acknowledged already by " + a.acknowledgedBy();
        Console.redirect(ctx, "/console/alerts", notice);
    }

    void silence(Context ctx) {
        String rule = ctx.formParam("rule"), key = ctx.formParam("key"), reason = ctx.formParam("reason"), span = ctx.formParam("for");
        if (rule == null || !rules.contains(rule)) throw ConsoleException.badRequest("no alert rule '" + Views.excerpt(rule, 60) + "'");
        if (reason == null || reason.isBlank()) throw ConsoleException.badRequest("say why the rule is silenced");
        Duration d = span == null ? null : Durations.parse(span);
        if (d == null || d.isZero() || d.isNegative()) throw ConsoleException.badRequest("'" + Views.excerpt(span, 20) + "' is not a duration (30m, 2h, 1d)");
        alerts.silence(rule, key == null || key.isBlank() ? null : key.strip(), clock.instant().plus(d), reason.strip(), Caller.actor(ctx));
        Console.redirect(ctx, "/console/alerts", "rule " + rule + " silenced for " + span);
    }

    void lift(Context ctx) {
        long id = Form.number(ctx.pathParam("id"));
        alerts.lift(id, Caller.actor(ctx)).orElseThrow(() -> ConsoleException.notFound("no active silence " + id));
        Console.redirect(ctx, "/console/alerts", "silence " + id + " lifted");
    }
}
