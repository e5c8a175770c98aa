package dev.millwright.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.ingest.Violation;
import dev.millwright.store.XrefStore;
import dev.millwright.xref.Xref;
import dev.millwright.xref.XrefCsv;
import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The cross-reference: resolve ids between systems, set and remove an entity's ids, import CSV, history. */
final class XrefApi {
    private static final int MAX_IMPORT_BYTES = 64 * 1024 * 1024;

    private final Xref xref;

    XrefApi(Xref xref) {
        this.xref = xref;
    }

    /** GET /api/v1/xref/resolve?entityType=&system=&localId=&to= */
    void resolve(Context ctx) {
        Params p = new Params(ctx);
        String type = p.parsed("entityType", XrefApi::entityType);
        String system = p.text("system"), localId = p.text("localId"), to = p.text("to");
        List<Violation> missing = new ArrayList<>();
        if (ctx.queryParam("entityType") == null) missing.add(new Violation("entityType", "is required"));
        if (system == null) missing.add(new Violation("system", "is required (a system name, or canonical)"));
        if (localId == null) missing.add(new Violation("localId", "is required"));
        if (to == null) missing.add(new Violation("to", "is required (a system name, or canonical)"));
        p.check();
        if (!missing.isEmpty()) throw new ApiException(new Problem(400, "Invalid query", null, missing));
        java.util.function.Supplier<ApiException> unresolved = () -> new ApiException(Problem.of(404, "Unresolved",
                type + " '" + localId + "' of " + system + " has no " + (to.equals(Xref.CANONICAL) ? "canonical id" : to + " id")));
        String id = xref.resolve(type, system, localId, to).orElseThrow(unresolved);
        String canonical = system.equals(Xref.CANONICAL) ? localId : to.equals(Xref.CANONICAL) ? id
                : xref.resolve(type, system, localId, Xref.CANONICAL).orElseThrow(unresolved);
        if (!readable(ctx, type, canonical)) throw unresolved.get();
        JsonBody.send(ctx, 200, Map.of("entityType", type, "system", system, "localId", localId, "to", to, "id", id));
    }

    /** GET /api/v1/xref/{entityType}/{canonicalId}: the entity's ids and their history. */
    void get(Context ctx) {
        String type = pathType(ctx);
        String id = ctx.pathParam("canonicalId");
        Map<String, String> ids = xref.store().entry(type, id);
        List<XrefStore.HistoryEntry> history = xref.store().history(type, id);
        // A removed entity's plant is gone with it: its history stays with callers of every plant.
        boolean visible = ids.isEmpty() ? Caller.plants(ctx).all() : readable(ctx, type, id);
        if (ids.isEmpty() && history.isEmpty() || !visible) throw ApiException.notFound("no " + type + " '" + id + "' in the cross-reference");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("entityType", type);
        out.put("canonicalId", id);
        out.put("plant", xref.store().owner(type, id).map(XrefStore.Owner::plant).orElse(null));
        out.put("systems", ids);
        out.put("history", history);
        JsonBody.send(ctx, 200, out);
    }

    /** PUT /api/v1/xref/{entityType}/{canonicalId} {"systems": {"mes": "CNC-07", "erp": "10004711"}}: exactly these ids. */
    void put(Context ctx) {
        String type = pathType(ctx);
        String id = ctx.pathParam("canonicalId");
        JsonNode body = JsonBody.read(ctx, Set.of("systems", "plant"));
        JsonNode systems = body.get("systems");
        List<Violation> errors = new ArrayList<>();
        String plant = null;
        JsonNode p = body.get("plant");
        if (p != null && !p.isNull()) {
            if (!p.isTextual() || p.asText().isBlank()) errors.add(new Violation("/plant", "must be a non-empty string (leave it out for shared master data)"));
            else plant = p.asText();
        }
        Map<String, String> ids = new LinkedHashMap<>();
        if (systems == null || !systems.isObject() || systems.isEmpty()) {
            errors.add(new Violation("/systems", "must be an object of system name → id with at least one entry (DELETE removes an entity)"));
        } else {
            systems.properties().forEach(e -> {
                if (e.getKey().isBlank() || e.getKey().equals(Xref.CANONICAL)) {
                    errors.add(new Violation("/systems/" + e.getKey(), "is not a system name"));
                } else if (!e.getValue().isTextual() || e.getValue().asText().isBlank()) {
                    errors.add(new Violation("/systems/" + e.getKey(), "must be a non-empty string"));
                } else {
                    ids.put(e.getKey(), e.getValue().asText());
                }
            });
        }
        if (!errors.isEmpty()) throw new ApiException(new Problem(400, "Invalid cross-reference entry", null, errors));
        JsonBody.send(ctx, 200, set(ctx, type, id, ids, plant));
    }

    private XrefStore.Change set(Context ctx, String type, String id, Map<String, String> ids, String plant) {
        try {
            return xref.set(type, id, ids, plant, Caller.plants(ctx), Caller.actor(ctx));
        } catch (Xref.Refused r) {
            if (r.field != null) throw new ApiException(new Problem(400, "Invalid cross-reference entry", null, List.of(new Violation("/" + r.field, r.getMessage()))));
            throw new ApiException(Problem.of(r.status, switch (r.status) {
                case 404 -> "Not found";
                case 403 -> "Forbidden";
                case 409 -> "Id already taken";
                default -> "Invalid cross-reference entry";
            }, r.getMessage()));
        }
    }

    /** DELETE /api/v1/xref/{entityType}/{canonicalId}: removes every id of the entity (kept in the history). */
    void delete(Context ctx) {
        String type = pathType(ctx);
        String id = ctx.pathParam("canonicalId");
        JsonBody.send(ctx, 200, set(ctx, type, id, Map.of(), null));
    }

    /** POST /api/v1/xref/import (text/csv): idempotent upsert; says what was added, changed, unchanged and rejected (with lines). */
    void importCsv(Context ctx) {
        Params p = new Params(ctx);
        boolean dryRun = Boolean.TRUE.equals(p.parsed("dryRun", v -> switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("must be true or false");
        }));
        p.check();
        if (!Caller.plants(ctx).all()) {
            throw new ApiException(Problem.of(403, "Forbidden", "an import changes shared master data: it takes an integrator of every plant; "
                    + "set one entity at a time with PUT and its plant"));
        }
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("text/csv")) {
            throw new ApiException(Problem.of(415, "Unsupported content type", "send text/csv with the header " + String.join(",", XrefCsv.HEADER)));
        }
        byte[] bytes = BoundedBody.read(ctx, MAX_IMPORT_BYTES, size -> new ApiException(Problem.of(413, "Too large",
                "an import is at most 64 MiB; split it")));
        XrefStore.ImportResult result;
        try {
            result = xref.importCsv(new String(bytes, StandardCharsets.UTF_8), Caller.actor(ctx), !dryRun);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("dryRun", dryRun);
        out.put("added", result.added());
        out.put("changed", result.changed());
        out.put("unchanged", result.unchanged());
        out.put("rejected", result.rejected());
        JsonBody.send(ctx, 200, out);
    }

    /** Shared master data (no plant) is read by everyone; a plant's entities by callers of that plant. */
    private boolean readable(Context ctx, String type, String canonicalId) {
        var owner = xref.store().owner(type, canonicalId);
        return owner.isEmpty() || owner.get().plant() == null || Caller.plants(ctx).allows(owner.get().plant());
    }

    /** A plant's entity is changed by callers of that plant (404 to others); shared master data by callers of every plant (403). */
    private static String pathType(Context ctx) {
        try {
            return entityType(ctx.pathParam("entityType"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("entityType: " + e.getMessage());
        }
    }

    private static String entityType(String value) {
        if (!XrefStore.ENTITY_TYPES.contains(value)) {
            throw new IllegalArgumentException("unknown entity type '" + value + "'; known: " + String.join(", ", XrefStore.ENTITY_TYPES.stream().sorted().toList()));
        }
        return value;
    }
}
