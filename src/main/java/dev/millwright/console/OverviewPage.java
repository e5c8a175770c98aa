package dev.millwright.console;

import dev.millwright.api.ApiServer;
import dev.millwright.api.Caller;
import dev.millwright.config.SystemConfig;
import dev.millwright.flow.FlowEngine;
import dev.millwright.security.PlantScope;
import dev.millwright.store.AlertStore;
import dev.millwright.store.OverviewStore;
import io.javalin.http.Context;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The overview: traffic in and out, each system's backlog, latency and failures, flows and their KPIs, alerts firing. */
public final class OverviewPage {
    /** The windows offered: the last hour by minute, the last day by half hour. */
    public enum Window {
        hour(Duration.ofHours(1), Duration.ofMinutes(1)), day(Duration.ofDays(1), Duration.ofMinutes(30));

        final Duration span, bucket;

        Window(Duration span, Duration bucket) {
            this.span = span;
            this.bucket = bucket;
        }

        int buckets() {
            return (int) (span.toSeconds() / bucket.toSeconds());
        }
    }

    /** @param circuit this node's breaker for the system when not closed ("open", "half-open"), else null */
    public record SystemRow(String name, String chart, long delivered, String p50, String p99, long open, long failed, long dead, String oldestOpen,
                     String failureRate, String circuit) {
    }

    public record Overview(Page page, String window, String receivedChart, long received, List<SystemRow> systems, List<FlowEngine.FlowKpis> flows,
                    List<AlertStore.Alert> alerts) {
    }

    private final Console console;
    private final OverviewStore store;
    private final Map<String, SystemConfig> systems;
    private final FlowEngine flows;
    private final AlertStore alerts;
    private final Map<String, dev.millwright.delivery.Target> targets;
    private final Clock clock;

    OverviewPage(Console console, ApiServer.Deps d) {
        this.console = console;
        this.store = new OverviewStore(d.db().dataSource());
        this.systems = d.systems();
        this.flows = d.flows();
        this.alerts = d.alerts();
        this.targets = d.targets();
        this.clock = d.clock();
    }

    void show(Context ctx) {
        console.render(ctx, 200, "console/overview.jte", overview(ctx));
    }

    /** The figures alone, which the page fetches again every few seconds. */
    void live(Context ctx) {
        console.render(ctx, 200, "console/overview-live.jte", overview(ctx));
    }

    private Overview overview(Context ctx) {
        Window w = "day".equals(ctx.queryParam("window")) ? Window.day : Window.hour;
        PlantScope plants = Caller.plants(ctx);
        Instant now = clock.instant();
        Instant since = now.truncatedTo(ChronoUnit.MINUTES).minus(w.span).plus(w.bucket);
        OverviewStore.Figures f = store.figures(since, w.bucket, w.buckets(), now, plants);
        List<SystemRow> rows = new ArrayList<>();
        for (SystemConfig s : systems.values()) {
            if (!Caller.sees(ctx, s) && !f.systems().containsKey(s.name())) continue;
            OverviewStore.SystemFigures sf = f.systems().get(s.name());
            var target = targets.get(s.name());
            String circuit = target == null ? null : target.circuit();
            if (sf == null) {
                rows.add(new SystemRow(s.name(), Svg.bars(new long[w.buckets()], 240, 32, "delivered"), 0, "–", "–", 0, 0, 0, "–", "–", circuit));
                continue;
            }
            rows.add(new SystemRow(s.name(), Svg.bars(sf.delivered, 240, 32, "delivered"), sf.deliveredTotal, seconds(sf.p50Seconds),
                    seconds(sf.p99Seconds), sf.open(), sf.backlog.getOrDefault(dev.millwright.store.DeliveryState.failed, 0L), sf.dead(),
                    sf.oldestOpen == null ? "–" : Views.age(Duration.between(sf.oldestOpen, now)),
                    sf.failureRate() == null ? "–" : String.format(java.util.Locale.ROOT, "%.1f %%", sf.failureRate() * 100), circuit));
        }
        long received = 0;
        for (long v : f.received()) received += v;
        return new Overview(console.page(ctx, "overview", "Overview"), w.name(), Svg.bars(f.received(), 480, 48, "events received"), received,
                rows, flows.kpis(now.minus(FlowEngine.KPI_WINDOW), plants, false), alerts.list("firing", null, plants, 0, 20));
    }

    private static String seconds(Double s) {
        if (s == null) return "–";
        return s < 1 ? Math.round(s * 1000) + " ms" : String.format(java.util.Locale.ROOT, "%.1f s", s);
    }
}
