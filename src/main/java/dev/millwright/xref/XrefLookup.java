package dev.millwright.xref;

import java.util.Optional;

/** Resolves an entity's id from one system to another (or to and from "canonical"). */
@FunctionalInterface
public interface XrefLookup {
    Optional<String> resolve(String entityType, String fromSystem, String localId, String toSystem);

    /** Rows held in memory (mapping test fixtures): entity type, canonical id, system, local id. */
    static XrefLookup of(java.util.List<dev.millwright.store.XrefStore.Row> rows) {
        return (type, from, localId, to) -> {
            Optional<String> canonical = from.equals(Xref.CANONICAL) ? Optional.of(localId) : rows.stream()
                    .filter(r -> r.entityType().equals(type) && r.system().equals(from) && r.localId().equals(localId))
                    .map(dev.millwright.store.XrefStore.Row::canonicalId).findFirst();
            if (canonical.isEmpty() || to.equals(Xref.CANONICAL)) return canonical;
            return rows.stream().filter(r -> r.entityType().equals(type) && r.canonicalId().equals(canonical.get()) && r.system().equals(to))
                    .map(dev.millwright.store.XrefStore.Row::localId).findFirst();
        };
    }
}
