package dev.millwright.hub;

import dev.millwright.outbound.http.HttpTarget;
import dev.millwright.inbound.http.WebhookReceiver;
import dev.millwright.alerts.Alerts;
import dev.millwright.routing.RoutedEvents;
import dev.millwright.delivery.RedactingTarget;
import dev.millwright.security.Redactor;
import dev.millwright.config.ConfigHash;
import dev.millwright.security.Authenticator;
import dev.millwright.security.OidcVerifier;
import dev.millwright.store.Actor;
import dev.millwright.store.Jdbc;
import dev.millwright.store.AuditStore;
import dev.millwright.store.TokenStore;
import dev.millwright.api.ApiServer;
import dev.millwright.api.Auth;
import dev.millwright.config.HubSettings;
import dev.millwright.config.PlantConfig;
import dev.millwright.config.SystemConfig;
import dev.millwright.contracts.ContractCatalog;
import dev.millwright.contracts.Contracts;
import dev.millwright.contracts.Upcasting;
import dev.millwright.delivery.DeliveryEngine;
import dev.millwright.delivery.Target;
import dev.millwright.delivery.Targets;
import dev.millwright.delivery.WorkSignal;
import dev.millwright.flow.FlowCatalog;
import dev.millwright.flow.FlowEngine;
import dev.millwright.inbound.InboundConnector;
import dev.millwright.inbound.Inbox;
import dev.millwright.inbound.Readers;

import dev.millwright.store.InboundFailureStore;
import dev.millwright.store.XrefStore;
import dev.millwright.mapping.MappingFunctions;
import dev.millwright.mapping.Mappings;
import dev.millwright.xref.Xref;
import dev.millwright.ingest.CloudEventReader;
import dev.millwright.ingest.IngestService;
import dev.millwright.ingest.IntakeFirst;
import dev.millwright.maintenance.RetentionJob;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.operations.Operations;
import dev.millwright.routing.Outbox;
import dev.millwright.routing.Router;
import dev.millwright.routing.RoutingStage;
import dev.millwright.store.Database;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.EventStore;
import dev.millwright.store.LeaseStore;
import dev.millwright.store.NodeLiveness;
import dev.millwright.store.RateLimitStore;
import dev.millwright.store.SettingsStore;
import dev.millwright.tracing.OtlpTracing;
import dev.millwright.tracing.Tracing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One hub node: wires the pipeline (ingest → route → deliveries → lanes → targets) and the API on a
 * database it is given. Any number of nodes can run on one database.
 */
public final class Hub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Hub.class);
    /** How often delivery counts behind /metrics are taken from the database (scrapes only read them). */
    private static final java.time.Duration METRICS_REFRESH = java.time.Duration.ofSeconds(5);
    /** Queued intake commits one routing transaction takes (a commit holds up to ingest.maxGroupEvents events). */
    private static final int ROUTING_COMMITS = 20;

    private final String node;
    private final HubSettings settings;
    private final WorkSignal signal;
    private final DeliveryEngine engine;
    private final IngestService ingest;
    private final RoutingStage routing;
    private final FlowEngine flows;
    private final Alerts alerts;
    private final RetentionJob retention;
    private final ApiServer api;
    /** Inbound readers (folders, MQTT sessions); each reads on the one node holding its lease. */
    private final List<InboundConnector> inbound;
    private final Xref xref;
    private final NodeLiveness liveness;
    private final AutoCloseable metricsRefresh;
    private volatile boolean accepting = true;
    private final Tracing tracing;

    /** How often each node looks for expectations that came due (an alert fires within this of its due time). */
    private static final java.time.Duration ALERT_EVALUATION = java.time.Duration.ofSeconds(1);

    private Hub(PlantConfig plant, Database db, List<String> adminTokens, Clock clock, Clock flowClock, String node) {
        this.node = node;
        this.settings = plant.hub();
        // What has been started so far, stopped in reverse order if a later part fails to start.
        Deque<AutoCloseable> started = new ArrayDeque<>();
        try {
            HubMetrics metrics = new HubMetrics();
            Tracing tracing = settings.tracing().otlp() == null ? Tracing.OFF
                    : started(started, new OtlpTracing(settings.tracing(), settings.plant(), metrics));
            this.tracing = tracing;
            EventStore events = new EventStore(db.dataSource());
            DeliveryStore deliveries = new DeliveryStore(db.dataSource(), db.cachedPlanDataSource());
            LeaseStore leases = new LeaseStore(db.dataSource());
            RateLimitStore rateLimits = new RateLimitStore(db.lazyDataSource());
            Integer storedLanes = new SettingsStore(db.dataSource()).agreeOnLanes(settings.delivery().lanes());
            if (storedLanes != null && storedLanes != settings.delivery().lanes()) {
                log.info("delivery.lanes changed from {} to {} (no delivery was unfinished)", storedLanes, settings.delivery().lanes());
            }
            recordConfigLoad(db, plant, node);
            String xrefChannel = Xref.channel(db.schema());
            this.xref = started(started, new Xref(db, new XrefStore(db.dataSource(), xrefChannel), xrefChannel));
            if (!plant.xrefSeed().isEmpty()) {
                var seeded = xref.store().importRows(plant.xrefSeed(), Actor.of("node " + node + ": plant folder xref/"));
                xref.clear();
                log.info("cross-reference seed from xref/: {} added, {} changed, {} unchanged, {} rejected", seeded.added(), seeded.changed(),
                        seeded.unchanged(), seeded.rejected().size());
                seeded.rejected().forEach(r -> log.warn("xref/ seed row at line {} not imported: {}", r.line(), r.reason()));
            }
            // Mappings may $fetch from the HTTP targets, which themselves run mappings: the map is filled just below.
            Map<String, HttpTarget> fetchers = new LinkedHashMap<>();
            MappingFunctions functions = new MappingFunctions(xref, plant.valueMaps(), clock, settings.plant(), fetchers);
            Mappings mappings = new Mappings(plant.mappings(), functions);
            Map<String, Target> targets = new LinkedHashMap<>();
            Redactor redactor = Redactor.of(plant.systems().values());
            for (SystemConfig s : plant.systems().values()) {
                Target target = Targets.of(s, clock, rateLimits, mappings, metrics);
                if (target != null) targets.put(s.name(), started(started, new RedactingTarget(target, redactor)));
                if (target instanceof HttpTarget http) fetchers.put(s.name(), http);
            }
            int orphaned = deliveries.deadForMissingSystems(targets.keySet());
            if (orphaned > 0) log.warn("{} unfinished deliveries were for systems this plant no longer has: they are dead, with that reason", orphaned);
            Router router = new Router(plant.subscriptions(), settings.delivery().lanes());
            ContractCatalog catalog = ContractCatalog.builtIn().withPlantContracts(plant.contracts());
            Upcasting upcasting = Upcasting.builtIn(catalog);
            this.liveness = started(started, new NodeLiveness(db, node));
            IntakeFirst intakeFirst = new IntakeFirst(settings.ingest().routingFloor());
            this.engine = started(started, new DeliveryEngine(node, settings.delivery(), targets, deliveries, leases, liveness, metrics, tracing, clock,
                    upcasting::toLatest, intakeFirst));
            // The routing stage needs the outbox, which wakes the routing stage: the stage is filled in just below.
            RoutingStage[] routingStage = new RoutingStage[1];
            Runnable wakeRouting = () -> {
                RoutingStage r = routingStage[0];
                if (r != null) r.wake();
            };
            this.signal = started(started, new WorkSignal(db, node, engine::wake, engine::wakeAll, wakeRouting));
            FlowCatalog flowCatalog = new FlowCatalog(plant.flows()).register(db.dataSource());
            Outbox outbox = new Outbox(router, type -> flowCatalog.takes(type) || Alerts.takes(plant.alerts(), type), signal, wakeRouting);
            Contracts contracts = new Contracts(catalog, settings.contracts().allowUnknownTypes());
            this.flows = new FlowEngine(db, flowCatalog, functions, contracts, fetchers, outbox, metrics, flowClock, settings.plant(), node,
                    new FlowEngine.Settings(settings.flows().workers(), settings.flows().batch(), settings.flows().pollInterval()));
            this.ingest = started(started, new IngestService(db.dataSource(), outbox, metrics, tracing, settings.ingest().groupCommitWindow(),
                    settings.ingest().maxGroupEvents(), settings.ingest().writers()));
            intakeFirst.watch(ingest);
            Alerts alerts = this.alerts = started(started, new Alerts(plant.alerts(), plant.systems().values().stream().collect(java.util.stream.Collectors.toMap(
                    SystemConfig::name, SystemConfig::plants)), db.dataSource(), outbox, metrics, clock, ALERT_EVALUATION));
            var intake = flows.intake();
            RoutedEvents routed = (c, e, seq, wakes) -> {
                intake.take(c, e, seq, wakes);
                alerts.take(c, e, seq, wakes);
            };
            this.routing = routingStage[0] = started(started, new RoutingStage(db.lazyDataSource(), outbox, routed, metrics, ROUTING_COMMITS,
                    settings.delivery().pollInterval(), intakeFirst));
            ingest.onRoom(wakeRouting);
            started(started, flows.start());
            this.metricsRefresh = started(started, metrics.refreshEvery(METRICS_REFRESH, deliveries, targets.keySet(), () -> {
                flows.refreshMetrics();
                alerts.refreshMetrics();
            }));
            this.retention = started(started, new RetentionJob(settings.retention(), deliveries, events, leases, db.dataSource(), node, clock));
            Operations operations = new Operations(db.dataSource(), outbox);
            InboundFailureStore inboundFailures = new InboundFailureStore(db.dataSource());
            Inbox inbox = new Inbox(mappings, new CloudEventReader(settings.http().maxBatchEvents()), contracts, ingest,
                    inboundFailures, metrics, plant.systems());
            var webhooks = new WebhookReceiver(plant.systems(), inbox, clock);
            List<InboundConnector.Reader> readers = new ArrayList<>();
            for (SystemConfig s : plant.systems().values()) readers.addAll(Readers.of(s, inbox, clock, metrics));
            List<InboundConnector> connectors = new ArrayList<>();
            for (InboundConnector.Reader r : readers) {
                connectors.add(started(started, new InboundConnector(r, leases, node, settings.delivery().leaseTtl(), clock, metrics).start()));
            }
            this.inbound = List.copyOf(connectors);
            var deps = new ApiServer.Deps(db, events, deliveries, ingest, contracts, webhooks, operations, metrics, targets,
                    new Auth(new Authenticator(adminTokens, plant.systems(), new TokenStore(db.dataSource()),
                            settings.security().oidc() == null ? null : new OidcVerifier(settings.security().oidc()), clock),
                            settings.security(), db.dataSource()), () -> accepting, inboundFailures, inbox, plant.systems(),
                    () -> inbound.stream().map(InboundConnector::status).toList(), xref, readers, flows, alerts.store(),
                    plant.alerts().stream().map(dev.millwright.config.AlertRule::name).collect(java.util.stream.Collectors.toUnmodifiableSet()),
                    plant.valueMaps(), clock);
            this.api = new ApiServer(deps, settings.http()).start();
        } catch (RuntimeException e) {
            while (!started.isEmpty()) {
                try {
                    started.pop().close();
                } catch (Exception closing) {
                    e.addSuppressed(closing);
                }
            }
            throw StartFailure.of(e, settings.http());
        }
        if (!adminTokens.isEmpty()) {
            log.info("the bootstrap admin token is accepted as an admin of every plant (audited as bootstrap-admin): use it to create "
                    + "identities (millwright token create, or an identity provider) and keep it for first use and emergencies");
        }
        log.info("hub node {} for plant '{}' listening on {}://{}:{}", node, settings.plant(), settings.http().tls() == null ? "http" : "https", settings.http().host(), api.port());
    }

    private static <T extends AutoCloseable> T started(Deque<AutoCloseable> started, T part) {
        started.push(part);
        return part;
    }

    /** Every start is a configuration load: audited with the folder's content hash, so what ran when can be shown. */
    private static void recordConfigLoad(Database db, PlantConfig plant, String node) {
        String hash = plant.dir() == null ? null : ConfigHash.of(plant.dir());
        Jdbc.inTransaction(db.dataSource(), c -> {
            AuditStore.record(c, Actor.of("node " + node), "config.load", AuditStore.change("plant " + plant.hub().plant(), null,
                    java.util.Map.of("folder", String.valueOf(plant.dir()), "sha256", String.valueOf(hash))));
            return null;
        });
    }

    public static Hub start(PlantConfig plant, Database db, List<String> adminTokens, Clock clock) {
        return new Hub(plant, db, adminTokens, clock, clock, newNodeId());
    }

    /**
     * A hub whose flows keep time by {@code flowClock} (their timers, timeouts and kept events), so a flow test can move
     * time on without moving the delivery path's retry times, which the database's clock also judges.
     */
    public static Hub start(PlantConfig plant, Database db, List<String> adminTokens, Clock clock, Clock flowClock) {
        return new Hub(plant, db, adminTokens, clock, flowClock, newNodeId());
    }

    static String newNodeId() {
        return ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public int port() {
        return api.port();
    }

    public String node() {
        return node;
    }

    public ApiServer api() {
        return api;
    }

    public DeliveryEngine engine() {
        return engine;
    }

    public FlowEngine flows() {
        return flows;
    }

    /**
     * Graceful stop: refuse new events, commit what was accepted, let in-flight deliveries finish (up to
     * the drain timeout), release lanes so other nodes take them at once, then close the listener.
     */
    @Override
    public void close() {
        accepting = false;
        log.info("hub node {} draining", node);
        inbound.forEach(InboundConnector::close);
        xref.close();
        ingest.close();
        routing.close(); // after intake, so it routes what intake committed last
        flows.close(); // after routing, so instances it started or woke last are advanced by whichever node runs next
        alerts.close();
        retention.close();
        try {
            metricsRefresh.close();
        } catch (Exception ignored) {
            // interrupting a thread does not fail
        }
        engine.close();
        liveness.close();
        signal.close();
        api.close();
        tracing.close(); // last: it flushes the spans of everything above
        log.info("hub node {} stopped", node);
    }
}
