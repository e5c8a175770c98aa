package dev.millwright.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.event.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Talks to a hub over real HTTP, as a sender or an operator would. */
public final class HubClient implements AutoCloseable {
    public static final String TOKEN = "test-admin-token";

    public record Response(int status, String contentType, String body, String retryAfter) {
        public Response(int status, String contentType, String body) {
            this(status, contentType, body, null);
        }

        public JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final String base;
    private final String token;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public HubClient(int port) {
        this(port, TOKEN);
    }

    /** @param token null: requests carry no Authorization header */
    public HubClient(int port, String token) {
        this.base = "http://127.0.0.1:" + port;
        this.token = token;
    }

    /** A client of the same hub sending another bearer token (null: none). */
    public HubClient as(String otherToken) {
        return new HubClient(java.net.URI.create(base).getPort(), otherToken);
    }

    /** Any request: {@code body} null sends none. */
    public Response send(String method, String path, String contentType, String body) {
        HttpRequest.Builder b = request(path).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) b.header("Content-Type", contentType);
        return send(b.build());
    }

    public static String event(String id, String type, String subject, String dataJson) {
        return """
                {"specversion":"1.0","id":"%s","source":"test://qms","type":"%s"%s,"datacontenttype":"application/json","data":%s}"""
                .formatted(id, type, subject == null ? "" : ",\"subject\":\"" + subject + "\"", dataJson);
    }

    public static String batch(List<String> events) {
        return events.stream().collect(Collectors.joining(",", "[", "]"));
    }

    public Response postEvents(String contentType, String body) {
        return send(request("/api/v1/events").header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public Response postBytes(String path, Map<String, String> headers, byte[] body) {
        HttpRequest.Builder b = request(path).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::setHeader);
        return send(b.build());
    }

    public Response postJson(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    public Response get(String path) {
        return send(request(path).GET().build());
    }

    public Response putJson(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    public Response delete(String path) {
        return send(request(path).DELETE().build());
    }

    public Response getWithoutToken(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET().build());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        return token == null ? b : b.header("Authorization", "Bearer " + token);
    }

    private Response send(HttpRequest request) {
        try {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(),
                    r.headers().firstValue("Retry-After").orElse(null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
