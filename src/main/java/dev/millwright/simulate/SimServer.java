package dev.millwright.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.millwright.event.Json;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A simulated plant system: an HTTP server on 127.0.0.1 with its own routes, error format and state. What every
 * simulator shares lives here: Idempotency-Key replay, {@code GET /_state}, and failure orders at {@code /_admin}
 * (down for a while, slow, an error rate, a burst of 429s, rejecting payloads that match a rule, closing the
 * connection mid-answer), so an integrator can make the system misbehave the way real ones do.
 */
public abstract class SimServer implements AutoCloseable {
    /** One request as a route sees it. */
    public record Request(String method, String path, Map<String, String> query, Map<String, String> headers, byte[] body, Matcher match) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public JsonNode json() {
            try {
                return body.length == 0 ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new Refusal(400, "malformed", "the body is not JSON: " + e.getMessage());
            }
        }

        public String group(int i) {
            return URLDecoder.decode(match.group(i), StandardCharsets.UTF_8);
        }
    }

    /** An answer: status, headers, body. */
    public record Response(int status, Map<String, String> headers, String body) {
        public static Response json(int status, JsonNode body) {
            return new Response(status, Map.of("Content-Type", "application/json"), body.toString());
        }

        public Response with(String header, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(header, value);
            return new Response(status, h, body);
        }
    }

    /** A refusal in the system's own words: the simulator turns it into its error body. */
    public static final class Refusal extends RuntimeException {
        final int status;
        final String code;

        public Refusal(int status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }
    }

    @FunctionalInterface
    public interface Handler {
        Response handle(Request r);
    }

    private record Route(String method, Pattern path, Handler handler) {
    }

    private final String name;
    private final List<Route> routes = new ArrayList<>();
    private final Map<String, Response> answered = new ConcurrentHashMap<>();
    private final Map<String, Boolean> inProgress = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final int port;
    private volatile HttpServer server;
    protected final Faults faults = new Faults();
    /** Requests served (after faults), for /_state. */
    private final java.util.concurrent.atomic.AtomicLong served = new java.util.concurrent.atomic.AtomicLong();

    protected SimServer(String name, int port) throws IOException {
        this.name = name;
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("sim-" + name).factory());
        this.server = listen(port);
        this.port = server.getAddress().getPort();
    }

    private HttpServer listen(int port) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 256);
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.createContext("/", this::serve);
        s.start();
        return s;
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + port);
    }

    protected final void route(String method, String pathRegex, Handler handler) {
        routes.add(new Route(method, Pattern.compile(pathRegex), handler));
    }

    /** The system's state as JSON, for GET /_state and for checks. */
    public abstract ObjectNode state();

    /** The system's error body for a refusal. */
    protected abstract Response error(int status, String code, String message);

    /** Takes back a state this system wrote to its file ({@link #state()} plus its counters); the system is new and idle. */
    protected abstract void restore(ObjectNode saved);

    private volatile java.nio.file.Path stateFile;
    private long savedAt = -1;

    /**
     * Keeps the state in a file: read now if it exists (so documents keep their numbers across restarts), written
     * within a second of each change and on close, under a temporary name then renamed.
     */
    public final void keepStateIn(java.nio.file.Path file) throws IOException {
        if (java.nio.file.Files.exists(file)) {
            try {
                restore((ObjectNode) Json.MAPPER.readTree(file.toFile()));
            } catch (IOException | ClassCastException e) {
                throw new IOException(name + ": the state file " + file + " cannot be read: " + e.getMessage(), e);
            }
        }
        this.stateFile = file;
        timer.scheduleWithFixedDelay(this::save, 1, 1, TimeUnit.SECONDS);
    }

    private synchronized void save() {
        java.nio.file.Path file = stateFile;
        long now = changes.get();
        if (file == null || now == savedAt) return;
        try {
            java.nio.file.Path tmp = file.resolveSibling(file.getFileName() + ".part");
            Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), state());
            java.nio.file.Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            savedAt = now;
        } catch (IOException e) {
            System.err.println(name + " could not write its state to " + file + ": " + e.getMessage());
        }
    }

    /** Writes that may have changed the state (anything but a GET), for the state file. */
    private final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();

    /** Marks the state changed by something other than a request (a simulated technician, a report sent). */
    protected final void changed() {
        changes.incrementAndGet();
    }

    /** Reads a saved map of records back by one of their fields. */
    protected static void restoreInto(Map<String, ObjectNode> into, JsonNode saved, String keyField) {
        into.clear();
        for (JsonNode n : saved) into.put(n.path(keyField).asText(), (ObjectNode) n.deepCopy());
    }

    /** Stops listening for a while (connections are refused, as when the system is down), then listens again. */
    public synchronized void down(Duration duration) {
        server.stop(0);
        timer.schedule(() -> {
            synchronized (this) {
                try {
                    server = listen(port);
                } catch (IOException e) {
                    System.err.println(name + " could not listen again on " + port + ": " + e.getMessage());
                }
            }
        }, duration.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Requests served so far (after failure orders), as /_state shows them. */
    public long requestsServed() {
        return served.get();
    }

    public Faults faults() {
        return faults;
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.getFirst()));
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            String method = exchange.getRequestMethod();
            Response response;
            if (path.equals("/_state") && method.equals("GET")) {
                ObjectNode state = state();
                state.put("requestsServed", served.get());
                response = Response.json(200, state);
            } else if (path.equals("/_admin")) {
                response = admin(method, body);
            } else {
                Faults.Decision fault = faults.decide(path, new String(body, StandardCharsets.UTF_8));
                if (fault.delay() > 0) sleep(fault.delay());
                if (fault.drop()) {
                    // Headers promise more than is sent, then the connection closes: the client sees a broken answer.
                    exchange.sendResponseHeaders(200, 1000);
                    exchange.getResponseBody().write("{\"partial\":".getBytes(StandardCharsets.UTF_8));
                    exchange.getResponseBody().flush();
                    return;
                }
                response = fault.answer() != null ? faultAnswer(fault) : handle(new Request(method, path, query, headers, body, null));
                served.incrementAndGet();
                if (!method.equals("GET")) changes.incrementAndGet();
            }
            send(exchange, response);
        }
    }

    private Response faultAnswer(Faults.Decision fault) {
        Response r = error(fault.answer(), fault.code(), fault.message());
        return fault.answer() == 429 ? r.with("Retry-After", "1") : r;
    }

    /** Routes a request, replaying the answer to a write whose Idempotency-Key was seen before. */
    private Response handle(Request r) {
        String key = r.method().equals("GET") ? null : r.header("Idempotency-Key");
        if (key != null) {
            Response earlier = answered.get(key);
            if (earlier != null) return earlier.with("Idempotent-Replayed", "true");
            if (inProgress.putIfAbsent(key, Boolean.TRUE) != null) {
                return error(409, "conflict", "a request with Idempotency-Key " + key + " is in progress");
            }
        }
        try {
            Response response = dispatch(r);
            // Answers to be replayed: what the request itself came to (done, or refused for its content) — never a refusal of
            // its credentials (401/403: the same request with fresh ones must go through), a busy answer or a server error.
            if (key != null && replayable(response.status())) answered.put(key, response);
            return response;
        } finally {
            if (key != null) inProgress.remove(key);
        }
    }

    private static boolean replayable(int status) {
        return status < 500 && status != 401 && status != 403 && status != 405 && status != 409 && status != 429;
    }

    private Response dispatch(Request r) {
        boolean pathKnown = false;
        for (Route route : routes) {
            Matcher m = route.path().matcher(r.path());
            if (!m.matches()) continue;
            pathKnown = true;
            if (!route.method().equals(effectiveMethod(r))) continue;
            try {
                return route.handler().handle(new Request(r.method(), r.path(), r.query(), r.headers(), r.body(), m));
            } catch (Refusal e) {
                return error(e.status, e.code, e.getMessage());
            } catch (RuntimeException e) {
                return error(500, "internal", e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        return pathKnown ? error(405, "method", effectiveMethod(r) + " is not allowed on " + r.path())
                : error(404, "not-found", "no resource at " + r.path());
    }

    /**
     * A request inside another (an OData $batch part): routed as if it came alone, without failure orders; its own
     * Idempotency-Key is honoured when {@code idempotent} (not inside a changeset that may be undone as a whole).
     */
    protected final Response inner(String method, String path, Map<String, String> headers, byte[] body, boolean idempotent) {
        Map<String, String> lower = new LinkedHashMap<>();
        headers.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
        Request r = new Request(method, path, Map.of(), lower, body, null);
        return idempotent ? handle(r) : dispatch(r);
    }

    /** The method a request means: some systems take PATCH as a POST with an override header. */
    protected String effectiveMethod(Request r) {
        return r.method();
    }

    private Response admin(String method, byte[] body) {
        try {
            switch (method) {
                case "GET" -> {
                    return Response.json(200, faults.describe());
                }
                case "DELETE" -> {
                    faults.clear();
                    return Response.json(200, faults.describe());
                }
                case "POST", "PUT" -> {
                    JsonNode order = Json.MAPPER.readTree(body);
                    if (order.hasNonNull("downFor")) {
                        Duration d = dev.millwright.config.spec.Durations.parse(order.get("downFor").asText());
                        if (d == null) return adminProblem("downFor must be a duration such as 30s");
                        timer.schedule(() -> down(d), 50, TimeUnit.MILLISECONDS); // after this answer is sent
                    }
                    String problem = faults.apply(order);
                    return problem != null ? adminProblem(problem) : Response.json(200, faults.describe());
                }
                default -> {
                    return adminProblem("use GET, POST or DELETE");
                }
            }
        } catch (IOException e) {
            return adminProblem("the failure order is not JSON: " + e.getMessage());
        }
    }

    private static Response adminProblem(String detail) {
        ObjectNode p = Json.MAPPER.createObjectNode().put("title", "Bad failure order").put("status", 400).put("detail", detail);
        return new Response(400, Map.of("Content-Type", "application/problem+json"), p.toString());
    }

    private static void send(HttpExchange exchange, Response r) throws IOException {
        r.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        byte[] out = r.body() == null ? new byte[0] : r.body().getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(r.status(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(out);
            }
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null) return q;
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            q.put(k, eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return q;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A time as the systems write it: UTC, whole seconds, always with the seconds (OffsetDateTime.toString drops ":00"). */
    public static String timestamp(java.time.Clock clock) {
        return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    /** Reads a JSON number or numeric text (OData V2 sends decimals as strings). */
    protected static java.math.BigDecimal decimal(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull() || v.asText().isBlank()) throw new Refusal(400, "missing", "property " + field + " is missing");
        try {
            return new java.math.BigDecimal(v.asText().trim());
        } catch (NumberFormatException e) {
            throw new Refusal(400, "format", "property " + field + " is not a number: " + v.asText());
        }
    }

    protected static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull() || v.asText().isBlank()) throw new Refusal(400, "missing", "property " + field + " is missing");
        return v.asText();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        server.stop(0);
        save();
    }
}
