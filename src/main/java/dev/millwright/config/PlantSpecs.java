package dev.millwright.config;

import dev.millwright.config.spec.Spec;

import java.util.List;

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
                    optional("pollInterval", duration(), "1s", "Safety-net poll when no wake-up arrives."),
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

    public static final Spec.Obj RETRY = object(
            optional("maxAttempts", integer(1, 1000), 10, "Attempts before a delivery goes dead."),
            optional("initialBackoff", duration(), "1s", "Wait after the first failed attempt."),
            optional("maxBackoff", duration(), "5m", "Longest wait between attempts."),
            optional("multiplier", number(1.0, 10.0), 2.0, "Growth of the wait per attempt."),
            optional("jitter", number(0.0, 1.0), 0.2, "Random spread of each wait, as a fraction of it.")
    );

    public static final Spec.Obj AUTH = object(
            optional("type", oneOf("none", "apiKey", "basic", "oauth2"), "none", "Which of the sections below applies."),
            optional("apiKey", object(
                    optional("header", string(), "X-API-Key", "Header that carries the key."),
                    required("value", secret(), "The header's value: a secret reference, or a template around references "
                            + "when the system wants more than the key (token ${env:KEY}:${env:SECRET}).", "${env:ERP_API_KEY}")
            ), null, "A static key in a header (type: apiKey)."),
            optional("basic", object(
                    required("username", string(), "User name.", "millwright"),
                    required("password", secret(), "Password.", "${file:/run/secrets/erp-password}")
            ), null, "HTTP Basic authentication (type: basic)."),
            optional("oauth2", object(
                    required("tokenUrl", url(), "Token endpoint.", "https://login.example.com/oauth2/token"),
                    required("clientId", string(), "Client id.", "millwright-plant-a"),
                    required("clientSecret", secret(), "Client secret.", "${env:ERP_CLIENT_SECRET}"),
                    optional("scope", string(), null, "Scope to ask for."),
                    optional("audience", string(), null, "Audience to ask for, where the server wants one.")
            ), null, "OAuth 2.0 client credentials (type: oauth2): the token is fetched once, reused until shortly before it "
                    + "expires, and fetched again once when the system answers 401."),
            optional("csrf", object(
                    required("fetchPath", string(), "Path (on baseUrl) of the GET that hands out the token, e.g. the OData "
                            + "service root.", "/API_MATERIAL_DOCUMENT_SRV/"),
                    optional("header", string(), "x-csrf-token", "Header of the token: sent as Fetch on the GET, read from its "
                            + "answer, sent with each write.")
            ), null, "The CSRF handshake SAP Gateway wants before writes, on top of the credentials above: the token and the "
                    + "session cookies its GET sets are fetched once and sent with every POST, PUT, PATCH and DELETE; when the "
                    + "system refuses the token (403, x-csrf-token: Required) it is fetched again and the call made once more.")
    );

    public static final Spec.Obj HTTP_INBOUND = object(
            mapping("qms-inspection.jsonata"),
            source(),
            required("auth", object(
                    required("type", oneOf("hmac", "token"), "hmac: an HMAC-SHA256 signature computed over the bytes received "
                            + "(see signs); token: a per-system bearer token.", "hmac"),
                    optional("secret", secret(), null, "The HMAC key (type hmac)."),
                    optional("signs", oneOf("timestamp.body", "body"), "timestamp.body", "What the signature covers (type hmac): "
                            + "timestamp.body — the timestamp header's value, '.', then the raw body, checked against the replay window; "
                            + "body — the raw body alone, as many SaaS webhooks sign (e.g. X-Hub-Signature-256): no replay window, a "
                            + "re-sent webhook is a duplicate by its event id."),
                    optional("signatureHeader", string(), "X-Signature", "Header carrying the signature (type hmac)."),
                    optional("prefix", string(), "sha256=", "Text before the signature in its header (type hmac); none for no prefix."),
                    optional("encoding", oneOf("hex", "base64"), "hex", "How the signature is written (type hmac); hex in either case."),
                    optional("timestampHeader", string(), "X-Timestamp", "Header carrying the Unix time in seconds (signs: timestamp.body)."),
                    optional("replayWindow", duration(), "5m", "How far the timestamp may be from now (signs: timestamp.body)."),
                    optional("token", secret(), null, "The token, sent as Authorization: Bearer TOKEN (type token).")
            ), "How the system proves it is itself.", null)
    );

    private static Spec.Field mapping(String example) {
        return required("mapping", string(), "Mapping in mappings/ (JSONata) that turns one payload into zero or more events "
                + "(objects with type, id, subject, data, and any CloudEvents attributes); a repeated id is a duplicate.", example);
    }

    private static Spec.Field format() {
        return optional("format", oneOf("json", "xml", "csv"), "json", "Payload format. XML becomes its element tree under the root element's name (attributes and child elements as fields, "
                + "repeated elements as arrays, an element's text beside attributes as _text), CSV (with a "
                + "header row) an array of row objects with text values; the mapping always sees JSON.");
    }

    private static Spec.Field source() {
        return optional("source", string(), null, "CloudEvents source of mapped events that name none (default system://NAME).");
    }

    public static final Spec.Obj FILE_INBOUND = object(
            required("dir", string(), "Folder the system drops files into. Processed files move to DIR/done, bad ones to DIR/failed "
                    + "beside a FILE.reason.txt.", "/var/spool/millwright/cmms-in"),
            optional("pattern", string(), "*", "Glob of the file names to read, e.g. *.csv; other files are left alone."),
            format(),
            mapping("cmms-closures.jsonata"),
            source(),
            optional("stableFor", duration(), "2s", "A file is read only once its size and modification time have not changed "
                    + "for this long, so a half-written file is never read."),
            optional("marker", string(), null, "Suffix of a marker file the system writes when a file is complete (e.g. .ready); "
                    + "when set, a file is read only once FILE + marker exists, and the marker is removed with it."),
            optional("pollInterval", duration(), "1s", "How often the folder is looked at."),
            optional("maxFileBytes", integer(1, 4L * 1024 * 1024 * 1024), 67108864, "Largest file read; a larger one moves to DIR/failed "
                    + "unread, with the reason beside it. Symbolic links are never followed.")
    );

    /** MQTT 5 only: the hub relies on session expiry; MQTT 3.1.1 brokers are not supported yet. */
    /** TLS as a client (outbound HTTP, MQTT): whom to trust, and the certificate to present. */
    public static final Spec.Obj TLS_CLIENT = object(tlsFields(null));

    /** MQTT speaks TLS only when told to: the same stores, and the switch. */
    public static final Spec.Obj MQTT_TLS = object(tlsFields(optional("enabled", bool(), false,
            "Connect over TLS (usually port 8883), with the JVM's trusted CAs unless a trust store is given.")));

    private static Spec.Field[] tlsFields(Spec.Field first) {
        java.util.List<Spec.Field> fields = new java.util.ArrayList<>();
        if (first != null) fields.add(first);
        fields.addAll(java.util.List.of(
            optional("trustStore", string(), null, "Keystore of the certificates to trust (the system's CA, or its own certificate); "
                    + "without it the JVM's trusted CAs. The server's certificate and host name are always verified."),
            optional("trustStorePassword", secret(), null, "The trust store's password."),
            optional("keyStore", string(), null, "Keystore with the client certificate and key the hub presents (mutual TLS)."),
            optional("keyStorePassword", secret(), null, "The key store's password (required with keyStore)."),
            optional("type", oneOf("PKCS12", "JKS"), "PKCS12", "Format of both stores.")));
        return fields.toArray(Spec.Field[]::new);
    }

    public static final Spec.Obj MQTT_BROKER = object(
            optional("host", string(), "127.0.0.1", "Broker host."),
            optional("port", integer(1, 65535), 1883, "Broker port."),
            optional("clientId", string(), null, "Client identifier (default millwright-NAME-in or millwright-NAME-out); one hub node "
                    + "at a time uses it."),
            optional("username", string(), null, "User name, when the broker asks for one."),
            optional("password", secret(), null, "Password."),
            optional("tls", MQTT_TLS, null, "TLS to the broker: tls: { enabled: true } with the JVM's CAs, or with a trust store "
                    + "and a client certificate."),
            optional("reconnectMax", duration(), "30s", "Longest wait between reconnection attempts (they start at 1 s and double).")
    );

    public static final Spec.Obj MQTT_INBOUND = object(
            optional("broker", MQTT_BROKER, null, "The broker."),
            required("topics", Spec.listOf(string()), "Topic filters to subscribe to with QoS 1 (+ and # wildcards).", "[plant/+/+/state]"),
            format(),
            mapping("mes-machine-state.jsonata"),
            source(),
            optional("sessionExpiry", duration(), "1h", "How long the broker keeps the hub's session, and queues QoS 1 messages for it, "
                    + "while the hub is away.")
    );

    private static Spec.Field kafkaProperties(String role) {
        return optional("properties", new Spec.MapOf(textOrSecret()), null, "Further Kafka " + role + " properties (security.protocol, "
                + "sasl.jaas.config, ...); values that look like credentials must be secret references. The hub's own settings "
                + "(acknowledgement, idempotence, offsets) cannot be overridden.");
    }

    public static final Spec.Obj KAFKA_INBOUND = object(
            required("bootstrapServers", string(), "Kafka brokers to start from.", "127.0.0.1:9092"),
            required("topics", Spec.listOf(string()), "Topics to consume.", "[plant-a.telemetry]"),
            optional("groupId", string(), null, "Consumer group (default millwright-NAME). Every hub node joins it, so partitions "
                    + "are shared out over the nodes and move when one dies — after the consumer's session.timeout.ms (45 s by "
                    + "default; set it lower in properties to move them sooner)."),
            format(),
            mapping("telemetry.jsonata"),
            source(),
            optional("maxPollRecords", integer(1, 10_000), 500, "Most records taken (and committed to PostgreSQL together) per poll."),
            kafkaProperties("consumer")
    );

    public static final Spec.Obj KAFKA_OUTBOUND = object(
            required("bootstrapServers", string(), "Kafka brokers to start from.", "127.0.0.1:9092"),
            required("topic", string(), "Topic template; {type}, {plant} and other event attributes are filled in (characters Kafka "
                    + "does not allow in topic names become '_').", "millwright.{plant}.events"),
            optional("key", string(), "{plant}/{subject}", "Record key template: events with the same key go to the same partition, in order."),
            optional("timeout", duration(), "10s", "How long to wait for the broker's acknowledgement (acks=all)."),
            optional("retry", RETRY, null, "Retries while the brokers are unreachable or do not acknowledge."),
            kafkaProperties("producer")
    );

    public static final Spec.Obj OPCUA_INBOUND = object(
            required("endpoint", string(), "The server's endpoint URL.", "opc.tcp://127.0.0.1:4840/plc"),
            optional("security", object(
                    optional("policy", oneOf("None", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"), "None",
                            "Security policy of the endpoint to use. Any but None signs (and with mode SignAndEncrypt encrypts) every "
                            + "message with the hub's application certificate, and checks the server's against the trust store."),
                    optional("mode", oneOf("Sign", "SignAndEncrypt"), "SignAndEncrypt", "Message security mode with a policy other than None."),
                    optional("keyStore", string(), null, "Keystore with the hub's application instance certificate and key (its "
                            + "subject alternative name URI is the hub's application URI); required with a policy."),
                    optional("keyStorePassword", secret(), null, "The key store's password."),
                    optional("trustStore", string(), null, "Keystore with the certificates of the servers to trust (or their CA); "
                            + "required with a policy: a server certificate not in it is refused."),
                    optional("trustStorePassword", secret(), null, "The trust store's password."),
                    optional("type", oneOf("PKCS12", "JKS"), "PKCS12", "Format of both stores.")
            ), null, "Message security (signed and encrypted endpoints)."),
            optional("username", string(), null, "User name for user authentication (anonymous without)."),
            optional("password", secret(), null, "The user's password."),
            required("nodes", new Spec.MapOf(object(
                    required("nodeId", string(), "The node to monitor, in OPC UA notation.", "ns=2;s=CNC-07/State"),
                    optional("samplingInterval", duration(), "250ms", "How often the server samples the value.")
            )), "Nodes to monitor, by a name the mapping sees as $node.", null),
            optional("publishingInterval", duration(), "500ms", "How often the server sends the changes it has sampled."),
            mapping("machine-downtime.jsonata"),
            source(),
            optional("reconnectMax", duration(), "30s", "Longest wait between connection attempts (they start at 1 s and double).")
    );

    public static final Spec.Obj BATCH = object(
            optional("format", oneOf("json", "odata"), "json", "json: the items' bodies in one JSON array, settled by `results`. "
                    + "odata: an OData V2 $batch (multipart/mixed) to `path` (the service's /$batch), each item its own request — its "
                    + "method, path (placeholders filled from its event, relative to the service root) and body, with its own "
                    + "Idempotency-Key — in a changeset of its own, so each is posted or refused alone and its answer (body "
                    + "included, e.g. the document number) settles it; an SAP Gateway counts the batch as one call toward its limit."),
            optional("path", string(), null, "Path of the bulk endpoint (default: the operation's path)."),
            required("maxItems", integer(2, 10_000), "Most deliveries in one call.", "50"),
            optional("maxWait", duration(), "200ms", "How long the first delivery waits for others to join its call."),
            optional("itemKey", string(), null, "Field set in each item to its delivery's idempotency key, so the system can "
                    + "recognise an item it has seen (the call's Idempotency-Key header covers the whole call)."),
            optional("results", string(), "$", "JSONata over a 2xx response body that yields one result per item, in request order: "
                    + "an HTTP-style status number, or an object with status and error (or message). Each item is settled by its own "
                    + "result (2xx delivered; 5xx, 408, 429 retried; other 4xx dead). A non-2xx response settles every item the same way; "
                    + "a response without one result per item retries every item.")
    );

    public static final Spec.Obj HTTP_OUTBOUND = object(
            required("baseUrl", url(), "Base URL; subscription paths are appended to it.", "http://127.0.0.1:9001/api"),
            optional("headers", new Spec.MapOf(textOrSecret()), null,
                    "Headers sent with every call. Values that look like credentials must be secret references."),
            optional("timeout", duration(), "10s", "Time allowed for one call, connect to last byte."),
            optional("maxConcurrency", integer(1, 1024), 32, "Calls in flight to this system at once, per node."),
            optional("rateLimit", number(0, 1_000_000), 0, "Calls per second to this system across all hub nodes "
                    + "(coordinated through PostgreSQL, so adding nodes never raises it); 0 is unlimited."),
            optional("auth", AUTH, null, "How calls authenticate."),
            optional("tls", TLS_CLIENT, null, "TLS towards this system: whom to trust and the client certificate to present (https base URLs)."),
            optional("circuitBreaker", object(
                    optional("failureThreshold", integer(0, 1000), 5, "Failures in a row (refused, timeout, 5xx, 429) that open the circuit; 0 turns it off."),
                    optional("openFor", duration(), "30s", "How long an open circuit makes no calls before one trial call.")
            ), null, "Stops calling a system that keeps failing, so it does not tie up delivery workers in timeouts. "
                    + "Deliveries wait as failed, with the reason, and are retried when the circuit lets calls through."),
            optional("retry", RETRY, null, "Retries of 5xx, 429, timeouts and refused connections; other 4xx are permanent."),
            optional("operations", new Spec.MapOf(object(
                    optional("method", oneOf("POST", "PUT", "PATCH", "GET"), "POST", "HTTP method. GET operations fetch context for "
                            + "mappings ($fetch(system, operation, key)) instead of receiving deliveries."),
                    required("path", string(), "Path appended to baseUrl. Placeholders are filled from the event, each value "
                            + "URL-encoded: {subject} (any CloudEvents attribute) or {data.lot.id} (a path into the data; in a flow's call, "
                            + "the data the step computed), e.g. /Batch/{data.lotId} or A_MaterialDocumentHeader(MaterialDocument='{data.document}'). "
                            + "An event without the value dead-letters its delivery with the reason. In a GET operation {key} is the key "
                            + "$fetch passes.", "/quality-holds"),
                    optional("headers", new Spec.MapOf(string()), null, "Headers of this operation's calls, with placeholders as in path "
                            + "(not URL-encoded), e.g. If-Match: \"{data.etag}\" or x-method-override: PATCH."),
                    optional("mapping", string(), null, "Mapping in mappings/ (JSONata) from the CloudEvent to the body the system expects; "
                            + "without one the CloudEvent itself is sent. A mapping that fails dead-letters the delivery with the reason."),
                    optional("batch", BATCH, null, "Send deliveries of this operation in bulk calls, for systems with a bulk endpoint."),
                    optional("cacheTtl", duration(), "0s", "GET operations: how long a fetched answer is reused (0s: fetched every time)."),
                    optional("cacheSize", integer(1, 10_000_000), 10_000, "GET operations: most answers kept; the least recently used go first."),
                    optional("onUnavailable", oneOf("wait", "proceed"), "wait", "GET operations, when the system cannot answer (refused, "
                            + "timeout, 5xx): wait — the message is not taken now and is tried again (a webhook gets 503, MQTT/Kafka/file "
                            + "messages stay unacknowledged, a delivery is retried); proceed — $fetch gives null and each event made carries "
                            + "the extension attribute contextmissing naming what was missing."),
                    optional("onUnresolved", oneOf("deadLetter", "wait"), "deadLetter", "When the mapping's $xref finds no entry: deadLetter "
                            + "the delivery with the reason (retry it once the entry exists), or wait — the delivery stays failed with the "
                            + "reason and is tried again with backoff (up to retry.maxAttempts) until the cross-reference has the entry.")
            )), null, "Named calls subscriptions can deliver to (deliver.operation), e.g. createQualityHold.")
    );

    public static final Spec.Obj FILE_OUTBOUND = object(
            required("dir", string(), "Export folder; a subscription's path is a sub-folder of it.", "/var/spool/millwright/cmms"),
            optional("format", oneOf("json", "csv"), "json", "File format. csv writes the mapping's rows (an object, or an array of "
                    + "objects) under a header row of their keys, RFC 4180 quoting."),
            optional("mapping", string(), null, "Mapping in mappings/ (JSONata) from the CloudEvent to what the file holds; required "
                    + "for csv (rows of flat values). Without one a JSON file holds the CloudEvent. A mapping that fails dead-letters the "
                    + "delivery with the reason."),
            optional("retry", RETRY, null, "Retries of failed writes (disk full, permissions)."),
            optional("neutralizeFormulas", bool(), true, "csv: a text value (or column name) starting with =, +, -, @, tab or carriage "
                    + "return is written with a leading ' so a spreadsheet opening the file shows it instead of running it (CSV "
                    + "injection). Numbers are written as they are.")
    );

    public static final Spec.Obj MQTT_OUTBOUND = object(
            optional("broker", MQTT_BROKER, null, "The broker."),
            required("topic", string(), "Topic template; {type}, {subject}, {source}, {id} and extension attributes such as {plant} "
                    + "are filled from the event ('/', '+', '#' in values become '_'). Key it by plant and asset so each asset's "
                    + "events share a topic and keep their order.", "millwright/{plant}/{type}/{subject}"),
            optional("retain", bool(), false, "Publish with the retain flag (the broker keeps the last event per topic for new subscribers)."),
            optional("timeout", duration(), "10s", "How long to wait for the broker's PUBACK."),
            optional("retry", RETRY, null, "Retries while the broker is unreachable or does not acknowledge.")
    );

    /**
     * A connector kind as a plant file names it (inbound.NAME or outbound.NAME): its settings, its docs page, what it
     * does, and how its section is read into its channel record (inbound or outbound, whichever its direction).
     */
    public record Connector(String direction, String name, Spec.Obj spec, String page, String title, String summary,
                            java.util.function.Function<java.util.Map<String, Object>, SystemConfig.InboundChannel> inbound,
                            java.util.function.Function<java.util.Map<String, Object>, SystemConfig.OutboundChannel> outbound) {
        static Connector in(String name, Spec.Obj spec, String page, String title, String summary,
                            java.util.function.Function<java.util.Map<String, Object>, SystemConfig.InboundChannel> read) {
            return new Connector("inbound", name, spec, page, title, summary, read, null);
        }

        static Connector out(String name, Spec.Obj spec, String page, String title, String summary,
                             java.util.function.Function<java.util.Map<String, Object>, SystemConfig.OutboundChannel> read) {
            return new Connector("outbound", name, spec, page, title, summary, null, read);
        }
    }

    /**
     * Every connector kind, in one list: the system file's inbound and outbound sections and docs/connectors/ are made
     * from it, and each section is read into its record through it. A new kind adds its spec, its record and one entry
     * here, and its reader (Readers) or target (Targets): both switch over the sealed channel types, so a kind without
     * one does not compile.
     */
    public static final List<Connector> CONNECTORS = List.of(
            Connector.in("http", HTTP_INBOUND, "http-inbound", "HTTP webhook in",
                    "Payloads the system POSTs to /api/v1/inbound/NAME (JSON, XML or CSV, by Content-Type).",
                    SystemConfig::inboundHttp),
            Connector.in("files", FILE_INBOUND, "file-inbound", "Files in",
                    "Files the system drops in a folder; one file is one atomic batch.",
                    SystemConfig::inboundFiles),
            Connector.in("mqtt", MQTT_INBOUND, "mqtt-inbound", "MQTT in",
                    "Messages the system publishes to an MQTT broker; each is acknowledged to the "
                            + "broker only once its events are stored.",
                    SystemConfig::inboundMqtt),
            Connector.in("opcua", OPCUA_INBOUND, "opcua-inbound", "OPC UA in",
                    "Value changes of OPC UA nodes (a subscription per connection). The mapping "
                            + "sees each change as {node, nodeId, value, previous, status, sourceTime, serverTime} and returns the events "
                            + "the change raises (none, e.g., when no condition holds).",
                    SystemConfig::inboundOpcUa),
            Connector.in("kafka", KAFKA_INBOUND, "kafka-inbound", "Kafka in",
                    "Records on Kafka topics, consumed in a consumer group; offsets are committed "
                            + "only after the records' events are stored.",
                    SystemConfig::inboundKafka),
            Connector.out("http", HTTP_OUTBOUND, "http-outbound", "HTTP out (REST)",
                    "Deliver over HTTP: POST of the CloudEvent (structured JSON) with an Idempotency-Key header.",
                    SystemConfig::outboundHttp),
            Connector.out("kafka", KAFKA_OUTBOUND, "kafka-outbound", "Kafka produce",
                    "Produce to Kafka (idempotent producer, acks=all), the CloudEvent as value in "
                            + "structured mode (header content-type: application/cloudevents+json), keyed by plant and asset.",
                    SystemConfig::outboundKafka),
            Connector.out("mqtt", MQTT_OUTBOUND, "mqtt-outbound", "MQTT publish",
                    "Publish to an MQTT broker with QoS 1, the CloudEvent as payload "
                            + "(content type application/cloudevents+json, user property idempotency-key); delivered on PUBACK.",
                    SystemConfig::outboundMqtt),
            Connector.out("file", FILE_OUTBOUND, "file-outbound", "Files out",
                    "Deliver as files for systems that only import files: DIR/PATH/IDEMPOTENCY-KEY.json (or .csv), written to a "
                            + "temporary file, flushed and renamed into place; a repeated delivery replaces the same file.",
                    SystemConfig::outboundFile)
    );

    private static Spec.Obj connectors(String direction) {
        return new Spec.Obj(CONNECTORS.stream().filter(c -> c.direction().equals(direction))
                .map(c -> optional(c.name(), c.spec(), null, c.summary())).toList());
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
                    + String.join(", ", CONNECTORS.stream().filter(c -> c.direction().equals("outbound")).map(Connector::name).toList()) + ").")
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
