package dev.millwright.xref;

import dev.millwright.store.Database;
import dev.millwright.store.Notifications;
import dev.millwright.store.XrefStore;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves ids between systems through the canonical id, from an in-memory cache in front of the
 * store. A change on any node is announced by NOTIFY; every node drops the entries it touched, so the
 * next lookup anywhere reads the new value. Unknown ids are cached too (and dropped on any change of
 * their entity type), so a flood of unmapped ids does not reach the database each time.
 */
public final class Xref implements XrefLookup, AutoCloseable {
    /** The system name that stands for the canonical id itself. */
    public static final String CANONICAL = "canonical";
    private static final int MAX_ENTRIES = 2_000_000;

    private record Key(String entityType, String a, String b) {
    }

    private final XrefStore store;
    /** (type, system, local id) → canonical id */
    private final Map<Key, Optional<String>> canonical = new ConcurrentHashMap<>();
    /** (type, canonical id, system) → local id */
    private final Map<Key, Optional<String>> local = new ConcurrentHashMap<>();
    private final Notifications listener;

    public Xref(Database db, XrefStore store, String channel) {
        this.store = store;
        // Whatever changed while not listening is unknown: start from an empty cache then.
        this.listener = db == null ? null : new Notifications(db, channel, this::invalidate, this::clear);
    }

    /** NOTIFY channel of a hub schema's cross-reference changes (channels are per database, schemas share them). */
    public static String channel(String schema) {
        return "millwright_xref_" + schema;
    }

    /** The id {@code toSystem} knows the entity by that {@code fromSystem} calls {@code localId}; empty when not mapped. */
    @Override
    public Optional<String> resolve(String entityType, String fromSystem, String localId, String toSystem) {
        Optional<String> id = fromSystem.equals(CANONICAL) ? Optional.of(localId)
                : cached(canonical, new Key(entityType, fromSystem, localId), k -> store.canonicalOf(entityType, fromSystem, localId));
        if (id.isEmpty() || toSystem.equals(CANONICAL)) return id;
        String canonicalId = id.get();
        return cached(local, new Key(entityType, canonicalId, toSystem), k -> store.localOf(entityType, canonicalId, toSystem));
    }

    private static Optional<String> cached(Map<Key, Optional<String>> cache, Key key, java.util.function.Function<Key, Optional<String>> load) {
        Optional<String> hit = cache.get(key);
        if (hit != null) return hit;
        Optional<String> value = load.apply(key);
        if (cache.size() >= MAX_ENTRIES) cache.clear(); // crude bound: master data far larger than this is not cached whole
        cache.put(key, value);
        return value;
    }

    /** "TYPE|CANONICAL_ID" drops that entity's entries (and unknown ids of the type); "*" drops everything. */
    public void invalidate(String note) {
        int bar = note.indexOf('|');
        if (bar < 0) {
            clear();
            return;
        }
        String type = note.substring(0, bar);
        String id = note.substring(bar + 1);
        local.keySet().removeIf(k -> k.entityType().equals(type) && k.a().equals(id));
        canonical.entrySet().removeIf(e -> e.getKey().entityType().equals(type)
                && (e.getValue().isEmpty() || e.getValue().get().equals(id)));
    }

    public void clear() {
        canonical.clear();
        local.clear();
    }

    public XrefStore store() {
        return store;
    }

    @Override
    public void close() {
        if (listener != null) listener.close();
    }
}
