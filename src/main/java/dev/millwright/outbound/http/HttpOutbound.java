package dev.millwright.outbound.http;

import dev.millwright.config.RetryPolicy;
import dev.millwright.config.SystemConfig;
import dev.millwright.config.Tls;
import dev.millwright.config.spec.Secret;
import dev.millwright.config.spec.Spec;
import dev.millwright.connector.Connector;
import dev.millwright.delivery.Target;
import dev.millwright.event.PathTemplate;
import dev.millwright.mapping.Mapping;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.ConfigValues.section;
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

/** Delivery over HTTP (outbound.http); headers hold resolved secret references. */
public record HttpOutbound(URI baseUrl, Map<String, Secret> headers, Duration timeout, int maxConcurrency,
                           double rateLimit, RetryPolicy retry, Auth auth, Breaker circuitBreaker,
                           Map<String, Operation> operations, Tls tls) implements Target.Channel {

    public static final Spec.Obj AUTH_SPEC = object(
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

    public static final Spec.Obj BATCH_SPEC = object(
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

    public static final Spec.Obj SPEC = object(
            required("baseUrl", url(), "Base URL; subscription paths are appended to it.", "http://127.0.0.1:9001/api"),
            optional("headers", new Spec.MapOf(textOrSecret()), null,
                    "Headers sent with every call. Values that look like credentials must be secret references."),
            optional("timeout", duration(), "10s", "Time allowed for one call, connect to last byte."),
            optional("maxConcurrency", integer(1, 1024), 32, "Calls in flight to this system at once, per node."),
            optional("rateLimit", number(0, 1_000_000), 0, "Calls per second to this system across all hub nodes "
                    + "(coordinated through PostgreSQL, so adding nodes never raises it); 0 is unlimited."),
            optional("auth", AUTH_SPEC, null, "How calls authenticate."),
            optional("tls", Tls.CLIENT_SPEC, null, "TLS towards this system: whom to trust and the client certificate to present (https base URLs)."),
            optional("circuitBreaker", object(
                    optional("failureThreshold", integer(0, 1000), 5, "Failures in a row (refused, timeout, 5xx, 429) that open the circuit; 0 turns it off."),
                    optional("openFor", duration(), "30s", "How long an open circuit makes no calls before one trial call.")
            ), null, "Stops calling a system that keeps failing, so it does not tie up delivery workers in timeouts. "
                    + "Deliveries wait as failed, with the reason, and are retried when the circuit lets calls through."),
            optional("retry", RetryPolicy.SPEC, null, "Retries of 5xx, 429, timeouts and refused connections; other 4xx are permanent."),
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
                    optional("batch", BATCH_SPEC, null, "Send deliveries of this operation in bulk calls, for systems with a bulk endpoint."),
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

    public static final Connector CONNECTOR = Connector.out("http", SPEC, "http-outbound", "HTTP out (REST)",
            "Deliver over HTTP: POST of the CloudEvent (structured JSON) with an Idempotency-Key header.", HttpOutbound::from);

    /** A named call: method, path and the mapping from the CloudEvent to the body (null: send the CloudEvent). */
    public record Operation(String method, String path, String mapping, Batch batch, String onUnresolved, Duration cacheTtl, int cacheSize,
                            String onUnavailable, Map<String, String> headers) {
    }

    /**
     * Bulk calls: up to maxItems deliveries of one operation (or what arrives within maxWait) go in one call: as a
     * JSON array ({@code format} json; {@code results}, JSONata over the response, yields one result per item, in
     * order), or as an OData V2 $batch (odata: each item its own request in its own changeset, answered one by one).
     */
    public record Batch(String format, String path, int maxItems, Duration maxWait, String itemKey, String results) {
        public boolean odata() {
            return format.equals("odata");
        }

        /** The service root an OData $batch path belongs to ("/API_X_SRV/" for "/API_X_SRV/$batch"). */
        public String serviceRoot() {
            return path.substring(0, path.lastIndexOf('/') + 1);
        }
    }

    public record Breaker(int failureThreshold, Duration openFor) {
        public static final Breaker OFF = new Breaker(0, Duration.ofSeconds(30));
    }

    /** How calls authenticate; only the section of {@code type} is set. */
    public record Auth(String type, ApiKey apiKey, Basic basic, OAuth2 oauth2, Csrf csrf) {
        public static final Auth NONE = new Auth("none", null, null, null, null);
    }

    /** The CSRF handshake before writes: a GET of fetchPath with HEADER: Fetch gives the token and cookies. */
    public record Csrf(String fetchPath, String header) {
    }

    public record ApiKey(String header, Secret value) {
    }

    public record Basic(String username, Secret password) {
    }

    public record OAuth2(URI tokenUrl, String clientId, Secret clientSecret, String scope, String audience) {
    }

    static HttpOutbound from(Map<String, Object> http) {
        Map<String, Secret> headers = section(http, "headers") == null ? Map.of() : Map.copyOf(get(http, "headers"));
        return new HttpOutbound(get(http, "baseUrl"), headers, get(http, "timeout"), get(http, "maxConcurrency"),
                get(http, "rateLimit"), RetryPolicy.from(section(http, "retry")), auth(section(http, "auth")),
                new Breaker(get(section(http, "circuitBreaker"), "failureThreshold"), get(section(http, "circuitBreaker"), "openFor")),
                operations(section(http, "operations")), Tls.from(section(http, "tls")));
    }

    private static Map<String, Operation> operations(Map<String, Object> t) {
        if (t == null) return Map.of();
        Map<String, Operation> out = new LinkedHashMap<>();
        t.forEach((name, v) -> {
            @SuppressWarnings("unchecked") Map<String, Object> op = (Map<String, Object>) v;
            var batch = section(op, "batch");
            out.put(name, new Operation(get(op, "method"), get(op, "path"), get(op, "mapping"), batch == null ? null
                    : new Batch(get(batch, "format"), Objects.requireNonNullElse(get(batch, "path"), get(op, "path")), get(batch, "maxItems"),
                    get(batch, "maxWait"), get(batch, "itemKey"), get(batch, "results")), get(op, "onUnresolved"),
                    get(op, "cacheTtl"), get(op, "cacheSize"), get(op, "onUnavailable"),
                    section(op, "headers") == null ? Map.of() : Map.copyOf(get(op, "headers"))));
        });
        return Map.copyOf(out);
    }

    private static Auth auth(Map<String, Object> t) {
        if (t == null) return Auth.NONE;
        var apiKey = section(t, "apiKey");
        var basic = section(t, "basic");
        var oauth2 = section(t, "oauth2");
        var csrf = section(t, "csrf");
        return new Auth(get(t, "type"),
                apiKey == null ? null : new ApiKey(get(apiKey, "header"), get(apiKey, "value")),
                basic == null ? null : new Basic(get(basic, "username"), get(basic, "password")),
                oauth2 == null ? null : new OAuth2(get(oauth2, "tokenUrl"), get(oauth2, "clientId"), get(oauth2, "clientSecret"),
                        get(oauth2, "scope"), get(oauth2, "audience")),
                csrf == null ? null : new Csrf(get(csrf, "fetchPath"), get(csrf, "header")));
    }

    @Override
    public String kind() {
        return "http";
    }

    /** The longest a delivery can take from joining a call to its answer: the timeout plus the longest batch wait. */
    @Override
    public Duration longestCall() {
        return timeout.plus(operations.values().stream().filter(op -> op.batch() != null)
                .map(op -> op.batch().maxWait()).max(Duration::compareTo).orElse(Duration.ZERO));
    }

    @Override
    public Map<String, String> operationMethods() {
        Map<String, String> out = new LinkedHashMap<>();
        operations.forEach((name, op) -> out.put(name, op.method()));
        return out;
    }

    @Override
    public Map<String, String> mappings() {
        Map<String, String> out = new LinkedHashMap<>();
        operations.forEach((name, op) -> {
            if (op.mapping() != null) out.put("operations." + name + ".mapping", op.mapping());
        });
        return out;
    }

    @Override
    public List<SystemConfig.Problem> problems() {
        List<SystemConfig.Problem> out = new ArrayList<>();
        boolean present = switch (auth.type()) {
            case "apiKey" -> auth.apiKey() != null;
            case "basic" -> auth.basic() != null;
            case "oauth2" -> auth.oauth2() != null;
            default -> true;
        };
        if (!present) out.add(new SystemConfig.Problem("auth." + auth.type(), "is required when outbound.http.auth.type is " + auth.type()));
        operations.forEach((name, op) -> {
            String at = "operations." + name;
            PathTemplate.problems(op.path(), op.method().equals("GET") ? "{key}" : null,
                    problem -> out.add(new SystemConfig.Problem(at + ".path", problem)));
            op.headers().forEach((header, value) -> PathTemplate.problems(value, null,
                    problem -> out.add(new SystemConfig.Problem(at + ".headers." + header, problem))));
            Batch batch = op.batch();
            if (batch == null) return;
            if (batch.path().contains("{")) {
                out.add(new SystemConfig.Problem(at + ".batch.path", "a bulk call carries many events, so its "
                        + "path cannot have placeholders filled from one of them; set batch.path to the bulk endpoint"));
            }
            if (batch.odata() && !batch.path().endsWith("/$batch")) {
                out.add(new SystemConfig.Problem(at + ".batch.path", "an OData batch goes to the service's "
                        + "$batch endpoint (e.g. /API_MATERIAL_DOCUMENT_SRV/$batch), not '" + batch.path() + "'"));
            } else if (batch.odata() && !op.path().startsWith(batch.serviceRoot())) {
                out.add(new SystemConfig.Problem(at + ".path", "is not under the service of batch.path ("
                        + batch.serviceRoot() + "): the requests of an OData batch are relative to its service root"));
            }
            try {
                Mapping.compile("results", batch.results());
            } catch (Mapping.MappingException e) {
                out.add(new SystemConfig.Problem(at + ".batch.results", "does not compile: " + e.describe()));
            }
        });
        return out;
    }

    @Override
    public Target target(String system, Target.Deps deps) {
        return new HttpTarget(system, this, deps.clock(), deps.rateLimits(), deps.mappings(), deps.metrics());
    }
}
