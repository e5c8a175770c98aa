package dev.millwright.delivery;

import dev.millwright.config.SystemConfig;
import dev.millwright.delivery.auth.AuthFailure;
import dev.millwright.delivery.auth.Authenticator;
import dev.millwright.store.LaneItem;
import dev.millwright.store.RateLimitStore;
import dev.millwright.mapping.Mapping;
import dev.millwright.event.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
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
public final class HttpTarget implements Target {
    private static final int EXCERPT = 500;

    private final String name;
    private final SystemConfig.HttpOutbound config;
    private final HttpClient client;
    private final Semaphore concurrency;
    private final RateLimiter rateLimiter;
    private final Authenticator auth;
    private final CircuitBreaker breaker;
    private final Clock clock;

    private final Map<String, Mapping> mappings;

    /** @param mappings the plant's compiled mappings, for operations that name one */
    public HttpTarget(String name, SystemConfig.HttpOutbound config, Clock clock, RateLimitStore rateLimits, Map<String, Mapping> mappings) {
        this.mappings = mappings;
        this.name = name;
        this.config = config;
        this.clock = clock;
        this.client = HttpClient.newBuilder()
                .connectTimeout(config.timeout())
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.concurrency = new Semaphore(config.maxConcurrency());
        this.rateLimiter = config.rateLimit() > 0 ? new RateLimiter(name, config.rateLimit(), rateLimits) : RateLimiter.unlimited(name);
        this.auth = Authenticator.of(config.auth(), client, clock);
        this.breaker = new CircuitBreaker(config.circuitBreaker().failureThreshold(), config.circuitBreaker().openFor(), clock);
    }

    public Authenticator auth() {
        return auth;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Duration callTimeout() {
        return config.timeout();
    }

    @Override
    public dev.millwright.config.RetryPolicy retry() {
        return config.retry();
    }

    public SystemConfig.HttpOutbound config() {
        return config;
    }

    @Override
    public Outcome send(LaneItem item, String body) throws InterruptedException {
        Duration closedFor = breaker.permit();
        if (closedFor != null) {
            return Outcome.held("circuit open after " + breaker.consecutiveFailures() + " failures in a row; no call made", closedFor);
        }
        Outcome outcome = call(item, body);
        if (outcome.kind() == Outcome.Kind.RETRY) breaker.failed();
        else breaker.succeeded();
        return outcome;
    }

    private Outcome call(LaneItem item, String body) throws InterruptedException {
        concurrency.acquire();
        try {
            rateLimiter.acquire();
            HttpResponse<String> response = client.send(request(item, body), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 401 && auth.renew()) {
                // Credentials may have expired or been revoked: renew once and try again.
                rateLimiter.acquire();
                response = client.send(request(item, body), HttpResponse.BodyHandlers.ofString());
            }
            return classify(response.statusCode(), response.body(), response.headers().firstValue("Retry-After").orElse(null));
        } catch (AuthFailure e) {
            return Outcome.retry(null, "authentication failed: " + e.getMessage(), null);
        } catch (Mapping.MappingException e) {
            // Retrying cannot help a mapping that fails on this event: dead-letter it with the reason.
            return Outcome.permanent(null, e.describe() + "; event: " + excerpt(body));
        } catch (HttpConnectTimeoutException e) {
            return Outcome.retry(null, "connect timeout after " + config.timeout().toMillis() + " ms", null);
        } catch (HttpTimeoutException e) {
            return Outcome.retry(null, "no answer within " + config.timeout().toMillis() + " ms", null);
        } catch (ConnectException e) {
            return Outcome.retry(null, "connection refused by " + config.baseUrl().getAuthority(), null);
        } catch (IOException e) {
            return Outcome.retry(null, "I/O error: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()), null);
        } finally {
            concurrency.release();
        }
    }

    /**
     * Checks that credentials can be had (a fresh OAuth2 token is fetched) and that the base URL answers
     * over HTTP (any status counts as reachable; 401/403 mean the credentials were refused).
     */
    @Override
    public Health check() throws InterruptedException {
        long t0 = System.nanoTime();
        HttpRequest.Builder request = HttpRequest.newBuilder(config.baseUrl()).timeout(config.timeout()).GET();
        try {
            auth.renew();
            auth.apply(request);
        } catch (AuthFailure e) {
            return new Health(name, false, config.baseUrl().toString(), null, elapsed(t0), auth.describe(), e.getMessage());
        }
        try {
            int status = client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            String problem = status == 401 || status == 403
                    ? "the system refused the credentials (" + auth.describe() + "): HTTP " + status : null;
            return new Health(name, problem == null, config.baseUrl().toString(), status, elapsed(t0), auth.describe(), problem);
        } catch (HttpTimeoutException e) {
            return new Health(name, false, config.baseUrl().toString(), null, elapsed(t0), auth.describe(),
                    "no answer from " + config.baseUrl() + " within " + config.timeout().toMillis() + " ms");
        } catch (ConnectException e) {
            return new Health(name, false, config.baseUrl().toString(), null, elapsed(t0), auth.describe(),
                    "connection refused by " + config.baseUrl().getAuthority());
        } catch (IOException e) {
            return new Health(name, false, config.baseUrl().toString(), null, elapsed(t0), auth.describe(),
                    "cannot reach " + config.baseUrl() + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }

    private static long elapsed(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** What goes on the wire for one delivery: method, path, content type and body. */
    private record Call(String method, String path, String contentType, String body) {
    }

    /** The call for a delivery: its operation's method, path and mapped body, or a POST of the CloudEvent. */
    private Call callFor(LaneItem item, String event) {
        SystemConfig.Operation op = item.operation() == null ? null : config.operations().get(item.operation());
        if (op == null) return new Call("POST", item.path(), "application/cloudevents+json", event);
        if (op.mapping() == null) return new Call(op.method(), op.path(), "application/cloudevents+json", event);
        Mapping mapping = mappings.get(op.mapping());
        JsonNode input;
        try {
            input = Json.MAPPER.readTree(event);
        } catch (IOException e) {
            throw new Mapping.MappingException(op.mapping(), -1, "the stored event is not JSON");
        }
        JsonNode mapped = mapping.apply(input);
        return new Call(op.method(), op.path(), "application/json", mapped.toString());
    }

    private HttpRequest request(LaneItem item, String event) throws InterruptedException {
        Call call = callFor(item, event);
        HttpRequest.Builder request = HttpRequest.newBuilder(resolve(call.path()))
                .timeout(config.timeout())
                .header("Content-Type", call.contentType())
                .header("Idempotency-Key", item.idempotencyKey())
                .method(call.method(), HttpRequest.BodyPublishers.ofString(call.body(), StandardCharsets.UTF_8));
        config.headers().forEach((k, v) -> request.header(k, v.value()));
        auth.apply(request);
        return request.build();
    }

    private URI resolve(String path) {
        String base = config.baseUrl().toString();
        if (base.endsWith("/")) base = base.substring(0, base.length() - 1);
        return URI.create(base + path);
    }

    Outcome classify(int status, String body, String retryAfter) {
        if (status >= 200 && status < 300) return Outcome.delivered(status);
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
        client.close();
    }
}
