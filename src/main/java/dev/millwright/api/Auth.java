package dev.millwright.api;

import dev.millwright.config.HubSettings;
import dev.millwright.security.Authenticator;
import dev.millwright.security.Principal;
import dev.millwright.security.RateLimiter;
import dev.millwright.store.Actor;
import dev.millwright.store.AuditStore;
import dev.millwright.store.Jdbc;
import io.javalin.http.Context;

import javax.sql.DataSource;

/**
 * Admits a request to a route by its {@link Access} rule: the bearer credential names a principal (401 when it does
 * not), the principal stays within its request rate (429), holds the permission (403) and, for hub-wide objects, is a
 * principal of every plant (403). Plant scoping of the objects themselves is the handlers' work ({@link Caller}).
 */
public final class Auth {
    /** Refused credentials per address: guessing stops here, before a token lookup reaches the database. */
    private static final int REFUSALS_PER_SECOND = 5, REFUSAL_BURST = 20;

    private final Authenticator authenticator;
    private final RateLimiter perClient;
    private final RateLimiter refusals = new RateLimiter(REFUSALS_PER_SECOND, REFUSAL_BURST, System::nanoTime);
    private final DataSource audit;
    private final java.util.Set<String> trustedProxies;

    public Auth(Authenticator authenticator, HubSettings.Security security, DataSource audit) {
        this.trustedProxies = java.util.Set.copyOf(security.trustedProxies());
        this.authenticator = authenticator;
        this.perClient = new RateLimiter(security.requestsPerSecond(), security.burst(), System::nanoTime);
        this.audit = audit;
    }

    public Authenticator authenticator() {
        return authenticator;
    }

    /**
     * The address a request came from: the peer, or — when the peer is a trusted reverse proxy — the address that proxy
     * appended to X-Forwarded-For (the last one: earlier ones are whatever the client claimed).
     */
    private String client(Context ctx) {
        String peer = ctx.req().getRemoteAddr();
        if (!trustedProxies.contains(peer)) return peer;
        String forwarded = ctx.header("X-Forwarded-For");
        if (forwarded == null || forwarded.isBlank()) return peer;
        String last = forwarded.substring(forwarded.lastIndexOf(',') + 1).strip();
        return last.isEmpty() || last.length() > 64 ? peer : last;
    }

    /** What {@link #decide} concluded: the principal admitted, or why not (with the answer's status). */
    public sealed interface Admission permits Admitted, Refused {
    }

    /** @param principal null on an open route */
    public record Admitted(Principal principal) implements Admission {
    }

    /**
     * @param retryAfter seconds (429 only)
     * @param credential whether a credential was sent (401 only: missing, or refused)
     */
    public record Refused(int status, String title, String detail, long retryAfter, boolean credential) implements Admission {
    }

    /** @return false when the request was answered (refused), as application/problem+json */
    boolean admit(Context ctx, Access access) {
        String header = ctx.header("Authorization");
        String credential = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
        if (!(decide(ctx, access, credential) instanceof Refused r)) return true;
        if (r.status() == 401) ctx.header("WWW-Authenticate", r.credential() ? "Bearer error=\"invalid_token\"" : "Bearer");
        if (r.status() == 429) ctx.header("Retry-After", Long.toString(r.retryAfter()));
        Problem.of(r.status(), r.title(), r.detail()).send(ctx);
        return false;
    }

    /**
     * Admits a request carrying {@code credential} (from the Authorization header, or the console's session cookie) to
     * a route: sets the caller on the context when admitted.
     */
    public Admission decide(Context ctx, Access access, String credential) {
        String address = client(ctx);
        ctx.attribute(Caller.CLIENT, address);
        if (access.permission() == null) return withinRate("address:" + address, new Admitted(null));
        if (credential == null) return new Refused(401, "Unauthorized", "send Authorization: Bearer <token>", 0, false);
        long wait = refusals.peek("address:" + address);
        if (wait > 0) return tooMany(wait, "too many refused credentials from this address");
        switch (authenticator.authenticate(credential)) {
            case Authenticator.Refused r -> {
                refusals.acquire("address:" + address);
                return new Refused(401, "Unauthorized", r.detail(), 0, true);
            }
            case Authenticator.Accepted a -> {
                Principal p = a.principal();
                ctx.attribute(Caller.PRINCIPAL, p);
                if (a.firstUse()) {
                    Actor actor = new Actor(p.actor(), address);
                    Jdbc.inTransaction(audit, c -> {
                        AuditStore.record(c, actor, "auth.login", AuditStore.change(p.actor(), null,
                                java.util.Map.of("roles", p.roles().stream().map(Enum::name).sorted().toList(), "plants", p.plants().patterns())));
                        return null;
                    });
                }
                Admission rate = withinRate(p.actor(), new Admitted(p));
                if (rate instanceof Refused) return rate;
                if (!p.can(access.permission())) {
                    return new Refused(403, "Forbidden", p.actor() + " (roles: " + String.join(", ", p.roles().stream().map(Enum::name).sorted().toList())
                            + ") may not " + access.permission().name().toLowerCase(java.util.Locale.ROOT) + " here", 0, true);
                }
                if (access.reach() == Access.Reach.HUB && !p.plants().all()) {
                    return new Refused(403, "Forbidden", "this covers every plant; " + p.actor() + " is limited to " + p.plants(), 0, true);
                }
                return rate;
            }
        }
    }

    private Admission withinRate(String client, Admitted admitted) {
        long wait = perClient.acquire(client);
        return wait == 0 ? admitted : tooMany(wait, "more requests than " + client + " may make per second");
    }

    private static Refused tooMany(long wait, String why) {
        return new Refused(429, "Too many requests", why + "; try again in " + wait + " s", wait, false);
    }
}
