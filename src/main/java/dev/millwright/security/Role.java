package dev.millwright.security;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** A role is a set of permissions; a principal holds any number of roles. */
public enum Role {
    viewer(EnumSet.of(Permission.READ)),
    operator(EnumSet.of(Permission.READ, Permission.OPERATE)),
    integrator(EnumSet.of(Permission.READ, Permission.INTEGRATE)),
    admin(EnumSet.allOf(Permission.class)),
    /** A sending system: ingest only. */
    producer(EnumSet.of(Permission.INGEST));

    private final Set<Permission> permissions;

    Role(Set<Permission> permissions) {
        this.permissions = permissions;
    }

    public boolean grants(Permission p) {
        return permissions.contains(p);
    }

    public static Role parse(String name) {
        try {
            return valueOf(name.strip().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown role '" + name + "'; roles: viewer, operator, integrator, admin, producer");
        }
    }
}
