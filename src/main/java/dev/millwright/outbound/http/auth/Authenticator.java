package dev.millwright.outbound.http.auth;

import dev.millwright.outbound.http.HttpOutbound;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;

/** Adds a system's credentials to each call, and renews them when the system answers 401. */
public interface Authenticator {
    /** Where credentials go: a request's headers. */
    @FunctionalInterface
    interface Headers {
        void set(String name, String value);
    }

    /** Adds credentials; throws {@link AuthFailure} when they cannot be had (e.g. the token endpoint refuses). */
    void apply(Headers request) throws InterruptedException;

    /** After a 401: forgets cached credentials. @return true when one more try may succeed */
    boolean renew();

    /** A short description for errors and health checks, never containing a secret. */
    String describe();

    Authenticator NONE = new Authenticator() {
        @Override
        public void apply(Headers request) {
        }

        @Override
        public boolean renew() {
            return false;
        }

        @Override
        public String describe() {
            return "no authentication";
        }
    };

    /** @param tokenClient for the OAuth2 token endpoint (only asked for when the system uses OAuth2) */
    static Authenticator of(HttpOutbound.Auth auth, java.util.function.Supplier<HttpClient> tokenClient, Clock clock) {
        return switch (auth.type()) {
            case "apiKey" -> new StaticHeader(auth.apiKey().header(), auth.apiKey().value().value(), "API key in " + auth.apiKey().header());
            case "basic" -> new StaticHeader("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (auth.basic().username() + ":" + auth.basic().password().value()).getBytes(StandardCharsets.UTF_8)),
                    "basic authentication as " + auth.basic().username());
            case "oauth2" -> new OAuth2ClientCredentials(auth.oauth2(), tokenClient.get(), clock);
            default -> NONE;
        };
    }

    /** A header that never changes (API key, basic). */
    record StaticHeader(String name, String value, String describe) implements Authenticator {
        @Override
        public void apply(Headers request) {
            request.set(name, value);
        }

        @Override
        public boolean renew() {
            return false;
        }

        @Override
        public String toString() {
            return describe; // the value is a secret
        }
    }
}
