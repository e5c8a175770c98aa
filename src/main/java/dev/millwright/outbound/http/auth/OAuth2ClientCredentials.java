package dev.millwright.outbound.http.auth;

import dev.millwright.outbound.http.HttpOutbound;
import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.event.Json;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.locks.ReentrantLock;

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4): one token, fetched by one caller while the others wait,
 * reused until shortly before it expires, dropped when the system answers 401.
 */
public final class OAuth2ClientCredentials implements Authenticator {
    private static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(5);

    private record Token(String value, Instant renewAt) {
    }

    private final HttpOutbound.OAuth2 config;
    private final HttpClient client;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Token token;

    public OAuth2ClientCredentials(HttpOutbound.OAuth2 config, HttpClient client, Clock clock) {
        this.config = config;
        this.client = client;
        this.clock = clock;
    }

    @Override
    public void apply(Headers request) throws InterruptedException {
        request.set("Authorization", "Bearer " + current());
    }

    private String current() throws InterruptedException {
        Token t = token;
        if (t != null && clock.instant().isBefore(t.renewAt())) return t.value();
        lock.lock();
        try {
            t = token;
            if (t != null && clock.instant().isBefore(t.renewAt())) return t.value();
            token = fetch();
            return token.value();
        } finally {
            lock.unlock();
        }
    }

    private Token fetch() throws InterruptedException {
        StringBuilder form = new StringBuilder("grant_type=client_credentials");
        if (config.scope() != null) form.append("&scope=").append(encode(config.scope()));
        if (config.audience() != null) form.append("&audience=").append(encode(config.audience()));
        String basic = Base64.getEncoder().encodeToString((encode(config.clientId()) + ":" + encode(config.clientSecret().value()))
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response;
        try {
            response = client.send(HttpRequest.newBuilder(config.tokenUrl())
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Accept", "application/json")
                    .header("Authorization", "Basic " + basic)
                    .POST(HttpRequest.BodyPublishers.ofString(form.toString())).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AuthFailure("token endpoint " + config.tokenUrl() + " not reachable: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            body = Json.MAPPER.createObjectNode();
        }
        if (response.statusCode() != 200) {
            String error = body.path("error").asText("");
            String description = body.path("error_description").asText("");
            throw new AuthFailure("token endpoint " + config.tokenUrl() + " refused client '" + config.clientId() + "': HTTP "
                    + response.statusCode() + (error.isEmpty() ? "" : " " + error) + (description.isEmpty() ? "" : " (" + description + ")"));
        }
        String value = body.path("access_token").asText("");
        if (value.isEmpty() || !body.path("token_type").asText("bearer").equalsIgnoreCase("bearer")) {
            throw new AuthFailure("token endpoint " + config.tokenUrl() + " answered 200 without a bearer access_token");
        }
        Duration lifetime = body.has("expires_in") ? Duration.ofSeconds(Math.max(1, body.get("expires_in").asLong())) : DEFAULT_LIFETIME;
        // Renew a little early so a call never leaves with a token about to expire; a tenth of short lifetimes.
        Duration early = lifetime.compareTo(Duration.ofMinutes(5)) >= 0 ? Duration.ofSeconds(30) : lifetime.dividedBy(10);
        return new Token(value, clock.instant().plus(lifetime).minus(early));
    }

    @Override
    public boolean renew() {
        token = null;
        return true;
    }

    @Override
    public String describe() {
        return "OAuth2 client credentials for '" + config.clientId() + "' from " + config.tokenUrl();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
