package dev.millwright.harness;

import dev.millwright.outbound.http.HttpOutbound;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.millwright.config.SystemConfig;
import dev.millwright.outbound.http.odata.ODataBatch;
import dev.millwright.event.Json;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * One local HTTP server standing in for every HTTP system of a plant during flow tests: system NAME lives under
 * /NAME; a call is matched to its operation by method and path, answered as the case says, and recorded.
 */
final class SimulatedSystems implements AutoCloseable {
    /** One answer: status and JSON body. */
    record Answer(int status, JsonNode body) {
    }

    /** A call the hub made. {@code operation} is null for a system's plain delivery. */
    record Call(String system, String operation, JsonNode body) {
    }

    private final HttpServer server;
    private final Map<String, SystemConfig> systems;
    private final List<Call> calls = new ArrayList<>();
    private Map<String, List<Answer>> answers = Map.of();
    private final Map<String, Integer> used = new HashMap<>();

    SimulatedSystems(Map<String, SystemConfig> systems) throws IOException {
        this.systems = systems;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    String baseUrl(String system) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + system;
    }

    /** A new case: these answers, no calls yet. */
    synchronized void reset(Map<String, List<Answer>> answers) {
        this.answers = answers;
        used.clear();
        calls.clear();
    }

    synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            int slash = path.indexOf('/', 1);
            String system = slash < 0 ? path.substring(1) : path.substring(1, slash);
            String rest = slash < 0 ? "/" : path.substring(slash);
            SystemConfig config = systems.get(system);
            String operation = config == null || config.outbound(HttpOutbound.class) == null ? null : operation(config, exchange.getRequestMethod(), rest);
            String text = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            HttpOutbound.Batch odata = operation == null ? null : config.outbound(HttpOutbound.class).operations().get(operation).batch();
            if (odata != null && odata.odata() && rest.equals(odata.path())) {
                answerBatch(exchange, system, config, odata, text);
                return;
            }
            JsonNode body;
            try {
                body = text.isBlank() ? Json.MAPPER.nullNode() : Json.MAPPER.readTree(text);
            } catch (IOException e) {
                body = Json.MAPPER.getNodeFactory().textNode(text);
            }
            Answer answer = record(new Call(system, operation, body));
            byte[] out = answer.body() == null || answer.body().isNull() ? new byte[0] : answer.body().toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) exchange.getResponseBody().write(out);
        }
    }

    /** An OData $batch: each request recorded and answered as if it came alone, the answers in one multipart answer. */
    private void answerBatch(HttpExchange exchange, String system, SystemConfig config, HttpOutbound.Batch batch, String text) throws IOException {
        List<List<ODataBatch.Answer>> answers = new ArrayList<>();
        List<Boolean> changesets = new ArrayList<>();
        for (ODataBatch.Entry entry : ODataBatch.parse(exchange.getRequestHeaders().getFirst("Content-Type"), text)) {
            List<ODataBatch.Answer> out = new ArrayList<>();
            for (ODataBatch.Part part : entry.changeset() == null ? List.of(entry.request()) : entry.changeset()) {
                JsonNode body;
                try {
                    body = part.body().isBlank() ? Json.MAPPER.nullNode() : Json.MAPPER.readTree(part.body());
                } catch (IOException e) {
                    body = Json.MAPPER.getNodeFactory().textNode(part.body());
                }
                Answer a = record(new Call(system, operation(config, part.method(), batch.serviceRoot() + part.path()), body));
                out.add(new ODataBatch.Answer(a.status(), "application/json", a.body() == null || a.body().isNull() ? "" : a.body().toString()));
            }
            answers.add(out);
            changesets.add(entry.changeset() != null);
        }
        String boundary = "batchresponse_" + java.util.UUID.randomUUID();
        byte[] out = ODataBatch.answer(boundary, answers, changesets).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "multipart/mixed; boundary=" + boundary);
        exchange.sendResponseHeaders(202, out.length);
        exchange.getResponseBody().write(out);
    }

    private synchronized Answer record(Call call) {
        calls.add(call);
        String key = call.operation() == null ? call.system() : call.system() + "." + call.operation();
        List<Answer> list = answers.get(key);
        if (list == null || list.isEmpty()) return new Answer(200, Json.MAPPER.createObjectNode());
        int n = used.merge(key, 1, Integer::sum) - 1;
        return list.get(Math.min(n, list.size() - 1));
    }

    /**
     * The operation whose method and path template (a placeholder such as {key} or {data.lot} for any text but '/')
     * match, or whose bulk endpoint a POST goes to.
     */
    private static String operation(SystemConfig config, String method, String path) {
        for (var e : config.outbound(HttpOutbound.class).operations().entrySet()) {
            HttpOutbound.Operation op = e.getValue();
            if (op.batch() != null && method.equals("POST") && path.equals(op.batch().path())) return e.getKey(); // a bulk call
            if (!op.method().equalsIgnoreCase(method)) continue;
            String template = Pattern.quote(op.path().split("\\?", 2)[0]).replaceAll("\\{[^}]*}", "\\\\E[^/]+\\\\Q");
            if (path.matches(template)) return e.getKey();
        }
        return null;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
