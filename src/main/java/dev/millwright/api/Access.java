package dev.millwright.api;

import dev.millwright.security.Permission;

/**
 * What a route asks of its caller. Every route has one (the route table cannot be built without it), and the
 * authorization test walks the table, so a new route without a rule does not go unnoticed.
 *
 * @param permission null: open to anyone (health, the OpenAPI document, inbound webhooks that check their own signature)
 * @param reach      what the route's objects belong to
 */
public record Access(Permission permission, Reach reach) {
    public enum Reach {
        /** No objects of any plant (health, the OpenAPI document, contracts, flow definitions). */
        NONE,
        /** Objects of one plant each: a caller sees only those of its plants; others answer 404. */
        PLANT,
        /** Objects of the whole hub (the audit trail, identities, metrics): only a caller of every plant. */
        HUB
    }

    public static final Access OPEN = new Access(null, Reach.NONE);

    public static Access plant(Permission p) {
        return new Access(p, Reach.PLANT);
    }

    public static Access hub(Permission p) {
        return new Access(p, Reach.HUB);
    }

    public static Access any(Permission p) {
        return new Access(p, Reach.NONE);
    }
}
