package dev.millwright.metrics;

import dev.millwright.store.DeliveryState;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.Settlement;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The hub's Prometheus metrics. Unfinished and dead delivery counts come from the database, refreshed on a timer. */
public final class HubMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter accepted = Counter.builder("millwright.events.accepted").description("Events accepted and stored").register(registry);
    private final Counter duplicates = Counter.builder("millwright.events.duplicates").description("Events acknowledged as repeats of stored ones").register(registry);
    private final Timer commit = Timer.builder("millwright.ingest.commit").description("Group commit duration").register(registry);
    private final Counter routed = Counter.builder("millwright.routing.events").description("Stored events turned into deliveries by the routing stage").register(registry);
    private final Timer routing = Timer.builder("millwright.routing.batch").description("One routing transaction").register(registry);
    private final AtomicLong ownedLanes = new AtomicLong();
    private final AtomicLong routingBacklog = new AtomicLong();
    private final AtomicLong inboxExpired = new AtomicLong();
    private final Map<String, AtomicLong> stateGauges = new ConcurrentHashMap<>();

    public HubMetrics() {
        Gauge.builder("millwright.delivery.lanes.owned", ownedLanes, AtomicLong::get)
                .description("Delivery lanes this node holds").register(registry);
        Gauge.builder("millwright.routing.backlog", routingBacklog, AtomicLong::get)
                .description("Stored events waiting for the routing stage").register(registry);
        Gauge.builder("millwright.flow.inbox.expired", inboxExpired, AtomicLong::get)
                .description("Events kept for flow waits that expired untaken").register(registry);
    }

    public void ingested(int acceptedCount, int duplicateCount, long nanos) {
        accepted.increment(acceptedCount);
        duplicates.increment(duplicateCount);
        commit.record(Duration.ofNanos(nanos));
    }

    public void routed(int events, long nanos) {
        routed.increment(events);
        routing.record(Duration.ofNanos(nanos));
    }

    public void settled(String target, List<Settlement> outcomes) {
        for (Settlement s : outcomes) {
            if (!s.attempted()) continue;
            String outcome = switch (s.state()) {
                case delivered -> "delivered";
                case dead -> "dead";
                default -> "retry";
            };
            meter(new Key("attempts", target, outcome), () -> Counter.builder("millwright.delivery.attempts")
                    .description("Delivery attempts by outcome").tag("target", target).tag("outcome", outcome).register(registry))
                    .increment();
        }
    }

    public void deliveryLatency(String target, Instant created, Instant delivered) {
        meter(new Key("latency", target, null), () -> Timer.builder("millwright.delivery.latency").description("From event accepted to delivered")
                .tag("target", target).publishPercentileHistogram().register(registry))
                .record(Duration.between(created, delivered));
    }

    /** One outbound call to a system (any outcome), for its latency. */
    public void call(String system, long nanos) {
        meter(new Key("call", system, null), () -> Timer.builder("millwright.connector.call").description("Outbound calls to a system, connect to last byte")
                .tag("system", system).register(registry)).record(Duration.ofNanos(nanos));
    }

    /**
     * Meters of every delivery and call, looked up once: building and registering one per call showed in profiles, and
     * so did a key made by joining strings (a new string hashed on every call; these strings keep their hashes).
     */
    private final Map<Key, Object> hot = new ConcurrentHashMap<>();

    private record Key(String kind, String a, String b) {
    }

    @SuppressWarnings("unchecked")
    private <M> M meter(Key key, java.util.function.Supplier<M> make) {
        Object m = hot.get(key);
        return (M) (m != null ? m : hot.computeIfAbsent(key, k -> make.get()));
    }

    /** A bulk call carrying {@code items} deliveries. */
    public void bulkCall(String system, int items) {
        io.micrometer.core.instrument.DistributionSummary.builder("millwright.connector.bulk.items")
                .description("Deliveries per bulk call").tag("system", system).register(registry).record(items);
    }

    /** Messages an inbound connector took from a system, by outcome (accepted, duplicate, rejected). */
    /** @param stage recorded (a span ended), exported, or failed (the collector refused it or could not be reached) */
    public void spans(String stage, int n) {
        if (n == 0) return;
        meter(new Key("spans", stage, null), () -> Counter.builder("millwright.trace.spans").description("Trace spans recorded and exported over OTLP")
                .tag("stage", stage).register(registry)).increment(n);
    }

    public void received(String system, String outcome, int n) {
        Counter.builder("millwright.connector.messages.in").description("Messages received from a system by inbound connectors")
                .tag("system", system).tag("outcome", outcome).register(registry).increment(n);
    }

    /** Messages an outbound connector published to a broker (MQTT, Kafka). */
    public void published(String system, int n) {
        Counter.builder("millwright.connector.messages.out").description("Messages published to a broker")
                .tag("system", system).register(registry).increment(n);
    }

    /** A connector lost its connection or failed to reach its peer. */
    public void connectorError(String system, String what) {
        Counter.builder("millwright.connector.errors").description("Connection failures and broker errors")
                .tag("system", system).tag("error", what).register(registry).increment();
    }

    /** A connector connected again after losing its peer. */
    public void reconnected(String system) {
        Counter.builder("millwright.connector.reconnects").description("Reconnections after a lost connection")
                .tag("system", system).register(registry).increment();
    }

    /** A flow instance started by a trigger or the API. */
    public void flowStarted(String flow) {
        flowCounter("millwright.flow.instances.started", flow, "Flow instances started").increment();
    }

    /** A trigger for a key whose instance is still active (ignored, noted in that instance's timeline). */
    public void flowDuplicateTrigger(String flow) {
        flowCounter("millwright.flow.triggers.duplicate", flow, "Triggers ignored because their key's instance is still active").increment();
    }

    /** A trigger or wait key expression that failed or found no key in an event: that event takes no part in the flow. */
    public void flowTriggerFailed(String flow) {
        flowCounter("millwright.flow.correlation.failures", flow, "Events a flow's trigger or wait could not compute a key for").increment();
    }

    /** An event kept in the correlation inbox for a flow's wait. */
    public void flowEventKept(String flow) {
        flowCounter("millwright.flow.inbox.kept", flow, "Events kept for flow waits").increment();
    }

    /** An instance ended (completed, failed, cancelled). */
    public void flowEnded(String flow, String state) {
        meter(new Key("flowEnded", flow, state), () -> Counter.builder("millwright.flow.instances.ended").description("Flow instances that ended, by state")
                .tag("flow", flow).tag("state", state).register(registry)).increment();
    }

    /** One step of a flow run (entered to completed), by kind. */
    public void flowStep(String flow, String kind, Duration took) {
        meter(new Key("flowStep", flow, kind), () -> Timer.builder("millwright.flow.step").description("Flow steps from entered to completed")
                .tag("flow", flow).tag("kind", kind).register(registry)).record(took);
    }

    private Counter flowCounter(String name, String flow, String description) {
        return meter(new Key(name, flow, null), () -> Counter.builder(name).description(description).tag("flow", flow).register(registry));
    }

    /** Kept events no wait took before they expired: never dropped silently (GET /api/v1/flow-inbox/expired lists them). */
    public void flowInboxExpired(long n) {
        inboxExpired.set(n);
    }

    /** Instances a flow started in the KPI window, by state. */
    public void flowInstances(String flow, String state, long n) {
        flowGauge("millwright.flow.instances", flow, "state", state, "Flow instances started in the last day, by state").set(n);
    }

    /** A flow KPI's median and 95th percentile over the last day, in seconds (absent values leave the gauge as it was). */
    public void flowKpi(String flow, String kpi, Double p50, Double p95) {
        if (p50 != null) flowGauge("millwright.flow.kpi.seconds.p50", flow, "kpi", kpi, "Flow KPI, median over the last day").set(Math.round(p50 * 1000));
        if (p95 != null) flowGauge("millwright.flow.kpi.seconds.p95", flow, "kpi", kpi, "Flow KPI, 95th percentile over the last day").set(Math.round(p95 * 1000));
    }

    /** A flow gauge. Values are longs: KPI gauges (named .seconds.) keep milliseconds and report seconds. */
    private AtomicLong flowGauge(String name, String flow, String tag, String value, String description) {
        return stateGauges.computeIfAbsent(name + "|" + flow + "|" + tag + "=" + value, k -> {
            AtomicLong v = new AtomicLong();
            boolean millis = name.contains(".seconds.");
            Gauge.builder(name, v, a -> millis ? a.get() / 1000.0 : a.get()).description(description).tag("flow", flow).tag(tag, value)
                    .register(registry);
            return v;
        });
    }

    private final AtomicLong alertExpectationsOpen = new AtomicLong();
    private final Map<String, AtomicLong> alertsFiring = new java.util.concurrent.ConcurrentHashMap<>();

    /** Alerts firing (fired, not resolved) per rule, and expectations open: refreshed by the node, never by a scrape. */
    public void alerts(java.util.Collection<String> rules, Map<String, Long> firing, long open) {
        if (alertsFiring.isEmpty() && !rules.isEmpty()) {
            Gauge.builder("millwright.alert.expectations.open", alertExpectationsOpen, AtomicLong::get)
                    .description("Expectations waiting for their milestone").register(registry);
        }
        alertExpectationsOpen.set(open);
        for (String rule : rules) {
            alertsFiring.computeIfAbsent(rule, r -> {
                AtomicLong v = new AtomicLong();
                Gauge.builder("millwright.alerts.firing", v, AtomicLong::get).description("Alerts fired and not resolved, by rule")
                        .tag("rule", r).register(registry);
                return v;
            }).set(firing.getOrDefault(rule, 0L));
        }
    }

    public void ownedLanes(int n) {
        ownedLanes.set(n);
    }

    /** Updates the deliveries-by-state and queue-depth gauges from a fresh count. */
    public void deliveryCounts(Set<String> targets, Map<String, Map<DeliveryState, Long>> counts) {
        for (String target : targets) {
            Map<DeliveryState, Long> byState = counts.getOrDefault(target, Map.of());
            long depth = 0;
            for (DeliveryState state : DeliveryState.values()) {
                if (state == DeliveryState.delivered) continue; // counted as attempts; a count of them would walk the whole table
                long n = byState.getOrDefault(state, 0L);
                gauge("millwright.deliveries", target, state.name(), "Deliveries by target and state").set(n);
                if (state == DeliveryState.pending || state == DeliveryState.failed || state == DeliveryState.in_flight) depth += n;
            }
            gauge("millwright.delivery.queue.depth", target, null, "Deliveries not yet delivered or dead").set(depth);
        }
    }

    private AtomicLong gauge(String name, String target, String state, String description) {
        return stateGauges.computeIfAbsent(name + "|" + target + "|" + state, k -> {
            AtomicLong value = new AtomicLong();
            var b = Gauge.builder(name, value, AtomicLong::get).description(description).tag("target", target);
            if (state != null) b.tag("state", state);
            b.register(registry);
            return value;
        });
    }

    public String scrape() {
        return registry.scrape();
    }

    /** Refreshes gauges from the store; called on a timer (never by a scrape). */
    public void refresh(DeliveryStore store, Set<String> targets) {
        deliveryCounts(targets, store.counts());
        routingBacklog.set(store.routingBacklog());
    }

    /**
     * Refreshes the delivery gauges (and whatever {@code more} refreshes) now and then every {@code interval} until closed,
     * or less often while a refresh is slow; a failed refresh keeps the last values.
     */
    public AutoCloseable refreshEvery(Duration interval, DeliveryStore store, Set<String> targets, Runnable more) {
        Thread t = Thread.ofVirtual().name("metrics-refresh").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                long started = System.nanoTime();
                try {
                    refresh(store, targets);
                    more.run();
                } catch (RuntimeException e) {
                    // The database is away: the gauges keep their last values until it is back.
                }
                try {
                    Thread.sleep(pauseAfter(interval, Duration.ofNanos(System.nanoTime() - started)));
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        return t::interrupt;
    }

    /**
     * Counting a large backlog costs the database (560 ms every 5 s while 800,000 deliveries waited, measured): the pause
     * after a refresh is at least 20 times what it took, so the gauges never use more than 5 % of a connection.
     */
    static Duration pauseAfter(Duration interval, Duration took) {
        Duration slow = took.multipliedBy(20);
        return slow.compareTo(interval) > 0 ? slow : interval;
    }
}
