package dev.millwright.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.millwright.event.Json;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.stream.Collectors;

/** A real HTTP server on 127.0.0.1 standing in for ERP/EAM: records every request, answers as told. */
public final class TestTarget implements AutoCloseable {
    /** @param rawPath the path as sent, percent-escapes kept */
    public record Received(Instant at, String method, String path, String idempotencyKey, String eventId, String subject, JsonNode event,
                           java.util.Map<String, String> headers, String rawPath) {
        /** A request header (first value), by case-insensitive name; null when absent. */
        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    public record Reply(int status, String body, String retryAfter) {
        public static Reply ok() {
            return new Reply(200, "", null);
        }
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<Received> failures = new CopyOnWriteArrayList<>();
    private final Set<String> inFlightKeys = ConcurrentHashMap.newKeySet();
    private final List<String> concurrentDuplicates = new CopyOnWriteArrayList<>();
    private volatile Function<Received, Reply> responder = r -> Reply.ok();
    private HttpServer server;
    private final int port;

    public TestTarget() throws IOException {
        this(0);
    }

    public TestTarget(int port) throws IOException {
        server = start(port);
        this.port = server.getAddress().getPort();
    }

    private HttpServer start(int port) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 512);
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.createContext("/", this::handle);
        s.start();
        return s;
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        JsonNode event = body.length == 0 ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(new String(body, StandardCharsets.UTF_8));
        String key = java.util.Objects.requireNonNullElse(exchange.getRequestHeaders().getFirst("Idempotency-Key"), "(none)");
        java.util.Map<String, String> headers = new java.util.HashMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.getFirst()));
        Received r = new Received(Instant.now(), exchange.getRequestMethod(), exchange.getRequestURI().getPath(), key,
                event.path("id").asText(), event.path("subject").asText(null), event, headers, exchange.getRequestURI().getRawPath());
        if (!inFlightKeys.add(key)) concurrentDuplicates.add(key);
        try {
            Reply reply = responder.apply(r);
            if (reply.status() < 300) received.add(r);
            else failures.add(r);
            if (reply.retryAfter() != null) exchange.getResponseHeaders().add("Retry-After", reply.retryAfter());
            byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) exchange.getResponseBody().write(out);
        } finally {
            inFlightKeys.remove(key);
            exchange.close();
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public void respond(Function<Received, Reply> responder) {
        this.responder = responder;
    }

    /** Requests answered 2xx, in arrival order. */
    public List<Received> received() {
        return new ArrayList<>(received);
    }

    /** Requests answered with an error status, in arrival order. */
    public List<Received> failures() {
        return new ArrayList<>(failures);
    }

    /** Requests being handled right now (received, not yet answered). */
    public int inFlight() {
        return inFlightKeys.size();
    }

    public Set<String> distinctKeys() {
        return received.stream().map(Received::idempotencyKey).collect(Collectors.toSet());
    }

    /** Idempotency keys that arrived while a request with the same key was still being handled. */
    public List<String> concurrentDuplicates() {
        return new ArrayList<>(concurrentDuplicates);
    }

    /** Stops listening: connections are refused until {@link #restart()}. */
    public void stop() {
        server.stop(0);
    }

    public void restart() throws IOException {
        server = start(port);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
