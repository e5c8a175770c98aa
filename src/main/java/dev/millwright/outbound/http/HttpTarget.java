package dev.millwright.outbound.http;

import dev.millwright.delivery.Fence;
import dev.millwright.delivery.Outcome;
import dev.millwright.delivery.Target;
import dev.millwright.health.Health;
import dev.millwright.event.PathTemplate;
import dev.millwright.outbound.http.odata.ODataBatch;
import dev.millwright.outbound.http.auth.AuthFailure;
import dev.millwright.outbound.http.auth.Authenticator;
import dev.millwright.outbound.http.auth.CsrfSession;
import dev.millwright.store.LaneItem;
import dev.millwright.store.RateLimitStore;
import dev.millwright.mapping.Mapping;
import dev.millwright.mapping.Mappings;
import dev.millwright.event.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.metrics.HubMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * Sends deliveries to one system over HTTP: a POST of the CloudEvent in structured mode with a stable
 * Idempotency-Key. Classifies the answer: 2xx delivered; 5xx, 408, 429, timeouts and refused
 * connections are worth retrying; any other 4xx is permanent.
 */
public final class HttpTarget implements Target, dev.millwright.mapping.Fetcher {
    private static final int EXCERPT = 500;

    private final String name;
    private final HttpOutbound config;
    /** Asked before every send: worked out once. */
    private final Duration callTimeout;
    private final HttpWire wire;
    /** Only for an OAuth2 token endpoint; null unless the system uses OAuth2. */
    private HttpClient tokenClient;
    private final Semaphore concurrency;
    private final RateLimiter rateLimiter;
    private final Authenticator auth;
    private final CircuitBreaker breaker;
    private final Clock clock;

    private final Mappings mappings;
    private final HubMetrics metrics;
    /** Collectors of the operations that batch, by operation name. */
    private final Map<String, BulkCollector> bulk = new java.util.HashMap<>();
    private final Map<HttpOutbound.Operation, Mapping> bulkResults = new java.util.HashMap<>();
    private final ScheduledExecutorService bulkTimer;
    private final CsrfSession csrf;

    /** @param mappings the plant's compiled mappings, for operations that name one */
    public HttpTarget(String name, HttpOutbound config, Clock clock, RateLimitStore rateLimits, Mappings mappings,
                      HubMetrics metrics) {
        this.mappings = mappings;
        this.metrics = metrics;
        this.name = name;
        this.config = config;
        this.callTimeout = config.longestCall();
        this.clock = clock;
        this.wire = new HttpWire(name, config.baseUrl(), config.timeout(), config.maxConcurrency(), config.tls());
        this.concurrency = new Semaphore(config.maxConcurrency());
        this.rateLimiter = config.rateLimit() > 0 ? new RateLimiter(name, config.rateLimit(), rateLimits) : RateLimiter.unlimited(name);
        this.auth = Authenticator.of(config.auth(), () -> tokenClient = HttpClient.newBuilder().connectTimeout(config.timeout())
                .executor(Executors.newVirtualThreadPerTaskExecutor()).followRedirects(HttpClient.Redirect.NEVER).build(), clock);
        this.breaker = new CircuitBreaker(config.circuitBreaker().failureThreshold(), config.circuitBreaker().openFor(), clock);
        HttpOutbound.Csrf handshake = config.auth().csrf();
        this.csrf = handshake == null ? null : new CsrfSession(handshake.header(), "GET " + handshake.fetchPath(), headers -> {
            try {
                HttpWire.Answer a = wire.send(new HttpWire.Request("GET", resolve(handshake.fetchPath()), headers, null, null, config.timeout()));
                return new CsrfSession.Fetched(a.status(), a.header(handshake.header()), a.headers("Set-Cookie"));
            } catch (HttpWire.NoAnswer e) {
                throw new AuthFailure("CSRF token fetch (GET " + handshake.fetchPath() + "): " + e.getMessage());
            }
        });
        // A timer thread only for systems with batched operations.
        this.bulkTimer = config.operations().values().stream().anyMatch(op -> op.batch() != null)
                ? Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("bulk-" + name).factory()) : null;
        config.operations().forEach((opName, op) -> {
            if (op.batch() == null) return;
            bulkResults.put(op, Mapping.compile(opName + ".batch.results", op.batch().results()));
            bulk.put(opName, new BulkCollector(op.batch().maxItems(), op.batch().maxWait(), batch -> sendBulk(op, batch), bulkTimer));
        });
    }

    public Authenticator auth() {
        return auth;
    }

    private String csrfHeader() {
        return config.auth().csrf().header();
    }

    @Override
    public String circuit() {
        return switch (breaker.state()) {
            case CLOSED -> null;
            case OPEN -> "open";
            case HALF_OPEN -> "half-open";
        };
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Duration callTimeout() {
        return callTimeout;
    }

    @Override
    public dev.millwright.config.RetryPolicy retry() {
        return config.retry();
    }

    public HttpOutbound config() {
        return config;
    }

    @Override
    public Outcome send(LaneItem item, String body, Fence fence) throws InterruptedException {
        BulkCollector collector = item.operation() == null ? null : bulk.get(item.operation());
        if (collector != null) return collector.submit(item, body, fence);
        HttpOutbound.Operation op = item.operation() == null ? null : config.operations().get(item.operation());
        if (item.operation() != null && op == null) {
            return Outcome.permanent(null, "system '" + name + "' no longer has an operation '" + item.operation() + "'; nothing was sent");
        }
        Call call;
        try {
            call = call(item, op, body);
        } catch (Mapping.MappingException | PathTemplate.Missing e) {
            return notMade(op, e, body);
        }
        URI url;
        try {
            url = resolve(call.path());
        } catch (IllegalArgumentException e) {
            return Outcome.permanent(null, e.getMessage());
        }
        Duration closedFor = breaker.permit();
        if (closedFor != null) return held(closedFor);
        Outcome outcome = null;
        try {
            outcome = exchange(() -> request(call.method(), url, call.headers(), call.contentType(), item.idempotencyKey(), item.traceparent(),
                    call.body()), fence)
                    .outcome(this::classify);
            return outcome;
        } finally {
            breaker.record(outcome); // null: the call threw, which counts as a failure
        }
    }

    /** The outcome of a call that could not be made from this event: its mapping or path failed on it. */
    private Outcome notMade(HttpOutbound.Operation op, RuntimeException e, String event) {
        return switch (e) {
            case Mapping.Unresolved u -> unresolved(op, u, event);
            case Mapping.Unavailable u -> Outcome.retry(null, u.describe(), null); // the context it needs may be there next time
            // Retrying cannot help a mapping that fails on this event: dead-letter it with the reason.
            case Mapping.MappingException m -> Outcome.permanent(null, m.describe() + "; event: " + excerpt(event));
            default -> Outcome.permanent(null, e.getMessage() + "; nothing was sent");
        };
    }

    private Outcome held(Duration closedFor) {
        return Outcome.held("circuit open after " + breaker.consecutiveFailures() + " failures in a row; no call made", closedFor);
    }

    /**
     * One bulk call for a batch of one operation — a JSON array of the items' bodies, or an OData $batch of their
     * requests — with one Idempotency-Key for the call (from the items' keys); each item settled by its own result.
     */
    private List<Outcome> sendBulk(HttpOutbound.Operation op, List<BulkCollector.Pending> batch) throws InterruptedException {
        Outcome[] outcomes = new Outcome[batch.size()];
        ArrayNode items = Json.MAPPER.createArrayNode();
        List<List<ODataBatch.Part>> requests = new ArrayList<>();
        List<Integer> sent = new ArrayList<>();
        StringBuilder keys = new StringBuilder();
        for (int i = 0; i < batch.size(); i++) {
            BulkCollector.Pending p = batch.get(i);
            try {
                if (op.batch().odata()) {
                    requests.add(List.of(odataPart(op, p)));
                } else {
                    JsonNode body = body(op, p.event());
                    if (op.batch().itemKey() != null && body instanceof ObjectNode object) object.put(op.batch().itemKey(), p.item().idempotencyKey());
                    items.add(body);
                }
                sent.add(i);
                keys.append(p.item().idempotencyKey()).append(',');
            } catch (Mapping.MappingException | PathTemplate.Missing e) {
                outcomes[i] = notMade(op, e, p.event());
            }
        }
        if (sent.isEmpty()) return List.of(outcomes);
        URI url;
        try {
            url = resolve(op.batch().path());
        } catch (IllegalArgumentException e) {
            for (int i : sent) outcomes[i] = Outcome.permanent(null, e.getMessage());
            return List.of(outcomes);
        }
        Duration closedFor = breaker.permit();
        if (closedFor != null) {
            Outcome held = held(closedFor);
            for (int i : sent) outcomes[i] = held;
            return List.of(outcomes);
        }
        String callKey = UUID.nameUUIDFromBytes(keys.toString().getBytes(StandardCharsets.UTF_8)).toString();
        String boundary = "batch_" + callKey;
        String contentType = op.batch().odata() ? "multipart/mixed; boundary=" + boundary
                : op.mapping() == null ? "application/cloudevents-batch+json" : "application/json";
        String body = op.batch().odata() ? ODataBatch.request(boundary, requests) : items.toString();
        // The call speaks for every item: it may go only while every item's lane is still held.
        Fence fence = () -> sent.stream().map(i -> batch.get(i).fence().remaining()).min(Duration::compareTo).orElse(Duration.ZERO);
        Outcome whole = null;
        Exchange exchange;
        try {
            exchange = exchange(() -> request(op.batch().odata() ? "POST" : op.method(), url, Map.of(), contentType,
                    callKey, null, body), fence);
            whole = exchange.outcome(this::classify);
        } finally {
            breaker.record(whole);
        }
        List<Outcome> perItem = exchange.response() != null && exchange.response().status() / 100 == 2
                ? (op.batch().odata() ? odataResults(exchange.response(), sent.size()) : itemResults(op, exchange.response(), sent.size()))
                : java.util.Collections.nCopies(sent.size(), whole);
        for (int j = 0; j < sent.size(); j++) outcomes[sent.get(j)] = perItem.get(j);
        metrics.bulkCall(name, sent.size());
        return List.of(outcomes);
    }

    /** One item of an OData $batch: its own request (path relative to the service root) under its own Idempotency-Key. */
    private ODataBatch.Part odataPart(HttpOutbound.Operation op, BulkCollector.Pending p) {
        Call call = call(p.item(), op, p.event());
        Map<String, String> headers = new java.util.LinkedHashMap<>(call.headers());
        headers.put("Content-Type", call.contentType());
        headers.put("Accept", "application/json");
        headers.put("Idempotency-Key", p.item().idempotencyKey());
        return new ODataBatch.Part(call.method(), call.path().substring(op.batch().serviceRoot().length()), headers, call.body());
    }

    /** Reads each item's answer from a 2xx OData $batch answer (one changeset each); an unreadable one retries every item. */
    private List<Outcome> odataResults(HttpWire.Answer response, int count) {
        List<List<ODataBatch.Answer>> answers;
        try {
            answers = ODataBatch.answers(response.header("Content-Type"), response.body());
        } catch (IllegalArgumentException e) {
            return java.util.Collections.nCopies(count, Outcome.retry(response.status(), "OData batch answer unreadable ("
                    + e.getMessage() + "): " + excerpt(response.body()), null));
        }
        if (answers.size() != count) {
            return java.util.Collections.nCopies(count, Outcome.retry(response.status(), "OData batch answer has " + answers.size()
                    + " parts for " + count + " requests: " + excerpt(response.body()), null));
        }
        List<Outcome> out = new ArrayList<>(count);
        for (List<ODataBatch.Answer> changeset : answers) out.add(classify(changeset.getFirst().status(), changeset.getFirst().body(), null));
        return out;
    }

    /** Reads one result per item from a 2xx bulk response; anything else retries every item (same keys). */
    private List<Outcome> itemResults(HttpOutbound.Operation op, HttpWire.Answer response, int count) {
        int status = response.status();
        JsonNode results;
        try {
            JsonNode body = Json.MAPPER.readTree(response.body());
            results = bulkResults.get(op).apply(body);
        } catch (IOException | Mapping.MappingException e) {
            return java.util.Collections.nCopies(count, Outcome.retry(status, "bulk response unreadable ("
                    + e.getMessage() + "): " + excerpt(response.body()), null));
        }
        if (!results.isArray() || results.size() != count) {
            return java.util.Collections.nCopies(count, Outcome.retry(status, "bulk response gave "
                    + (results.isArray() ? results.size() + " results" : "no result array") + " for " + count + " items: " + excerpt(response.body()), null));
        }
        List<Outcome> out = new ArrayList<>(count);
        for (JsonNode r : results) {
            int itemStatus = r.isNumber() ? r.asInt() : r.path("status").asInt(0);
            String error = r.isObject() ? r.path("error").asText(r.path("message").asText("")) : "";
            out.add(itemStatus == 0
                    ? Outcome.retry(status, "bulk result without a status: " + excerpt(r.toString()), null)
                    : classify(itemStatus, error, null));
        }
        return out;
    }

    /** The answer to one call, or the outcome when there is none (refused, timeout, auth failure). */
    private record Exchange(HttpWire.Answer response, Outcome failure) {
        Outcome outcome(java.util.function.Function<HttpWire.Answer, Outcome> classify) {
            return response == null ? failure : classify.apply(response);
        }
    }

    private interface RequestFactory {
        HttpWire.Request build() throws InterruptedException;
    }

    /** A call shorter than this is not started: too little of the lease is left for an answer. */
    private static final Duration SHORTEST_CALL = Duration.ofMillis(500);

    /**
     * One call, after waiting for a concurrency slot and the rate limit and building the request (which may
     * fetch a token): only then is the fence checked, and the call's timeout is cut to what is left of it.
     */
    private Exchange exchange(RequestFactory request, Fence fence) throws InterruptedException {
        concurrency.acquire();
        long t0 = System.nanoTime();
        try {
            rateLimiter.acquire();
            HttpWire.Request built = fenced(request.build(), fence);
            if (built == null) return unsent();
            HttpWire.Answer response = wire.send(built);
            boolean csrfRefused = csrf != null && csrf.refused(response.status(), response.header(csrfHeader()), response.body());
            if ((response.status() == 401 && auth.renew()) || csrfRefused) {
                // Credentials (or the CSRF token) may have expired or been revoked: renew once and try again.
                rateLimiter.acquire();
                built = fenced(request.build(), fence);
                if (built == null) return unsent();
                response = wire.send(built);
            }
            return new Exchange(response, null);
        } catch (AuthFailure e) {
            return failed("authentication failed: " + e.getMessage());
        } catch (HttpWire.NoAnswer e) {
            return failed(e.getMessage());
        } finally {
            concurrency.release();
            metrics.call(name, System.nanoTime() - t0);
        }
    }

    /** The request with its timeout cut to the fence; null when too little is left to make the call. */
    private HttpWire.Request fenced(HttpWire.Request request, Fence fence) {
        Duration left = fence.remaining();
        if (left.compareTo(SHORTEST_CALL) < 0) return null;
        return left.compareTo(request.timeout()) >= 0 ? request : request.withTimeout(left);
    }

    private static Exchange unsent() {
        return new Exchange(null, Outcome.unsent("the lane's lease ran out before the call; not sent"));
    }

    private static Exchange failed(String error) {
        return new Exchange(null, Outcome.retry(null, error, null));
    }

    /** Answers of GET operations, per operation: key → (answer, fetched at); least recently used dropped first. */
    private final Map<String, java.util.LinkedHashMap<String, Fetched>> fetchCache = new java.util.concurrent.ConcurrentHashMap<>();

    private record Fetched(JsonNode value, java.time.Instant at) {
    }

    /**
     * Context for a mapping: a GET operation with the key in its path, from the cache while fresh. 404 is
     * "no such record" (null); refused, timeout, 5xx and 429 are "unavailable" (wait or proceed, as the
     * operation says); other answers are errors of the mapping.
     */
    @Override
    public JsonNode fetch(String operation, String key) throws InterruptedException {
        HttpOutbound.Operation op = config.operations().get(operation);
        if (op == null || !op.method().equals("GET")) {
            throw new Mapping.MappingException("$fetch", -1, "system '" + name + "' has no GET operation '" + operation + "'");
        }
        var cache = op.cacheTtl().isZero() ? null : fetchCache.computeIfAbsent(operation, k -> new java.util.LinkedHashMap<>(16, 0.75f, true));
        if (cache != null) {
            synchronized (cache) {
                Fetched hit = cache.get(key);
                if (hit != null && hit.at().plus(op.cacheTtl()).isAfter(clock.instant())) return hit.value();
            }
        }
        String path = op.path().replace("{key}", java.net.URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20"));
        boolean proceed = op.onUnavailable().equals("proceed");
        Duration closedFor = breaker.permit();
        if (closedFor != null) throw new dev.millwright.mapping.Fetcher.Unavailable(name + " " + operation + ": circuit open, no call made", proceed);
        URI url = resolve(path);
        Exchange exchange;
        Outcome outcome = null;
        try {
            exchange = exchange(() -> {
                Map<String, String> headers = new java.util.LinkedHashMap<>();
                headers.put("Accept", "application/json");
                config.headers().forEach((k, v) -> headers.put(k, v.value()));
                auth.apply(headers::put);
                return new HttpWire.Request("GET", url, headers, null, null, config.timeout());
            }, Fence.NONE);
            outcome = exchange.outcome(this::classify);
        } finally {
            breaker.record(outcome);
        }
        JsonNode value;
        if (exchange.response() != null && exchange.response().status() == 404) {
            value = Json.MAPPER.nullNode();
        } else if (outcome.kind() == Outcome.Kind.RETRY) {
            throw new dev.millwright.mapping.Fetcher.Unavailable(name + " " + operation + " for '" + key + "': " + outcome.error(), proceed);
        } else if (outcome.kind() != Outcome.Kind.DELIVERED) {
            throw new Mapping.MappingException("$fetch", -1, name + " " + operation + " for '" + key + "': " + outcome.error());
        } else {
            try {
                value = Json.MAPPER.readTree(exchange.response().body());
            } catch (IOException e) {
                throw new Mapping.MappingException("$fetch", -1, name + " " + operation + " for '" + key + "' answered with no JSON");
            }
        }
        if (cache != null) {
            synchronized (cache) {
                cache.put(key, new Fetched(value, clock.instant()));
                if (cache.size() > op.cacheSize()) cache.remove(cache.keySet().iterator().next());
            }
        }
        return value;
    }

    /**
     * Checks that credentials can be had (a fresh OAuth2 token is fetched) and that the base URL answers
     * over HTTP (any status counts as reachable; 401/403 mean the credentials were refused).
     */
    @Override
    public Health check() throws InterruptedException {
        long t0 = System.nanoTime();
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        try {
            auth.renew();
            auth.apply(headers::put);
        } catch (AuthFailure e) {
            return new Health(name, false, config.baseUrl().toString(), null, elapsed(t0), auth.describe(), e.getMessage());
        }
        try {
            int status = wire.send(new HttpWire.Request("GET", config.baseUrl(), headers, null, null, config.timeout())).status();
            String problem = status == 401 || status == 403
                    ? "the system refused the credentials (" + auth.describe() + "): HTTP " + status : null;
            return new Health(name, problem == null, config.baseUrl().toString(), status, elapsed(t0), auth.describe(), problem);
        } catch (HttpWire.NoAnswer e) {
            return new Health(name, false, config.baseUrl().toString(), null, elapsed(t0), auth.describe(), e.getMessage());
        }
    }

    private static long elapsed(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /**
     * What goes on the wire for one delivery: method, path (placeholders filled), headers of its operation, content type
     * and body (mapped once, even when a 401 repeats the call).
     */
    private record Call(String method, String path, Map<String, String> headers, String contentType, String body) {
    }

    private final Map<String, PathTemplate> templates = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The call for a delivery: its operation's method, path and mapped body, or a POST of the CloudEvent.
     * @throws PathTemplate.Missing when the event lacks a value its path or headers name
     */
    private Call call(LaneItem item, HttpOutbound.Operation op, String event) {
        String path = op == null ? item.path() : op.path();
        PathTemplate pathTemplate = templates.computeIfAbsent(path, PathTemplate::of);
        Map<String, String> headers = op == null ? Map.of() : op.headers();
        JsonNode parsed = pathTemplate.hasPlaceholders() || !headers.isEmpty() ? parse(event, op) : null;
        if (parsed != null) {
            path = pathTemplate.path(parsed);
            Map<String, String> filled = new java.util.LinkedHashMap<>();
            headers.forEach((k, v) -> filled.put(k, templates.computeIfAbsent(v, PathTemplate::of).header(parsed)));
            headers = filled;
        }
        if (op == null) return new Call("POST", path, headers, "application/cloudevents+json", event);
        if (op.mapping() == null) return new Call(op.method(), path, headers, "application/cloudevents+json", event);
        return new Call(op.method(), path, headers, "application/json", body(op, parsed == null ? parse(event, op) : parsed).toString());
    }

    /** An unresolved reference waits (retried with backoff until the cross-reference has it) or goes dead, as the operation says. */
    private Outcome unresolved(HttpOutbound.Operation op, Mapping.Unresolved e, String event) {
        if (op != null && op.onUnresolved().equals("wait")) return Outcome.retry(null, e.describe(), null);
        return Outcome.permanent(null, e.describe() + "; event: " + excerpt(event));
    }

    /** An operation's body for one event: the mapped event, or the CloudEvent itself. */
    private JsonNode body(HttpOutbound.Operation op, String event) {
        return body(op, parse(event, op));
    }

    private JsonNode body(HttpOutbound.Operation op, JsonNode event) {
        return op.mapping() == null ? event : mappings.apply(op.mapping(), event, Map.of());
    }

    private static JsonNode parse(String event, HttpOutbound.Operation op) {
        try {
            return Json.MAPPER.readTree(event);
        } catch (IOException e) {
            throw new Mapping.MappingException(op == null || op.mapping() == null ? "(none)" : op.mapping(), -1, "the stored event is not JSON");
        }
    }

    /**
     * @param callHeaders the operation's own headers, placeholders filled
     * @param traceparent the trace context to pass on (null: none)
     */
    private HttpWire.Request request(String method, URI url, Map<String, String> callHeaders, String contentType, String idempotencyKey,
                                     String traceparent, String body) throws InterruptedException {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        headers.put("Idempotency-Key", idempotencyKey);
        if (traceparent != null) headers.put("traceparent", traceparent);
        config.headers().forEach((k, v) -> headers.put(k, v.value()));
        headers.putAll(callHeaders);
        auth.apply(headers::put);
        if (csrf != null && !method.equals("GET")) csrf.apply(headers);
        return new HttpWire.Request(method, url, headers, contentType, body, config.timeout());
    }

    /**
     * The URL of a configured path on the base URL. Characters a URL cannot carry as they are (spaces,
     * braces, non-ASCII) are percent-encoded; an existing %XX escape is kept.
     *
     * @throws IllegalArgumentException naming the path when no URL can be made of it
     */
    /** Resolved URLs by path: most deliveries of a system go to a handful of paths, and parsing a URI showed in profiles. */
    private final Map<String, URI> resolved = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int RESOLVED_KEPT = 1024;

    URI resolve(String path) {
        URI hit = resolved.get(path);
        if (hit != null) return hit;
        URI url = build(path);
        if (resolved.size() < RESOLVED_KEPT) resolved.put(path, url); // paths filled from events may all differ
        return url;
    }

    private URI build(String path) {
        String base = config.baseUrl().toString();
        if (base.endsWith("/")) base = base.substring(0, base.length() - 1);
        StringBuilder url = new StringBuilder(base);
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean escape = b == '%' && i + 2 < bytes.length && isHex(bytes[i + 1]) && isHex(bytes[i + 2]);
            if (escape || (b < 0x80 && URL_SAFE.indexOf(b) >= 0)) url.append((char) b);
            else url.append('%').append(HEX[b >> 4]).append(HEX[b & 0xf]);
        }
        try {
            return new URI(url.toString());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("no URL can be made of path '" + path + "' on " + base + ": " + e.getReason());
        }
    }

    private static final String URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private static boolean isHex(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }

    private Outcome classify(HttpWire.Answer response) {
        return classify(response.status(), response.body(), response.retryAfter());
    }

    Outcome classify(int status, String body, String retryAfter) {
        if (status >= 200 && status < 300) return Outcome.delivered(status, body);
        String error = "HTTP " + status + (body == null || body.isBlank() ? "" : ": " + excerpt(body));
        if (status >= 500 || status == 408 || status == 429) {
            return Outcome.retry(status, error, parseRetryAfter(retryAfter));
        }
        return Outcome.permanent(status, error);
    }

    private static String excerpt(String body) {
        String oneLine = body.strip();
        return oneLine.length() <= EXCERPT ? oneLine : oneLine.substring(0, EXCERPT) + "…";
    }

    /** Retry-After as delta-seconds or an HTTP date; null when absent or unreadable. */
    Duration parseRetryAfter(String value) {
        if (value == null || value.isBlank()) return null;
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(clock.instant(), at.toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException e) {
                return null;
            }
        }
    }

    @Override
    public void close() {
        if (bulkTimer != null) bulkTimer.shutdownNow();
        wire.close();
        if (tokenClient != null) tokenClient.close();
    }
}
