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

    /** @return false when the request was answered (refused) */
    boolean admit(Context ctx, Access access) {
        String address = client(ctx);
        ctx.attribute(Caller.CLIENT, address);
        if (access.permission() == null) return withinRate(ctx, "address:" + address);
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            ctx.header("WWW-Authenticate", "Bearer");
            Problem.of(401, "Unauthorized", "send Authorization: Bearer <token>").send(ctx);
            return false;
        }
        long wait = refusals.peek("address:" + address);
        if (wait > 0) return tooMany(ctx, wait, "too many refused credentials from this address");
        switch (authenticator.authenticate(header.substring(7).trim())) {
            case Authenticator.Refused r -> {
                refusals.acquire("address:" + address);
                ctx.header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
                Problem.of(401, "Unauthorized", r.detail()).send(ctx);
                return false;
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
                if (!withinRate(ctx, p.actor())) return false;
                if (!p.can(access.permission())) {
                    Problem.of(403, "Forbidden", p.actor() + " (roles: " + String.join(", ", p.roles().stream().map(Enum::name).sorted().toList())
                            + ") may not " + access.permission().name().toLowerCase(java.util.Locale.ROOT) + " here").send(ctx);
                    return false;
                }
                if (access.reach() == Access.Reach.HUB && !p.plants().all()) {
                    Problem.of(403, "Forbidden", "this covers every plant; " + p.actor() + " is limited to " + p.plants()).send(ctx);
                    return false;
                }
                return true;
            }
        }
    }

    private boolean withinRate(Context ctx, String client) {
        long wait = perClient.acquire(client);
        return wait == 0 || tooMany(ctx, wait, "more requests than " + client + " may make per second");
    }

    private static boolean tooMany(Context ctx, long wait, String why) {
        ctx.header("Retry-After", Long.toString(wait));
        Problem.of(429, "Too many requests", why + "; try again in " + wait + " s").send(ctx);
        return false;
    }
}
