package dev.millwright.security;

import java.util.List;
import java.util.Set;

/**
 * Who is calling: a name for the audit trail, how it proved it, its roles and plants, and for a producer the
 * CloudEvents sources it may send under ({@code qms://plant-a/*}; empty: any).
 */
public record Principal(String name, Kind kind, Set<Role> roles, PlantScope plants, List<String> sources) {
    public enum Kind {
        /** The bootstrap admin token from the environment, for first use. */
        BOOTSTRAP,
        /** An API token created through the CLI or the API. */
        TOKEN,
        /** A bearer JWT from the enterprise identity provider. */
        OIDC,
        /** A system's producer credential from its configuration. */
        PRODUCER
    }

    public Principal {
        roles = Set.copyOf(roles);
        sources = sources == null ? List.of() : List.copyOf(sources);
    }

    public boolean can(Permission p) {
        for (Role r : roles) if (r.grants(p)) return true;
        return false;
    }

    /** Whether this principal may send events under {@code source}: a pattern ending in '*' matches a prefix. */
    public boolean allowsSource(String source) {
        if (sources.isEmpty()) return true;
        for (String s : sources) {
            if (s.endsWith("*") ? source.startsWith(s.substring(0, s.length() - 1)) : source.equals(s)) return true;
        }
        return false;
    }

    /** The name the audit trail records: the kind and the name ("token:alice", "oidc:jdoe", "producer:qms"). */
    public String actor() {
        return switch (kind) {
            case BOOTSTRAP -> "bootstrap-admin";
            case TOKEN -> "token:" + name;
            case OIDC -> "oidc:" + name;
            case PRODUCER -> "producer:" + name;
        };
    }
}
