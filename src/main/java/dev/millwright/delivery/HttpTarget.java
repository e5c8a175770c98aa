package dev.millwright.delivery;

import dev.millwright.config.SystemConfig;
import dev.millwright.store.LaneItem;

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
public final class HttpTarget implements AutoCloseable {
    private static final int EXCERPT = 500;

    private final String name;
    private final SystemConfig.HttpOutbound config;
    private final HttpClient client;
    private final Semaphore concurrency;
    private final RateLimiter rateLimiter;
    private final Clock clock;

    public HttpTarget(String name, SystemConfig.HttpOutbound config, Clock clock) {
        this.name = name;
        this.config = config;
        this.clock = clock;
        this.client = HttpClient.newBuilder()
                .connectTimeout(config.timeout())
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.concurrency = new Semaphore(config.maxConcurrency());
        this.rateLimiter = new RateLimiter(config.rateLimit());
    }

    public String name() {
        return name;
    }

    public SystemConfig.HttpOutbound config() {
        return config;
    }

    /** Sends one delivery with the given body (the event as the target should see it). */
    Outcome send(LaneItem item, String body) throws InterruptedException {
        concurrency.acquire();
        try {
            rateLimiter.acquire();
            HttpRequest.Builder request = HttpRequest.newBuilder(resolve(item.path()))
                    .timeout(config.timeout())
                    .header("Content-Type", "application/cloudevents+json")
                    .header("Idempotency-Key", item.idempotencyKey())
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            config.headers().forEach((k, v) -> request.header(k, v.value()));
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return classify(response.statusCode(), response.body(), response.headers().firstValue("Retry-After").orElse(null));
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
