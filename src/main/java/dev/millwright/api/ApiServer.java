package dev.millwright.api;

import dev.millwright.inbound.http.WebhookReceiver;
import dev.millwright.health.Health;
import dev.millwright.event.Json;
import dev.millwright.contracts.Contracts;
import dev.millwright.ingest.RejectedInput;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.operations.Operations;
import dev.millwright.store.Database;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.EventStore;
import dev.millwright.store.StoreException;
import dev.millwright.security.Permission;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** The hub's HTTP surface: ingest, event log, operations, health, metrics and the OpenAPI document. */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

    /** Everything the routes need. */
    public record Deps(Database db, EventStore events, DeliveryStore deliveries,
                       dev.millwright.ingest.IngestService ingest, Contracts contracts, dev.millwright.inbound.http.WebhookReceiver webhooks,
                       Operations operations, HubMetrics metrics,
                       Map<String, dev.millwright.delivery.Target> targets, Auth auth, BooleanSupplier ready,
                       dev.millwright.store.InboundFailureStore inboundFailures, dev.millwright.inbound.Inbox inbox,
                       Map<String, dev.millwright.config.SystemConfig> systems,
                       java.util.function.Supplier<List<dev.millwright.inbound.InboundConnector.Status>> connectors,
                       dev.millwright.xref.Xref xref, List<dev.millwright.inbound.InboundConnector.Reader> readers,
                       dev.millwright.flow.FlowEngine flows, dev.millwright.store.AlertStore alerts,
                       java.util.Set<String> alertRules, Map<String, dev.millwright.mapping.ValueMap> valueMaps, java.time.Clock clock) {
    }

    /** One endpoint with its access rule; the OpenAPI document must list exactly these. */
    public record Route(String method, String path, Access access, Handler handler) {
        public Route {
            java.util.Objects.requireNonNull(access, "route " + method + " " + path + " has no access rule");
        }

        /** The rule as the authorization test reads it: the permission (null: open) and what the objects belong to. */
        public String permission() {
            return access.permission() == null ? null : access.permission().name();
        }

        public String reach() {
            return access.reach().name();
        }
    }

    private final Javalin app;
    private final List<Route> routes;
    private final dev.millwright.console.Console console;

    public ApiServer(Deps d, dev.millwright.config.HubSettings.Http http) {
        int maxBodyBytes = http.maxBodyBytes(), maxBatchEvents = http.maxBatchEvents();
        EventsApi events = new EventsApi(d.ingest(), d.events(), d.contracts(), d.webhooks(), maxBatchEvents, maxBodyBytes);
        ContractsApi contracts = new ContractsApi(d.contracts());
        DeliveriesApi deliveries = new DeliveriesApi(d.deliveries(), d.operations());
        InboundApi inbound = new InboundApi(d.inboundFailures(), d.inbox(), d.systems(), d.connectors());
        XrefApi xref = new XrefApi(d.xref());
        FlowsApi flows = new FlowsApi(d.flows());
        TransactionsApi transactions = new TransactionsApi(new dev.millwright.operations.Transactions(d.events(), d.deliveries(), d.flows(), d.alerts(), d.db().dataSource()));
        AuditApi audit = new AuditApi(d.db().dataSource());
        String openApi = resource("/openapi.json");
        AlertsApi alerts = new AlertsApi(d.alerts(), d.alertRules());
        TokensApi tokens = new TokensApi(new dev.millwright.store.TokenStore(d.db().dataSource()), d.auth().authenticator());
        Permission read = Permission.READ, operate = Permission.OPERATE, integrate = Permission.INTEGRATE;
        this.routes = List.of(
                new Route("POST", "/api/v1/events", Access.plant(Permission.INGEST), events::ingest),
                // Inbound webhooks authenticate with the sending system's own credentials (its signature or token).
                new Route("POST", "/api/v1/inbound/{system}", Access.OPEN, events::inbound),
                new Route("GET", "/api/v1/events", Access.plant(read), events::search),
                new Route("GET", "/api/v1/events/{id}", Access.plant(read), events::get),
                new Route("GET", "/api/v1/deliveries", Access.plant(read), deliveries::search),
                new Route("GET", "/api/v1/deliveries/{id}", Access.plant(read), deliveries::get),
                new Route("POST", "/api/v1/deliveries/retry", Access.plant(operate), deliveries::retryMatching),
                new Route("GET", "/api/v1/retry-batches", Access.plant(read), deliveries::batches),
                new Route("GET", "/api/v1/retry-batches/{id}", Access.plant(read), deliveries::batch),
                new Route("POST", "/api/v1/deliveries/{id}/retry", Access.plant(operate), deliveries::retry),
                new Route("PUT", "/api/v1/deliveries/{id}/payload", Access.plant(operate), deliveries::editPayload),
                new Route("POST", "/api/v1/replays", Access.plant(operate), deliveries::replay),
                new Route("GET", "/api/v1/inbound-failures", Access.plant(read), inbound::search),
                new Route("GET", "/api/v1/inbound-failures/{id}", Access.plant(read), inbound::get),
                new Route("POST", "/api/v1/inbound-failures/{id}/retry", Access.plant(operate), inbound::retry),
                new Route("GET", "/api/v1/connectors", Access.plant(read), inbound::connectors),
                new Route("GET", "/api/v1/xref/resolve", Access.plant(read), xref::resolve),
                new Route("POST", "/api/v1/xref/import", Access.plant(integrate), xref::importCsv),
                new Route("GET", "/api/v1/xref/{entityType}/{canonicalId}", Access.plant(read), xref::get),
                new Route("PUT", "/api/v1/xref/{entityType}/{canonicalId}", Access.plant(integrate), xref::put),
                new Route("DELETE", "/api/v1/xref/{entityType}/{canonicalId}", Access.plant(integrate), xref::delete),
                new Route("GET", "/api/v1/flows", Access.any(read), flows::definitions),
                new Route("POST", "/api/v1/flows/{name}/instances", Access.plant(operate), flows::start),
                new Route("GET", "/api/v1/flow-instances", Access.plant(read), flows::list),
                new Route("GET", "/api/v1/flow-instances/{id}", Access.plant(read), flows::get),
                new Route("POST", "/api/v1/flow-instances/{id}/signal", Access.plant(operate), flows::signal),
                new Route("POST", "/api/v1/flow-instances/{id}/retry-step", Access.plant(operate), flows::retry),
                new Route("POST", "/api/v1/flow-instances/{id}/cancel", Access.plant(operate), flows::cancel),
                new Route("GET", "/api/v1/flow-inbox/expired", Access.plant(read), flows::expired),
                new Route("GET", "/api/v1/transactions/{key}", Access.plant(read), transactions::get),
                new Route("GET", "/api/v1/audit", Access.hub(read), audit::search),
                new Route("GET", "/api/v1/audit/verify", Access.hub(read), audit::verify),
                new Route("GET", "/api/v1/tokens", Access.hub(Permission.ADMIN), tokens::list),
                new Route("POST", "/api/v1/tokens", Access.hub(Permission.ADMIN), tokens::create),
                new Route("DELETE", "/api/v1/tokens/{name}", Access.hub(Permission.ADMIN), tokens::revoke),
                new Route("GET", "/api/v1/kpis", Access.plant(read), flows::kpis),
                new Route("GET", "/api/v1/alerts", Access.plant(read), alerts::list),
                new Route("GET", "/api/v1/alerts/{id}", Access.plant(read), alerts::get),
                new Route("POST", "/api/v1/alerts/{id}/acknowledge", Access.plant(operate), alerts::acknowledge),
                // A silence covers a rule across plants: operators of every plant set and lift them.
                new Route("GET", "/api/v1/alert-silences", Access.any(read), alerts::silences),
                new Route("POST", "/api/v1/alert-silences", Access.hub(operate), alerts::silence),
                new Route("POST", "/api/v1/alert-silences/{id}/lift", Access.hub(operate), alerts::lift),
                new Route("GET", "/api/v1/systems/{name}/health", Access.plant(read), ctx -> systemHealth(ctx, d)),
                new Route("GET", "/api/v1/contracts", Access.any(read), contracts::list),
                new Route("GET", "/api/v1/contracts/{type}/{version}", Access.any(read), contracts::get),
                new Route("GET", "/api/v1/openapi.json", Access.OPEN, ctx -> ctx.contentType("application/json").result(openApi)),
                new Route("GET", "/health/live", Access.OPEN, ctx -> JsonBody.send(ctx, 200, Map.of("status", "up"))),
                new Route("GET", "/health/ready", Access.OPEN, ctx -> ready(ctx, d)),
                // Scrapes read the gauges as the node's refresher last set them: a scrape never queries the database.
                new Route("GET", "/metrics", Access.hub(read),
                        ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(d.metrics().scrape())));
        this.console = new dev.millwright.console.Console(d);
        this.app = Javalin.create(config -> {
            config.jetty.addConnector((server, httpConfig) -> connector(server, httpConfig, http));
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = maxBodyBytes;
            config.startup.showJavalinBanner = false;
            config.jetty.modifyServer(server -> server.setErrorHandler(new ProblemErrorHandler()));
            config.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(new ProblemErrorHandler()));
            for (Route r : routes) {
                Handler guarded = ctx -> {
                    if (d.auth().admit(ctx, r.access())) {
                        refuseNul(ctx);
                        r.handler().handle(ctx);
                    }
                };
                mount(config, r, guarded);
            }
            for (Route r : console.routes()) {
                Handler guarded = console.guard(r);
                mount(config, r, ctx -> {
                    refuseNul(ctx);
                    guarded.handle(ctx);
                });
            }
            config.routes.exception(dev.millwright.console.ConsoleException.class, (e, ctx) -> console.error(ctx, e.status, e.title, e.detail));
            config.routes.exception(RejectedInput.class, (e, ctx) -> {
                if (e.status() == 503) ctx.header("Retry-After", "5"); // nothing stored: send it again shortly
                new Problem(e.status(), e.title(), null, e.violations()).send(ctx);
            });
            config.routes.exception(ApiException.class, (e, ctx) -> answer(ctx, e.problem));
            config.routes.exception(StoreException.class, (e, ctx) -> {
                log.warn("database error on {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
                ctx.header("Retry-After", "1");
                answer(ctx, Problem.of(503, "Database unavailable", "the hub cannot reach its database; try again"));
            });
            config.routes.exception(Exception.class, (e, ctx) -> {
                log.error("unhandled error on {} {}", ctx.method(), ctx.path(), e);
                answer(ctx, Problem.of(500, "Internal error", "the hub failed to handle this request; it is logged"));
            });
            config.routes.error(404, ctx -> {
                String type = ctx.res().getContentType();
                if (type == null || !(type.startsWith(Problem.CONTENT_TYPE) || type.startsWith("text/html"))) {
                    answer(ctx, Problem.of(404, "Not found", "no such resource: " + ctx.method() + " " + ctx.path()));
                }
            });
            config.routes.error(405, ctx -> answer(ctx, Problem.of(405, "Method not allowed", ctx.method() + " is not allowed on " + ctx.path())));
        });
    }

    private static void mount(io.javalin.config.JavalinConfig config, Route r, Handler handler) {
        switch (r.method()) {
            case "GET" -> config.routes.get(r.path(), handler);
            case "PUT" -> config.routes.put(r.path(), handler);
            case "DELETE" -> config.routes.delete(r.path(), handler);
            default -> config.routes.post(r.path(), handler);
        }
    }

    /** A problem as the caller reads it: a page in the console, application/problem+json everywhere else. */
    private void answer(Context ctx, Problem p) {
        if (ctx.path().equals("/console") || ctx.path().startsWith("/console/")) console.error(ctx, p.status(), p.title(), p.detail());
        else p.send(ctx);
    }

    /** The console's routes (pages and form posts), each with its access rule. */
    public List<Route> consoleRoutes() {
        return console.routes();
    }

    /**
     * The system's outbound connector checked now (its fields at the top level), and each inbound reader's
     * check under "inbound"; 200 only when every check passed.
     */
    private static void systemHealth(Context ctx, Deps d) throws InterruptedException {
        String name = ctx.pathParam("name");
        if (!Caller.sees(ctx, d.systems().get(name))) {
            throw ApiException.notFound("no system '" + name + "' with an outbound connector or an inbound reader");
        }
        var target = d.targets().get(name);
        var readers = d.readers().stream().filter(r -> r.system().equals(name)).toList();
        if (target == null && readers.isEmpty()) {
            throw ApiException.notFound("no system '" + name + "' with an outbound connector or an inbound reader");
        }
        List<Health> inbound = new java.util.ArrayList<>();
        for (var r : readers) inbound.add(r.check());
        var main = target != null ? target.check() : inbound.getFirst();
        boolean ok = main.ok() && inbound.stream().allMatch(Health::ok);
        Map<String, Object> out = new java.util.LinkedHashMap<>(Json.MAPPER.convertValue(main, Map.class));
        out.put("ok", ok);
        if (main.ok() && !ok) out.put("problem", inbound.stream().filter(h -> !h.ok()).findFirst().orElseThrow().problem());
        out.put("inbound", inbound);
        JsonBody.send(ctx, ok ? 200 : 503, out);
    }

    /** No text the hub stores or looks up may hold a NUL (PostgreSQL text cannot): refused here for every parameter at once. */
    private static void refuseNul(Context ctx) {
        List<dev.millwright.ingest.Violation> bad = new java.util.ArrayList<>();
        ctx.pathParamMap().forEach((k, v) -> {
            if (v.indexOf('\u0000') >= 0) bad.add(new dev.millwright.ingest.Violation(k, "contains a NUL character"));
        });
        ctx.queryParamMap().forEach((k, vs) -> {
            if (k.indexOf('\u0000') >= 0 || vs.stream().anyMatch(v -> v.indexOf('\u0000') >= 0)) {
                bad.add(new dev.millwright.ingest.Violation(k.replace('\u0000', '?'), "contains a NUL character"));
            }
        });
        if (!bad.isEmpty()) throw new ApiException(new Problem(400, "Invalid request", null, bad));
    }

    /** The listener: HTTPS with the configured keystore, else plain HTTP; either closes idle (or stalled) connections. */
    private static org.eclipse.jetty.server.ServerConnector connector(org.eclipse.jetty.server.Server server,
                                                                      org.eclipse.jetty.server.HttpConfiguration httpConfig,
                                                                      dev.millwright.config.HubSettings.Http http) {
        httpConfig.setSendServerVersion(false);
        org.eclipse.jetty.server.ServerConnector connector;
        if (http.tls() == null) {
            connector = new org.eclipse.jetty.server.ServerConnector(server, new org.eclipse.jetty.server.HttpConnectionFactory(httpConfig));
        } else {
            var ssl = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
            ssl.setKeyStorePath(http.tls().keystore().toString());
            ssl.setKeyStorePassword(http.tls().password().value());
            ssl.setKeyStoreType(http.tls().type());
            ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
            var https = new org.eclipse.jetty.server.HttpConfiguration(httpConfig);
            // Clients reach the hub by address as often as by name: the certificate is checked by the client, not the Host header here.
            https.addCustomizer(new org.eclipse.jetty.server.SecureRequestCustomizer(false));
            connector = new org.eclipse.jetty.server.ServerConnector(server, new org.eclipse.jetty.server.SslConnectionFactory(ssl, "http/1.1"),
                    new org.eclipse.jetty.server.HttpConnectionFactory(https));
        }
        connector.setHost(http.host());
        connector.setPort(http.port());
        connector.setIdleTimeout(http.idleTimeout().toMillis());
        return connector;
    }

    private static void ready(Context ctx, Deps d) {
        boolean db = d.db().isReachable();
        boolean accepting = d.ready().getAsBoolean();
        int status = db && accepting ? 200 : 503;
        JsonBody.send(ctx, status, Map.of("status", status == 200 ? "ready" : "not ready", "database", db ? "up" : "down",
                "accepting", accepting));
    }

    public ApiServer start() {
        app.start();
        return this;
    }

    public int port() {
        return app.port();
    }

    public List<Route> routes() {
        return routes;
    }

    @Override
    public void close() {
        app.stop();
    }

    private static String resource(String name) {
        try (InputStream in = ApiServer.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + name, e);
        }
    }
}
