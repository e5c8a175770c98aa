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

    /** Why a change was refused; {@code status} as HTTP says it (404: outside the caller's plants, 403, 400, 409). */
    public static final class Refused extends RuntimeException {
        public final int status;
        /** the request field at fault, or null */
        public final String field;

        Refused(int status, String field, String message) {
            super(message, null, false, false);
            this.status = status;
            this.field = field;
        }
    }

    /**
     * Sets exactly these ids of an entity, for a caller of {@code scope}: an entity of a plant is changed by that plant's
     * integrators, shared master data ({@code plant} null) by integrators of every plant; an entity outside the
     * caller's plants answers as if it did not exist. Empty {@code ids} removes the entity.
     *
     * @throws Refused with the reason
     */
    public XrefStore.Change set(String entityType, String canonicalId, Map<String, String> ids, String plant,
                                dev.millwright.security.PlantScope scope, dev.millwright.store.Actor actor) {
        var owner = store.owner(entityType, canonicalId);
        if (owner.isPresent()) {
            String owned = owner.get().plant();
            if (owned != null && !scope.allows(owned)) throw new Refused(404, null, "no " + entityType + " '" + canonicalId + "' in the cross-reference");
            if (owned == null && !scope.all()) {
                throw new Refused(403, null, entityType + " '" + canonicalId + "' is master data every plant shares: it is changed by integrators of every plant");
            }
        }
        if (!ids.isEmpty() && plant == null && !scope.all()) {
            throw new Refused(400, "plant", "is required: shared master data is changed by integrators of every plant; name one of yours (" + scope + ")");
        }
        if (plant != null && !scope.allows(plant)) throw new Refused(400, "plant", "plant '" + plant + "' is outside your plants (" + scope + ")");
        XrefStore.Change change;
        try {
            change = ids.isEmpty() ? store.put(entityType, canonicalId, Map.of(), true, actor) : store.put(entityType, canonicalId, ids, true, plant, actor);
        } catch (XrefStore.Conflict e) {
            throw new Refused(409, null, e.getMessage());
        }
        if (ids.isEmpty() && change.removed() == 0) throw new Refused(404, null, "no " + entityType + " '" + canonicalId + "' in the cross-reference");
        invalidate(entityType + "|" + canonicalId);
        return change;
    }

    /**
     * A CSV import ({@link XrefCsv}) in one transaction, or only counted ({@code apply} false: the preview of adds,
     * changes and rejects). Rejected rows (unparseable or conflicting) come with their line, in line order.
     *
     * @throws IllegalArgumentException when the CSV's header is not the import's
     */
    public XrefStore.ImportResult importCsv(String csv, dev.millwright.store.Actor actor, boolean apply) {
        XrefCsv.Parsed parsed = XrefCsv.parse(csv);
        XrefStore.ImportResult result = store.importRows(parsed.rows(), actor, apply);
        if (apply) clear();
        java.util.List<XrefStore.Rejected> rejected = new java.util.ArrayList<>(parsed.rejected());
        rejected.addAll(result.rejected());
        rejected.sort(java.util.Comparator.comparingInt(XrefStore.Rejected::line));
        return new XrefStore.ImportResult(result.added(), result.changed(), result.unchanged(), java.util.List.copyOf(rejected));
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
