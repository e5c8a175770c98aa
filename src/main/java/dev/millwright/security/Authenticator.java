package dev.millwright.security;

import dev.millwright.config.SystemConfig;
import dev.millwright.store.TokenStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a bearer credential into a principal: the bootstrap admin token, a system's producer token, an API token
 * (looked up by hash in the database) or an identity provider's JWT. Accepted credentials are remembered briefly (by
 * their hash) so a busy client costs no query per request; a revoked API token stops working within {@link #TOKEN_CACHE}.
 */
public final class Authenticator {
    public static final Duration TOKEN_CACHE = Duration.ofSeconds(5);
    private static final int MAX_CACHED = 10_000;

    /** What became of a credential. */
    public sealed interface Outcome {
    }

    /** @param firstUse the first request with this credential on this node (an identity provider login) */
    public record Accepted(Principal principal, boolean firstUse) implements Outcome {
    }

    /** @param detail why, fit for the caller (it never repeats the credential) */
    public record Refused(String detail) implements Outcome {
    }

    private record Cached(Principal principal, Instant until) {
    }

    private final Map<String, Principal> fixed = new HashMap<>();
    /** Compared on each request: a producer token read from a file is rotated by replacing the file. */
    private final java.util.List<Producer> producers = new java.util.ArrayList<>();

    private record Producer(SystemConfig system, Principal principal) {
    }
    private final TokenStore tokens;
    private final OidcVerifier oidc;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    /**
     * @param bootstrapTokens admin tokens from the environment, for first use
     * @param systems         systems whose producer credential may ingest
     * @param oidc            null: no identity provider
     */
    public Authenticator(List<String> bootstrapTokens, Map<String, SystemConfig> systems, TokenStore tokens, OidcVerifier oidc, Clock clock) {
        this.tokens = tokens;
        this.oidc = oidc;
        this.clock = clock;
        for (String t : bootstrapTokens) {
            fixed.put(key(t), new Principal("bootstrap-admin", Principal.Kind.BOOTSTRAP, EnumSet.of(Role.admin), PlantScope.ALL, List.of()));
        }
        for (SystemConfig s : systems.values()) {
            if (s.producerToken() == null) continue;
            producers.add(new Producer(s, new Principal(s.name(), Principal.Kind.PRODUCER, EnumSet.of(Role.producer),
                    PlantScope.of(s.plants()), s.sources())));
        }
    }

    public Outcome authenticate(String credential) {
        if (credential == null || credential.isBlank()) return new Refused("send Authorization: Bearer <token>");
        String key = key(credential);
        Principal known = fixed.get(key);
        if (known != null) return new Accepted(known, false);
        byte[] presented = credential.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (Producer p : producers) {
            byte[] expected = p.system().producerToken().value().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (java.security.MessageDigest.isEqual(presented, expected)) return new Accepted(p.principal(), false);
        }
        Instant now = clock.instant();
        Cached cached = cache.get(key);
        if (cached != null && cached.until().isAfter(now)) return new Accepted(cached.principal(), false);
        if (credential.startsWith(TokenStore.PREFIX)) {
            var token = tokens.use(credential);
            if (token.isEmpty()) {
                cache.remove(key);
                return new Refused("the API token is not valid (unknown, revoked or expired)");
            }
            var t = token.get();
            EnumSet<Role> roles = EnumSet.noneOf(Role.class);
            t.roles().forEach(r -> roles.add(Role.parse(r)));
            Instant until = now.plus(TOKEN_CACHE);
            if (t.expiresAt() != null && t.expiresAt().isBefore(until)) until = t.expiresAt();
            return remember(key, new Principal(t.name(), Principal.Kind.TOKEN, roles, PlantScope.of(t.plants()), t.sources()), until, false);
        }
        if (oidc != null && credential.chars().filter(c -> c == '.').count() == 2) {
            try {
                OidcVerifier.Verified v = oidc.verify(credential);
                return remember(key, v.principal(), v.expiresAt(), cached == null);
            } catch (OidcVerifier.Rejected e) {
                return new Refused(e.getMessage());
            }
        }
        return new Refused("the bearer token is not valid");
    }

    private Accepted remember(String key, Principal p, Instant until, boolean firstUse) {
        if (cache.size() >= MAX_CACHED) cache.clear();
        cache.put(key, new Cached(p, until));
        return new Accepted(p, firstUse);
    }

    /** Forgets remembered credentials at once (after a revocation on this node). */
    public void forget() {
        cache.clear();
    }

    private static String key(String credential) {
        return HexFormat.of().formatHex(TokenStore.hash(credential));
    }
}
