package dev.millwright.api;

import dev.millwright.config.SystemConfig;
import dev.millwright.security.PlantScope;
import dev.millwright.security.Principal;
import dev.millwright.store.Actor;
import io.javalin.http.Context;

/** The authenticated caller of a request, as handlers need it: who (for the audit trail) and which plants. */
public final class Caller {
    static final String PRINCIPAL = "principal";
    static final String CLIENT = "client";

    private Caller() {
    }

    public static Principal principal(Context ctx) {
        Principal p = ctx.attribute(PRINCIPAL);
        if (p == null) throw new IllegalStateException("no principal on " + ctx.path() + ": the route's access rule is open");
        return p;
    }

    /** The principal, or null when the request was not admitted with one (an open route, or refused). */
    public static Principal signedIn(Context ctx) {
        return ctx.attribute(PRINCIPAL);
    }

    public static Actor actor(Context ctx) {
        return new Actor(principal(ctx).actor(), ctx.attribute(CLIENT));
    }

    public static PlantScope plants(Context ctx) {
        return principal(ctx).plants();
    }

    /** @throws ApiException 404 (the same answer as for a missing object) when the plant is outside the caller's scope */
    public static void requirePlant(Context ctx, String plant, String notFound) {
        if (!plants(ctx).allows(plant)) throw ApiException.notFound(notFound);
    }

    /**
     * A system's inbound failures, connectors and health belong to the plants it declares; a system declaring none
     * belongs to the whole hub (callers of every plant only).
     */
    public static boolean sees(Context ctx, SystemConfig system) {
        PlantScope scope = plants(ctx);
        if (scope.all()) return true;
        if (system == null || system.plants().isEmpty()) return false;
        for (String p : system.plants()) {
            if (!p.endsWith("/*") && scope.allows(p)) return true;
            if (p.endsWith("/*") && scope.patterns().contains(p)) return true;
        }
        return false;
    }
}
