package dev.millwright.config;

import dev.millwright.config.spec.Spec;
import dev.millwright.connector.Connector;
import dev.millwright.connector.Connectors;

import static dev.millwright.config.spec.Spec.bool;
import static dev.millwright.config.spec.Spec.duration;
import static dev.millwright.config.spec.Spec.integer;
import static dev.millwright.config.spec.Spec.number;
import static dev.millwright.config.spec.Spec.object;
import static dev.millwright.config.spec.Spec.oneOf;
import static dev.millwright.config.spec.Spec.optional;
import static dev.millwright.config.spec.Spec.required;
import static dev.millwright.config.spec.Spec.secret;
import static dev.millwright.config.spec.Spec.string;
import static dev.millwright.config.spec.Spec.textOrSecret;
import static dev.millwright.config.spec.Spec.url;

/** The specs of every file in a plant folder. */
public final class PlantSpecs {
    private PlantSpecs() {
    }

    public static final Spec.Obj HUB = object(
            required("plant", string(), "The plant (or environment) this folder configures.", "demo-plant"),
            optional("http", object(
                    optional("host", string(), "127.0.0.1", "Address the hub listens on."),
                    optional("port", integer(0, 65535), 8080, "Port the hub listens on (0 picks a free port)."),
                    optional("maxBodyBytes", integer(1024, 256L * 1024 * 1024), 4194304, "Largest request body accepted; larger ones get 413."),
                    optional("maxBatchEvents", integer(1, 100_000), 1000, "Most events in one CloudEvents batch."),
                    optional("idleTimeout", duration(), "30s", "A connection that sends nothing for this long (a slow or stalled request "
                            + "included) is closed."),
                    optional("tls", object(
                            required("keystore", string(), "Keystore with the listener's private key and certificate chain.", "/etc/millwright/hub.p12"),
                            required("password", secret(), "The keystore's password.", "${file:/etc/millwright/hub.p12.password}"),
                            optional("type", oneOf("PKCS12", "JKS"), "PKCS12", "The keystore's format.")
                    ), null, "Serve HTTPS (TLS 1.2 and 1.3) instead of HTTP. Without it, terminate TLS in a reverse proxy (docs/security.md).")
            ), null, "The HTTP listener."),
            optional("ingest", object(
                    optional("groupCommitWindow", duration(), "2ms", "How long a writer waits to gather concurrent requests into one commit; "
                            + "it does not wait when no other event request is in progress."),
                    optional("maxGroupEvents", integer(1, 100_000), 5000, "Most events in one group commit."),
                    optional("writers", integer(1, 16), 4, "Concurrent ingest transactions."),
                    optional("routingFloor", integer(0, 1_000_000), 1000, "Intake comes first: while it is saturated (as many event requests "
                            + "in progress as there are writers) and takes more than twice this rate, routing slows to this many events per second and "
                            + "each node's lanes together send half as many, leaving the machine to intake; the backlog shows as pending deliveries. The "
                            + "moment intake has room again, routing and sending catch up at full speed. 0 turns this off (nothing ever yields).")
            ), null, "Accepting events."),
            optional("delivery", object(
                    optional("lanes", integer(1, 4096), 64, "Lanes per target. Deliveries with the same ordering key share a lane and keep their order; lanes run in parallel."),
                    optional("leaseTtl", duration(), "20s", "How long a node's claim on a lane lasts without renewal; a dead node's lanes move after this. At least twice the longest outbound timeout, so a call never outlives the lease."),
                    optional("batchSize", integer(1, 10_000), 200, "Deliveries a lane reads per round."),
                    optional("pollInterval", duration(), "1s", "Safety-net poll when no wake-up arrives (work arrives with a wake-up, "
                            + "retries are timed). A lane that keeps finding nothing polls half as often each time, down to once per 8 intervals."),
                    optional("drainTimeout", duration(), "20s", "On SIGTERM, how long in-flight deliveries may take to finish.")
            ), null, "Delivering events to targets."),
            optional("contracts", object(
                    optional("allowUnknownTypes", bool(), false, "Accept event types that are not in the event catalog (they are stored and routed unvalidated). "
                            + "Catalog types are always validated against the schema of their declared version.")
            ), null, "Event contracts (the canonical event catalog)."),
            optional("retention", object(
                    optional("deliveredAfter", duration(), "7d", "Delivered deliveries older than this are pruned."),
                    optional("eventsAfter", duration(), "30d", "Events older than this with no remaining deliveries are pruned."),
                    optional("idempotencyWindow", duration(), "90d", "How long an event's (source, id) is remembered from its receipt: a resend within "
                            + "this window is a duplicate, even after the event itself was pruned. Keys are kept apart from event bodies."),
                    optional("interval", duration(), "1m", "How often one node (holding the retention lease) prunes."),
                    optional("batchSize", integer(1, 100_000), 1000, "Rows deleted per statement, so pruning never holds long locks."),
                    optional("flowsAfter", duration(), "30d", "Completed and cancelled flow instances (with their timelines) this long after they "
                            + "ended, and correlation-inbox events this long after they were taken or expired, are pruned. Active and failed "
                            + "instances are kept.")
            ), null, "Pruning finished work. Dead deliveries are kept until resolved."),
            optional("flows", object(
                    optional("workers", integer(1, 64), 2, "Flow worker threads on this node; each claims instances that have work."),
                    optional("batch", integer(1, 60), 20, "Instances one worker claims and advances per transaction, each in its own "
                            + "savepoint: past 64 subtransactions in one transaction PostgreSQL's per-backend cache overflows and "
                            + "every other session's snapshots slow down, hence at most 60."),
                    optional("pollInterval", duration(), "1s", "Safety-net poll when no wake-up arrives (timers wake workers on time).")
            ), null, "Running process flows (flows/<name>.yaml)."),
            optional("tracing", object(
                    optional("serviceName", string(), "millwright", "service.name of the hub's spans."),
                    optional("sampleRatio", number(0.0, 1.0), 1.0, "Share of new traces recorded (events that arrive without trace "
                            + "context). An event that arrives with a traceparent follows its sampled flag."),
                    optional("otlp", object(
                            required("endpoint", url(), "OTLP/HTTP (protobuf) traces endpoint of a collector.", "http://127.0.0.1:4318/v1/traces"),
                            optional("headers", new Spec.MapOf(textOrSecret()), null, "Headers sent with each export, e.g. a collector's "
                                    + "token as a secret reference."),
                            optional("timeout", duration(), "10s", "Longest one export may take."),
                            optional("exportDelay", duration(), "1s", "Spans are exported in batches at least this often."),
                            optional("queueSize", integer(64, 1_000_000), 8192, "Spans waiting for export; beyond it new spans are "
                                    + "dropped, never delaying intake or delivery (millwright_trace_spans_total counts spans recorded, exported and failed).")
                    ), null, "Export spans over OTLP. Without this section no span is recorded and a traceparent is passed on unchanged.")
            ), null, "Trace spans for each event taken in (ingest) and each delivery attempt, as children of the trace context the event "
                    + "arrived with; the traceparent sent on with a delivery names the hub's delivery span."),
            optional("security", object(
                    optional("oidc", object(
                            required("issuer", string(), "The identity provider's issuer (the iss every token must carry).", "https://idp.example.com/realms/plant"),
                            required("audience", string(), "The audience tokens must be issued for (aud).", "millwright"),
                            required("jwksUrl", url(), "Where the provider publishes its signing keys (JWKS). Keys are cached and "
                                    + "fetched again when a token names a key id not yet seen (key rotation).", "https://idp.example.com/realms/plant/protocol/openid-connect/certs"),
                            optional("nameClaim", string(), "preferred_username", "Claim naming the person in the audit trail (sub when absent)."),
                            optional("rolesClaim", string(), "roles", "Claim with the person's Millwright roles (a list, or a space-separated string)."),
                            optional("plantsClaim", string(), "plants", "Claim with the plants the person may see (* for every plant)."),
                            optional("jwksCacheFor", duration(), "5m", "How long fetched keys are used before they are fetched again."),
                            optional("clockSkew", duration(), "60s", "Tolerance for exp and nbf.")
                    ), null, "Accept bearer JWTs from an enterprise identity provider (OpenID Connect), besides API tokens."),
                    optional("trustedProxies", Spec.listOf(string()), null, "Addresses of reverse proxies in front of the hub: a request "
                            + "from one of them is attributed (audit trail, rate limits) to the address it appended to X-Forwarded-For. "
                            + "Without it the header is ignored (e.g. [127.0.0.1])."),
                    optional("rateLimit", object(
                            optional("requestsPerSecond", integer(0, 1_000_000), 1000, "Requests one client (a principal; an address "
                                    + "before it is known) may make per second on average; beyond it 429 with Retry-After. 0 turns it off."),
                            optional("burst", integer(1, 10_000_000), 2000, "Requests a client may make at once after a quiet spell.")
                    ), null, "Per-client request rate limits on /api/*.")
            ), null, "Who may call the hub: identity providers and abuse limits. API tokens live in the database (millwright token).")
    );

    private static Spec.Obj connectors(String direction) {
        return new Spec.Obj(Connectors.of(direction).stream().map(c -> optional(c.name(), c.spec(), null, c.summary())).toList());
    }

    public static final Spec.Obj SYSTEM = object(
            required("name", string(), "The system's name; subscriptions refer to it. Must match the file name.", "erp"),
            optional("description", string(), null, "What this system is."),
            optional("plants", Spec.listOf(string()), null, "The plants this system serves (exact names or a subtree such as acme/*). "
                    + "Its inbound failures, connectors and health are visible to principals scoped to these plants; without it, "
                    + "only to principals of every plant. Required with producer (e.g. [acme/plant-a])."),
            optional("sources", Spec.listOf(string()), null, "CloudEvents sources this system may send events under (a trailing * "
                    + "matches a prefix). Its producer credential and its inbound mappings are held to them; without it, a mapping "
                    + "may only use its channel's source and a producer any source (e.g. [qms://plant-a/*])."),
            optional("producer", object(
                    required("token", secret(), "The bearer token the system sends with POST /api/v1/events; it can only ingest, "
                            + "only for the system's plants and sources.", "${file:secrets/qms-producer.token}")
            ), null, "A credential of the system's own for POST /api/v1/events (a producer is not an administrator)."),
            optional("inbound", connectors("inbound"), null, "How this system sends to the hub."),
            optional("outbound", connectors("outbound"), null, "How the hub sends to this system ("
                    + String.join(", ", Connectors.of("outbound").stream().map(Connector::name).toList()) + ").")
    );

    public static final Spec.Obj MAPPING_TEST = object(
            required("mapping", string(), "The mapping under test, in mappings/.", "qms-inspection.jsonata"),
            optional("description", string(), null, "What these cases cover."),
            optional("format", oneOf("json", "xml", "csv"), "json", "Format of the cases' text inputs (inputText)."),
            optional("xref", Spec.listOf(object(
                    required("entityType", oneOf("equipment", "asset", "material", "lot", "supplier", "workorder", "person"), "Entity type.", "equipment"),
                    required("canonicalId", string(), "Canonical id.", "EQ-LATHE-7"),
                    required("system", string(), "System.", "mes"),
                    required("localId", string(), "The system's id.", "CNC-07")
            )), null, "Cross-reference entries $xref sees (no database is used)."),
            optional("valuemaps", new Spec.MapOf(new Spec.MapOf(string())), null, "Value maps by name (key → value; key * is the default) "
                    + "that replace the plant's valuemaps/ of the same name for these cases."),
            optional("variables", new Spec.MapOf(string()), null, "Variables the mapping sees, as a connector would bind them ($topic, $file)."),
            optional("fetch", new Spec.MapOf(new Spec.MapOf(Spec.any())), null, "What $fetch(system, operation, key) returns, by "
                    + "\"system.operation\" and key; a key not listed gives null, as a 404 would."),
            optional("now", string(), "2026-01-01T00:00:00Z", "What $now() returns."),
            required("cases", Spec.listOf(object(
                    required("name", string(), "What the case shows.", "a failed inspection becomes quality.inspection.failed"),
                    optional("input", Spec.any(), null, "The input as YAML/JSON: a system's payload, or a CloudEvent for outbound mappings."),
                    optional("inputText", string(), null, "The input as text in the test's format (XML, CSV), parsed as a connector would."),
                    optional("expect", Spec.any(), null, "The exact output expected (compared as JSON; numbers by value)."),
                    optional("expectError", string(), null, "Text the error must contain, when the case shows a failure.")
            )), "The cases.", null)
    );

    /** alerts/NAME.yaml: an expected step that must follow a trigger within a time, per business key. */
    public static final Spec.Obj ALERT = object(
            required("name", string(), "The alert's name. Must match the file name.", "hold-not-in-erp"),
            optional("description", string(), null, "What it means when it fires, for the person who gets it."),
            optional("severity", oneOf("info", "warning", "critical"), "warning", "How urgent a firing is."),
            optional("deadLetters", object(
                    required("system", string(), "The system whose dead deliveries fire it.", "erp")
            ), null, "Instead of when/expect: fires for each delivery to the system that goes dead (key: the delivery id), "
                    + "resolves when it is retried and no longer dead."),
            optional("queueAge", object(
                    required("system", string(), "The system whose queue is watched.", "erp"),
                    required("above", duration(), "Fires when its oldest unfinished delivery is older than this.", "10m")
            ), null, "Instead of when/expect: fires while the system's oldest unfinished delivery is older than above (key: the "
                    + "system), resolves when the queue has caught up."),
            optional("when", object(
                    required("on", string(), "Event type that opens an expectation; a trailing '.*' matches a family.", "quality.inspection.failed"),
                    required("key", string(), "The business key: an event attribute (subject, or an extension) or a data path (data.lot).", "subject")
            ), null, "The trigger: an expectation opens for its key (one open per key; a repeat while open changes nothing)."),
            optional("expect", object(
                    required("on", string(), "Event type that closes the key's expectation; a trailing '.*' matches a family.", "quality.lot.held"),
                    required("key", string(), "Where this event carries the same key.", "subject")
            ), null, "The milestone that must follow."),
            optional("within", duration(), null, "How long the milestone may take. An expectation still open then fires the alert "
                    + "once: stored, counted in millwright_alerts_firing, and emitted as a millwright.alert.fired event that "
                    + "subscriptions deliver like any other (chat, e-mail gateway, webhook). A milestone after that resolves it "
                    + "(millwright.alert.resolved). A rule has when, expect and within; or deadLetters; or queueAge.")
    );

    public static final Spec.Obj SUBSCRIPTION = object(
            required("name", string(), "The subscription's name. Must match the file name.", "erp-holds"),
            required("on", string(), "CloudEvents type to deliver; a trailing '.*' matches a family, '*' everything.", "quality.inspection.failed"),
            required("deliver", object(
                    required("system", string(), "Target system (a file in systems/).", "erp"),
                    optional("path", string(), "/", "Path appended to the system's baseUrl (or a sub-folder for file systems)."),
                    optional("operation", string(), null, "An operation of the system (outbound.http.operations) to call instead of a path.")
            ), "Where matching events go.", null),
            optional("orderBy", string(), null,
                    "Ordering key: an event attribute (subject, source, or an extension) or a path into the data (data.lot.id). "
                            + "Deliveries with the same key reach the target in order. Without it, events are delivered in parallel."),
            optional("enabled", bool(), true, "A disabled subscription creates no deliveries.")
    );
}
