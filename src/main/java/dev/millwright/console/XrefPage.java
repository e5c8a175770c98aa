package dev.millwright.console;

import dev.millwright.api.Caller;
import dev.millwright.store.XrefStore;
import dev.millwright.xref.Xref;
import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Cross-references: browse and search, one entity's ids and history, edit them, import a CSV after a preview. */
public final class XrefPage {
    private static final int PAGE = 50;

    /** @param valueMaps the plant folder's value maps (read here; changed in valuemaps/ and loaded with the plant) */
    public record BrowseView(Page page, List<String> types, String type, String q, List<XrefStore.Entity> entities, String next, String csv,
                      XrefStore.ImportResult preview, String problem, List<dev.millwright.mapping.ValueMap> valueMaps) {
    }

    public record EntityView(Page page, String type, String id, Map<String, String> systems, List<XrefStore.HistoryEntry> history, String problem) {
    }

    private final Console console;
    private final Xref xref;

    private final List<dev.millwright.mapping.ValueMap> valueMaps;

    XrefPage(Console console, Xref xref, Map<String, dev.millwright.mapping.ValueMap> valueMaps) {
        this.console = console;
        this.xref = xref;
        this.valueMaps = valueMaps.values().stream().sorted(java.util.Comparator.comparing(dev.millwright.mapping.ValueMap::name)).toList();
    }

    void browse(Context ctx) {
        String type = Form.blank(ctx.queryParam("type")), q = Form.blank(ctx.queryParam("q")), after = ctx.queryParam("after");
        console.render(ctx, 200, "console/xref.jte", browseView(ctx, type, q, after, null, null, null));
    }

    private BrowseView browseView(Context ctx, String type, String q, String after, String csv, XrefStore.ImportResult preview, String problem) {
        if (type != null && !XrefStore.ENTITY_TYPES.contains(type)) throw ConsoleException.badRequest("no entity type '" + Views.excerpt(type, 40) + "'");
        String afterType = null, afterId = null;
        if (after != null && after.contains("|")) {
            afterType = after.substring(0, after.indexOf('|'));
            afterId = after.substring(after.indexOf('|') + 1);
        }
        List<XrefStore.Entity> page = xref.store().browse(type, q, Caller.plants(ctx), afterType, afterId, PAGE);
        return new BrowseView(console.page(ctx, "xref", "Cross-references"), XrefStore.ENTITY_TYPES.stream().sorted().toList(), type, q, page,
                page.size() == PAGE ? page.getLast().entityType() + "|" + page.getLast().canonicalId() : null, csv, preview, problem, valueMaps);
    }

    void entity(Context ctx) {
        String type = type(ctx), id = ctx.pathParam("canonicalId");
        console.render(ctx, 200, "console/xref-entity.jte", entityView(ctx, type, id, null));
    }

    private EntityView entityView(Context ctx, String type, String id, String problem) {
        var owner = xref.store().owner(type, id);
        if (owner.isPresent() && owner.get().plant() != null && !Caller.plants(ctx).allows(owner.get().plant())) {
            throw ConsoleException.notFound("no " + type + " '" + id + "' in the cross-reference");
        }
        Map<String, String> systems = new LinkedHashMap<>(xref.store().entry(type, id));
        systems.remove(Xref.CANONICAL);
        return new EntityView(console.page(ctx, "xref", type + " " + id), type, id, systems, xref.store().history(type, id), problem);
    }

    /** The form lists "system = id" lines: exactly those ids are kept (a line left out is removed). */
    void put(Context ctx) {
        String type = type(ctx), id = ctx.pathParam("canonicalId");
        Map<String, String> ids = new LinkedHashMap<>();
        String text = ctx.formParam("ids");
        for (String line : (text == null ? "" : text).split("\r?\n")) {
            if (line.isBlank()) continue;
            int eq = line.indexOf('=');
            if (eq <= 0 || line.substring(eq + 1).isBlank()) {
                console.render(ctx, 400, "console/xref-entity.jte", entityView(ctx, type, id, "'" + Views.excerpt(line, 60)
                        + "' is not a line such as erp = 10004711"));
                return;
            }
            ids.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
        String plant = ctx.formParam("plant");
        try {
            var change = xref.set(type, id, ids, plant == null || plant.isBlank() ? null : plant.strip(), Caller.plants(ctx), Caller.actor(ctx));
            Console.redirect(ctx, "/console/xref/" + Views.url(type) + "/" + Views.url(id), change.added() + " added, " + change.changed()
                    + " changed, " + change.removed() + " removed");
        } catch (Xref.Refused r) {
            if (r.status == 404) throw ConsoleException.notFound(r.getMessage());
            console.render(ctx, r.status, "console/xref-entity.jte", entityView(ctx, type, id, (r.field == null ? "" : r.field + " ") + r.getMessage()));
        }
    }

    /** A preview first (nothing written: adds, changes, rejects); the confirmed second post applies it. */
    void importCsv(Context ctx) {
        String csv = ctx.formParam("csv");
        boolean apply = "apply".equals(ctx.formParam("action"));
        if (!Caller.plants(ctx).all()) {
            throw new ConsoleException(403, "Forbidden", "an import changes shared master data: it takes an integrator of every plant");
        }
        XrefStore.ImportResult result;
        try {
            result = xref.importCsv(csv == null ? "" : csv, Caller.actor(ctx), apply);
        } catch (IllegalArgumentException e) {
            console.render(ctx, 400, "console/xref.jte", browseView(ctx, null, null, null, csv, null, e.getMessage()));
            return;
        }
        if (apply) {
            Console.redirect(ctx, "/console/xref", "imported: " + result.added() + " added, " + result.changed() + " changed, " + result.unchanged()
                    + " unchanged, " + result.rejected().size() + " rejected");
            return;
        }
        console.render(ctx, 200, "console/xref.jte", browseView(ctx, null, null, null, csv, result, null));
    }

    private static String type(Context ctx) {
        String type = ctx.pathParam("entityType");
        if (!XrefStore.ENTITY_TYPES.contains(type)) throw ConsoleException.notFound("no entity type '" + Views.excerpt(type, 40) + "'");
        return type;
    }

}
